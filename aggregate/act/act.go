// Package act writes the reader's own posts — a new post, a reply, a
// repost, a quote or a like of a post the reader shows — into the user's feedpub site with feedpub's own packages, in
// process, and publishes them as `feedpub publish` does: build, commit,
// push, wait until live, ping the hubs, send Webmentions.
//
// It sits above package publish and package publish/workflow, which never
// call back into it; the reader's core (package aggregate) does not import
// it. The CLI and the web view both drive a Site.
package act

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/rookery-social/rookery/publish"
	"github.com/rookery-social/rookery/publish/workflow"
)

// Kind is what an Action does.
type Kind string

// The kinds of Action.
const (
	Post   Kind = "post"
	Reply  Kind = "reply"
	Repost Kind = "repost"
	Quote  Kind = "quote"
	Like   Kind = "like"
)

// ErrNoSite is returned when no site is configured.
var ErrNoSite = errors.New(`no feedpub site is configured: name yours at the top of the reader config ` +
	`($READER_CONFIG, else $XDG_CONFIG_HOME/rookery/reader.toml): site = "/path/to/site"` +
	` (or pass --site DIR); ` + "`feedpub init`" + ` makes one`)

// Site is the user's feedpub site.
type Site struct {
	Dir string // the site directory (feedpub.toml, posts/), a git work tree
	// Client fetches the posts acted on (to resolve a reply's parent);
	// nil means feedpub's own client.
	Client *http.Client
	// Wait bounds the wait for the live feed when publishing (0: no wait).
	Wait time.Duration
	// Log receives the progress of publishing; nil discards it.
	Log io.Writer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Action is one thing to write.
type Action struct {
	Kind   Kind
	Text   string // the post's Markdown (a reply's, a quote's); none for a repost or a like
	Target string // the permalink of the post acted on (all but Post)
	// Publish publishes the site after writing the post; false only
	// writes the post file (--no-publish).
	Publish bool
}

// Result is what Do did.
type Result struct {
	Path      string // the post file written, under DIR/posts/
	Published bool
}

// Do writes the action's post into the site and, if asked, publishes.
// A nil Site is ErrNoSite.
func (s *Site) Do(ctx context.Context, a Action) (Result, error) {
	if s == nil || s.Dir == "" {
		return Result{}, ErrNoSite
	}
	o, err := s.postOptions(a)
	if err != nil {
		return Result{}, err
	}
	path, err := publish.CreatePost(ctx, s.Dir, o)
	if err != nil {
		return Result{}, fmt.Errorf("unable to write the %s in %s: %w", a.Kind, s.Dir, err)
	}
	res := Result{Path: path}
	if !a.Publish {
		return res, nil
	}
	if err := workflow.Publish(ctx, workflow.Options{Dir: s.Dir, Wait: s.Wait, Client: s.Client, Log: s.Log, Now: s.Now}); err != nil {
		return res, fmt.Errorf("wrote %s, but unable to publish %s: %w", path, s.Dir, err)
	}
	res.Published = true
	return res, nil
}

func (s *Site) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// postOptions are feedpub's options for the action's post.
func (s *Site) postOptions(a Action) (publish.PostOptions, error) {
	o := publish.PostOptions{Text: a.Text, Client: s.Client, Now: s.now()}
	if a.Kind != Post && a.Target == "" {
		return o, fmt.Errorf("a %s needs the permalink of the post it is about", a.Kind)
	}
	switch a.Kind {
	case Post:
	case Reply:
		o.ReplyTo = a.Target
	case Repost:
		o.Repost = a.Target
	case Quote:
		o.Quote = a.Target
	case Like:
		o.Like = a.Target
	default:
		return o, fmt.Errorf("unknown action %q", a.Kind)
	}
	return o, nil
}
