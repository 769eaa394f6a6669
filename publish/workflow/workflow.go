// Package workflow is the author's workflow of `feedpub publish`: build the
// site, commit the posts and the output with git, push, wait until the live
// feed shows the newest post, then ping the hubs and send Webmentions.
//
// It sits above both packages it drives: publish (posts, feeds, pings and
// Webmentions) and site (rendering and writing the output). Neither calls
// back into it.
package workflow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/rookery-social/rookery/publish"
	"github.com/rookery-social/rookery/site"
)

// Options configure Publish.
type Options struct {
	Dir      string        // the site directory, a git work tree
	Wait     time.Duration // bound on waiting for the live feed; 0 skips waiting
	Interval time.Duration // between checks of the live feed; 0 means 2s
	Message  string        // commit message's first line; "" means a generated one
	Client   *http.Client  // nil means publish.NewClient()
	Log      io.Writer     // progress; nil means none
	// Now stamps the Webmentions recorded as sent; nil means time.Now.
	Now func() time.Time
}

func (o *Options) defaults() {
	if o.Interval <= 0 {
		o.Interval = 2 * time.Second
	}
	if o.Client == nil {
		o.Client = publish.NewClient()
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Publish builds the site into DIR/public, commits the posts (and the
// output, when [publish] commit_public) with git, pushes when a remote is
// configured, sends the output where [publish] says (the root of a
// branch, an rsync destination), waits until the live feed at BASE_URL
// shows the newest entry, then pings the hubs and sends Webmentions.
func Publish(ctx context.Context, o Options) error {
	o.defaults()
	// What is committed and pushed must be exactly what the site renders:
	// check every output file, not only their directories.
	s, err := buildAndSend(ctx, o)
	if err != nil {
		return err
	}
	if live := publish.Live(s.Entries); len(live) > 0 && o.Wait > 0 {
		if err := waitLive(ctx, o, s.Config.FeedURL(), live[0]); err != nil {
			return err
		}
	}
	if o.Wait > 0 {
		if err := waitChange(ctx, o, s); err != nil {
			return err
		}
	}
	err = publish.PingHubs(ctx, o.Client, s.Config, o.Log)
	return errors.Join(err, publish.SendWebmentions(ctx, o.Client, o.Dir, s.WebmentionEntries(), o.Log, o.Now))
}

// buildAndSend builds the site, commits and pushes it, and sends the
// output where [publish] says, holding the site's build lock throughout:
// a feedpub serve of the same site rebuilding meanwhile would otherwise
// change the output under git (its temporary files, a half-written tree).
func buildAndSend(ctx context.Context, o Options) (*publish.Site, error) {
	unlock, err := site.Lock(o.Dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	res, err := site.Build(site.Options{Dir: o.Dir, Verify: true, Locked: true})
	if err != nil {
		return nil, err
	}
	s := res.Site
	fmt.Fprintf(o.Log, "built %d posts (%d files written)\n", len(s.Entries), len(res.Written))
	if err := commitAndPush(ctx, o, s); err != nil {
		return nil, err
	}
	return s, deliver(ctx, o, s.Config)
}

// waitChange waits until the live site shows the entry changed last
// among those Webmentions are sent for, so that their receivers fetch
// what was just published: a like in likes.atom, an edit in its feed, a
// deletion as its page gone.
func waitChange(ctx context.Context, o Options, s *publish.Site) error {
	var last *publish.Entry
	for _, e := range s.WebmentionEntries() {
		if last == nil || e.Updated.After(last.Updated) {
			last = e
		}
	}
	if last == nil {
		return nil
	}
	switch last.Full(); {
	case last.IsDeleted():
		return waitGone(ctx, o, last.Permalink)
	case last.IsLike():
		return waitLive(ctx, o, s.Config.LikesURL(), last)
	}
	return waitLive(ctx, o, s.Config.FeedURL(), last)
}

// waitGone polls page until it answers 404 or 410, at most o.Wait long.
func waitGone(ctx context.Context, o Options, page string) error {
	ctx, cancel := context.WithTimeout(ctx, o.Wait)
	defer cancel()
	for {
		if publish.PageGone(ctx, o.Client, page) {
			fmt.Fprintf(o.Log, "live: %s is gone\n", page)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the deleted post's page %s still answered after %s; hubs were not pinged: run `feedpub ping` once the site is live, or raise --wait", page, o.Wait)
		case <-time.After(o.Interval):
		}
	}
}

// waitLive polls the live Atom feed until it carries the newest entry (with
// its current updated time), at most o.Wait long.
func waitLive(ctx context.Context, o Options, feedURL string, newest *publish.Entry) error {
	ctx, cancel := context.WithTimeout(ctx, o.Wait)
	defer cancel()
	tries := max(1, int(o.Wait/o.Interval))
	for try := 1; ; try++ {
		live, status := publish.FeedShows(ctx, o.Client, feedURL, newest)
		if live {
			fmt.Fprintf(o.Log, "live: %s shows %s\n", feedURL, newest.ID)
			return nil
		}
		fmt.Fprintf(o.Log, "waiting for %s to show %s (try %d/%d: %s)\n", feedURL, newest.ID, try, tries, status)
		select {
		case <-ctx.Done():
			return fmt.Errorf("the live feed %s did not show %s within %s; hubs were not pinged: run `feedpub ping` once the site is live, or raise --wait", feedURL, newest.ID, o.Wait)
		case <-time.After(o.Interval):
		}
	}
}
