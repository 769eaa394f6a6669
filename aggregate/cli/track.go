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
		"track": {"track QUERY [--hub HUB_URL]", "have hubs push every post matching #tag, @FEED_URL or words (through reader serve)", runTrack,
			stringFlag("hub", "the hub to track at (default: the hubs of followed feeds)")},
		"untrack":  {"untrack QUERY", "stop tracking a query", runUntrack, nil},
		"tracking": {"tracking [--json]", "list tracked queries with their hub and subscription state", runTracking, nil},
		"tracked": {"tracked [QUERY] [-n 50] [--json]", "posts that tracked queries brought, newest first", runTracked,
			func(fs *flag.FlagSet) { fs.Int("n", 50, "how many posts") }},
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
		return fn(r, tr)
	})
}

func runTrack(ctx context.Context, a *App, c *Call) error {
	if len(c.Args) == 0 {
		return usagef("usage: reader track QUERY [--hub HUB_URL]   (QUERY: #tag, @FEED_URL or words)")
	}
	query := strings.Join(c.Args, " ")
	return a.withTracker(ctx, c, func(r *aggregate.Reader, tr *track.Tracker) error {
		hubs, err := trackHubs(ctx, r, c.str("hub"))
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

// trackHubs is the hub given, else the distinct hubs of followed feeds.
func trackHubs(ctx context.Context, r *aggregate.Reader, hub string) ([]string, error) {
	if hub != "" {
		if _, err := safehttp.ParseURL(hub); err != nil {
			return nil, usagef("--hub %q must be an absolute http(s) URL", hub)
		}
		return []string{hub}, nil
	}
	feeds, err := r.FollowedFeeds(ctx)
	if err != nil {
		return nil, err
	}
	var hubs []string
	seen := map[string]bool{}
	for _, f := range feeds {
		for _, h := range f.Hubs {
			if !seen[h] {
				seen[h] = true
				hubs = append(hubs, h)
			}
		}
	}
	if len(hubs) == 0 {
		return nil, usagef("no hub to track at: pass --hub HUB_URL, or follow a feed that names a hub")
	}
	return hubs, nil
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
	if n <= 0 {
		return usagef("-n %d: give a positive number of posts", n)
	}
	return a.withTracker(ctx, c, func(r *aggregate.Reader, tr *track.Tracker) error {
		if query != "" {
			if found, err := tr.Find(ctx, query); err != nil || len(found) == 0 {
				return errors.Join(err, fmt.Errorf("you do not track %q (see `reader tracking`)", query))
			}
		}
		// Read more than n: blocked and muted posts are left out after.
		refs, err := tr.Posts(ctx, query, 4*n+50)
		if err != nil {
			return err
		}
		posts, err := r.PostsByRef(ctx, refs)
		if err != nil {
			return err
		}
		return a.posts(c, posts[:min(n, len(posts))], "no tracked posts yet")
	})
}
