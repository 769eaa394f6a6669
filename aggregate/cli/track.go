package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/aggregate/track"
	"github.com/rookery-social/rookery/internal/safehttp"
	"github.com/rookery-social/rookery/internal/sqlitedb"
)

func trackCommands() map[string]Command {
	return map[string]Command{
		"track": {"track QUERY [--hub HUB_URL]...", "have hubs push every post matching #tag, @FEED_URL or words (through reader serve)", runTrack,
			func(fs *flag.FlagSet) {
				fs.Var(&listFlag{}, "hub", "a hub to track at (repeatable; default: hubs in the config)")
				fs.Var(&listFlag{}, "hubs", "the hubs to track at when --hub is not given: set it in the config, [track] hubs = [\"https://hub.example/\"]")
			}},
		"untrack":  {"untrack QUERY", "stop tracking a query", runUntrack, nil},
		"tracking": {"tracking [--json]", "list tracked queries with their hub and subscription state", runTracking, nil},
		"tracked": {"tracked [QUERY] [-n 50] [--before CURSOR] [--json]", "posts that tracked queries brought, newest first", runTracked,
			func(fs *flag.FlagSet) {
				fs.Var(&count{50}, "n", "`number` of posts to show (1 or more)")
				fs.String("before", "", "the next page: the posts after the one whose cursor is CURSOR (in --json)")
			}},
	}
}

// withTracker opens the reader and the tracker's tables of a call.
func (a *App) withTracker(ctx context.Context, c *Call, fn func(*aggregate.Reader, *track.Tracker) error) error {
	return a.withReader(ctx, c, func(r *aggregate.Reader) error {
		db, err := sqlitedb.Open(c.DB)
		if err != nil {
			return err
		}
		defer db.Close()
		tr, err := track.Open(ctx, db)
		if err != nil {
			return err
		}
		tr.Now = a.now()
		return fn(r, tr)
	})
}

func runTrack(ctx context.Context, a *App, c *Call) error {
	if len(c.Args) == 0 {
		return usagef("usage: reader track QUERY [--hub HUB_URL]...   (QUERY: #tag, @FEED_URL or words)")
	}
	query := strings.Join(c.Args, " ")
	return a.withTracker(ctx, c, func(r *aggregate.Reader, tr *track.Tracker) error {
		hubs, err := trackHubs(c)
		if err != nil {
			return err
		}
		client := safehttp.NewClient(safehttp.Options{AllowPrivate: true, Timeout: 30 * time.Second})
		var errs []error
		added := 0
		for _, hub := range hubs {
			tp, err := track.Resolve(ctx, client, hub, query)
			if err == nil {
				err = tr.Add(ctx, tp)
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			added++
			fmt.Fprintf(a.Stdout, "tracking %s at %s (topic %s)\n", safe(tp.Query), safe(hub), safe(tp.Topic))
		}
		if added == 0 {
			return errors.Join(errs...)
		}
		for _, err := range errs {
			fmt.Fprintf(a.Stderr, "reader: %s\n", safe(err.Error()))
		}
		nudgeDaemon(ctx, r)
		return nil
	})
}

// trackHubs is the hubs given with --hub, else those configured
// ([track] hubs): never the hubs that followed feeds name, which the user
// did not choose.
func trackHubs(c *Call) ([]string, error) {
	hubs := c.Flags.Lookup("hub").Value.(*listFlag).list
	if len(hubs) == 0 {
		hubs = c.Flags.Lookup("hubs").Value.(*listFlag).list
	}
	if len(hubs) == 0 {
		return nil, usagef("no hub to track at: pass --hub HUB_URL, or name your hubs in the config file: [track] hubs = [\"https://hub.example/\"]")
	}
	for _, h := range hubs {
		if _, err := safehttp.ParseURL(h); err != nil {
			return nil, usagef("--hub %q must be an absolute http(s) URL", h)
		}
	}
	return hubs, nil
}

// listFlag is a repeatable string flag; a list in the config sets it once
// per item.
type listFlag struct{ list []string }

func (l *listFlag) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(l.list, " ")
}

func (l *listFlag) Set(s string) error {
	l.list = append(l.list, s)
	return nil
}

func runUntrack(ctx context.Context, a *App, c *Call) error {
	if len(c.Args) == 0 {
		return usagef("usage: reader untrack QUERY")
	}
	query := strings.Join(c.Args, " ")
	return a.withTracker(ctx, c, func(r *aggregate.Reader, tr *track.Tracker) error {
		gone, err := tr.Remove(ctx, query)
		if err != nil {
			return err
		}
		if len(gone) == 0 {
			return fmt.Errorf("you do not track %q (see `reader tracking`)", query)
		}
		for _, tp := range gone {
			fmt.Fprintf(a.Stdout, "untracked %s at %s\n", safe(tp.Query), safe(tp.Hub))
		}
		nudgeDaemon(ctx, r)
		return nil
	})
}

func runTracking(ctx context.Context, a *App, c *Call) error {
	if err := c.want(0, 0, "tracking [--json]"); err != nil {
		return err
	}
	return a.withTracker(ctx, c, func(_ *aggregate.Reader, tr *track.Tracker) error {
		list, err := tr.List(ctx)
		if err != nil {
			return err
		}
		if c.JSON {
			return a.json(list)
		}
		if len(list) == 0 {
			fmt.Fprintln(a.Stderr, "nothing tracked: `reader track '#tag'`")
		}
		for _, tp := range list {
			state := tp.State
			if state == "" {
				state = "not subscribed yet (is reader serve running?)"
			}
			fmt.Fprintf(a.Stdout, "%-30s %s  %s\n", safe(tp.Query), safe(tp.Hub), safe(state))
		}
		return nil
	})
}

func runTracked(ctx context.Context, a *App, c *Call) error {
	query := strings.Join(c.Args, " ")
	n := c.num("n")
	before, err := c.before()
	if err != nil {
		return err
	}
	return a.withTracker(ctx, c, func(r *aggregate.Reader, tr *track.Tracker) error {
		if query != "" {
			if found, err := tr.Find(ctx, query); err != nil || len(found) == 0 {
				return errors.Join(err, fmt.Errorf("you do not track %q (see `reader tracking`)", query))
			}
		}
		// Read more than n: blocked and muted posts are left out after.
		items, err := tr.Posts(ctx, query, 4*n+50, before.RowID)
		if err != nil {
			return err
		}
		refs := make([]aggregate.TrackedRef, 0, len(items))
		for _, it := range items {
			refs = append(refs, aggregate.TrackedRef{PostRef: it.Ref, Hub: it.Hub, Confirmed: it.Confirmed, Doc: it.Doc, Seq: it.Seq})
		}
		posts, err := r.TrackedPosts(ctx, refs)
		if err != nil {
			return err
		}
		return a.trackedPosts(c, posts[:min(n, len(posts))])
	})
}

// trackedPosts prints tracked posts; one not confirmed by its origin says
// so, with the hub that brought it.
func (a *App) trackedPosts(c *Call, posts []aggregate.TrackedPost) error {
	if c.JSON {
		return a.json(posts)
	}
	if len(posts) == 0 {
		fmt.Fprintln(a.Stderr, "no tracked posts yet")
	}
	for i, p := range posts {
		if i > 0 {
			fmt.Fprintln(a.Stdout)
		}
		if !p.Confirmed {
			fmt.Fprintf(a.Stdout, "[via %s, unconfirmed: not (yet) found in %s]\n", safe(p.Via), safe(p.Feed))
		}
		a.printPost(p.Post)
	}
	return nil
}
