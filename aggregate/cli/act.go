package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/internal/act"
	"github.com/rookery-social/rookery/internal/xdg"
)

// actCommands are the commands that write the user's own posts about a
// post the reader stores, with their feedpub site.
func actCommands() map[string]Command {
	return map[string]Command{
		"reply": {"reply ID|URL TEXT... [--no-publish] [--site DIR]", "reply to a post: write the reply in your feedpub site and publish it",
			actRun(act.Reply, true), actFlags},
		"quote": {"quote ID|URL TEXT... [--no-publish] [--site DIR]", "quote a post with your words: write it in your feedpub site and publish it",
			actRun(act.Quote, true), actFlags},
		"repost": {"repost ID|URL [--no-publish] [--site DIR]", "repost a post: write the repost in your feedpub site and publish it",
			actRun(act.Repost, false), actFlags},
		"like": {"like ID|URL [--no-publish] [--site DIR]", "like a post: write the like in your feedpub site and publish it",
			actRun(act.Like, false), actFlags},
	}
}

func actFlags(fs *flag.FlagSet) {
	siteFlag(fs)
	fs.Bool("no-publish", false, "only write the post file; `feedpub publish` publishes it later")
	fs.Duration("wait", 2*time.Minute, "how long publishing waits for the live feed to show the post (0: don't wait)")
}

// actRun is the command that writes a post of kind about the post named
// by its first argument; withText takes the rest as the post's text.
func actRun(kind act.Kind, withText bool) func(context.Context, *App, *Call) error {
	usage := string(kind) + " ID|URL"
	if withText {
		usage += " TEXT..."
	}
	return func(ctx context.Context, a *App, c *Call) error {
		max := 1
		if withText {
			max = 1 << 20
		}
		if err := c.want(1+boolInt(withText), max, usage); err != nil {
			return err
		}
		site, err := a.site(c, c.dur("wait"), a.Stderr)
		if err != nil {
			return err
		}
		return a.withReader(ctx, c, func(r *aggregate.Reader) error {
			p, err := r.Post(ctx, c.Args[0])
			if err != nil {
				return err
			}
			if p.URL == "" {
				return fmt.Errorf("post %q has no permalink for your %s to point to", c.Args[0], kind)
			}
			res, err := site.Do(ctx, act.Action{Kind: kind, Text: strings.Join(c.Args[1:], " "), Target: p.URL, Publish: !c.on("no-publish")})
			if err != nil {
				return err
			}
			a.printActed(kind, res)
			return nil
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// site is the Writer of the configured feedpub site (--site, else site
// in the config), or act.ErrNoSite.
func (a *App) site(c *Call, wait time.Duration, log io.Writer) (act.Writer, error) {
	dir := c.str("site")
	if dir == "" {
		return nil, act.ErrNoSite
	}
	if a.OpenSite == nil {
		return nil, errors.New("this reader was built without a writer of posts (cmd/reader gives it feedpub's)")
	}
	dir, err := xdg.ExpandHome(dir)
	if err != nil {
		return nil, err
	}
	return a.OpenSite(act.Config{Dir: dir, Wait: wait, Log: log, Now: a.now()}), nil
}

func (a *App) printActed(kind act.Kind, res act.Result) {
	if res.Published {
		fmt.Fprintf(a.Stdout, "wrote and published your %s: %s\n", kind, res.Path)
		return
	}
	fmt.Fprintf(a.Stdout, "wrote your %s: %s (`feedpub publish` publishes it)\n", kind, res.Path)
}
