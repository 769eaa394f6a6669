package publish

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
)

// PublishOptions configure Publish.
type PublishOptions struct {
	Dir      string
	Out      string                // output directory relative to Dir; "" means "public"
	Build    func() (*Site, error) // renders the site into Dir/Out
	Wait     time.Duration         // bound on waiting for the live feed; 0 skips waiting
	Interval time.Duration         // between checks of the live feed; 0 means 2s
	Message  string                // commit message; "" means a generated one
	Client   *http.Client          // nil means NewClient()
	Log      io.Writer             // progress; nil means none
}

// Publish builds the site, commits the posts and the output with git,
// pushes when a remote is configured, waits until the live feed at BASE_URL
// shows the newest entry, then pings the hubs and sends Webmentions.
func Publish(ctx context.Context, o PublishOptions) error {
	if o.Build == nil {
		return errors.New("publish: no build function")
	}
	if o.Out == "" {
		o.Out = "public"
	}
	if o.Interval <= 0 {
		o.Interval = 2 * time.Second
	}
	po := PingOptions{Client: o.Client, Log: o.Log}
	po.defaults()
	o.Client, o.Log = po.Client, po.Log
	s, err := o.Build()
	if err != nil {
		return err
	}
	if err := commitAndPush(ctx, o, s.Config, len(s.Entries)); err != nil {
		return err
	}
	if live := Live(s.Entries); len(live) > 0 && o.Wait > 0 {
		if err := waitLive(ctx, o, s.Config.FeedURL(), live[0]); err != nil {
			return err
		}
	}
	err = PingHubs(ctx, o.Client, s.Config, o.Log)
	main, _ := s.Pages()
	return errors.Join(err, SendWebmentions(ctx, o.Client, o.Dir, Live(main.Entries), o.Log))
}

// git runs a git command in dir and returns its trimmed standard output.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("publish: git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

func commitAndPush(ctx context.Context, o PublishOptions, c *Config, posts int) error {
	if _, err := git(ctx, o.Dir, "rev-parse", "--is-inside-work-tree"); err != nil {
		return fmt.Errorf("publish: %s is not inside a git repository: run `git init` there first", o.Dir)
	}
	if _, err := git(ctx, o.Dir, "add", "-A", "--", PostsDir, ConfigFile, o.Out); err != nil {
		return err
	}
	if _, err := git(ctx, o.Dir, "diff", "--cached", "--quiet"); err != nil {
		msg := o.Message
		if msg == "" {
			msg = fmt.Sprintf("feedpub: publish (%d posts)", posts)
		}
		if _, err := git(ctx, o.Dir, append(identity(ctx, o.Dir, c), "commit", "-q", "-m", msg)...); err != nil {
			return err
		}
		fmt.Fprintln(o.Log, "committed:", msg)
	} else {
		fmt.Fprintln(o.Log, "nothing new to commit")
	}
	remotes, err := git(ctx, o.Dir, "remote")
	if err != nil || remotes == "" {
		fmt.Fprintln(o.Log, "no git remote configured; not pushing")
		return nil
	}
	remote := strings.Fields(remotes)[0]
	for _, r := range strings.Fields(remotes) {
		if r == "origin" {
			remote = r
		}
	}
	if _, err := git(ctx, o.Dir, "push", "-q", remote, "HEAD"); err != nil {
		return err
	}
	fmt.Fprintln(o.Log, "pushed to", remote)
	return nil
}

// waitLive polls the live Atom feed until it carries the newest entry (with
// its current updated time), at most o.Wait long.
func waitLive(ctx context.Context, o PublishOptions, feedURL string, newest *Entry) error {
	newest.Full()
	ctx, cancel := context.WithTimeout(ctx, o.Wait)
	defer cancel()
	tries := max(1, int(o.Wait/o.Interval))
	for try := 1; ; try++ {
		live, status := liveHas(ctx, o.Client, feedURL, newest)
		if live {
			fmt.Fprintf(o.Log, "live: %s shows %s\n", feedURL, newest.ID)
			return nil
		}
		fmt.Fprintf(o.Log, "waiting for %s to show %s (try %d/%d: %s)\n", feedURL, newest.ID, try, tries, status)
		select {
		case <-ctx.Done():
			return fmt.Errorf("publish: the live feed %s did not show %s within %s; hubs were not pinged: run `feedpub ping` once the site is live, or raise --wait", feedURL, newest.ID, o.Wait)
		case <-time.After(o.Interval):
		}
	}
}

func liveHas(ctx context.Context, client *http.Client, feedURL string, newest *Entry) (bool, string) {
	r, err := get(ctx, client, feedURL, acceptFeed)
	if err != nil {
		return false, err.Error()
	}
	if r.Status != http.StatusOK {
		return false, fmt.Sprintf("HTTP %d", r.Status)
	}
	f, err := gofeed.NewParser().Parse(bytes.NewReader(r.Body))
	if err != nil {
		return false, "not a feed yet"
	}
	for _, it := range f.Items {
		if it.GUID == newest.ID {
			if it.UpdatedParsed != nil && it.UpdatedParsed.Before(newest.Updated) {
				return false, "older version of the newest entry"
			}
			return true, ""
		}
	}
	return false, "newest entry not there yet"
}

// identity returns git options naming the site's author as committer when
// git has no identity configured (a fresh machine), so that publishing
// works there without a git setup step; nothing otherwise.
func identity(ctx context.Context, dir string, c *Config) []string {
	if email, _ := git(ctx, dir, "config", "user.email"); email != "" {
		return nil
	}
	host := "localhost"
	if u, err := url.Parse(c.URL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return []string{"-c", "user.name=" + c.Author, "-c", "user.email=feedpub@" + host}
}

// InitRepo makes dir a git repository unless it is inside one already, and
// reports whether it did. Without git installed it does nothing.
func InitRepo(ctx context.Context, dir string) (bool, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return false, nil
	}
	if _, err := git(ctx, dir, "rev-parse", "--is-inside-work-tree"); err == nil {
		return false, nil
	}
	if _, err := git(ctx, dir, "init", "-q"); err != nil {
		return false, err
	}
	return true, nil
}
