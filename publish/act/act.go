// Package act writes the reader's own posts — a new post, a reply, a
// repost, a quote or a like of a post the reader shows — into the user's
// feedpub site with feedpub's own packages, in process, and publishes them
// as `feedpub publish` does: build, commit, push, wait until live, ping the
// hubs, send Webmentions. It is the internal/act Writer that cmd/reader
// gives the reader; it sits above package publish and publish/workflow and
// knows nothing of the reader.
package act

import (
	"context"
	"fmt"
	"time"

	"github.com/rookery-social/rookery/internal/act"
	"github.com/rookery-social/rookery/publish"
	"github.com/rookery-social/rookery/publish/workflow"
)

// Site is the user's feedpub site.
type Site struct{ cfg act.Config }

// Open is the Writer of the site cfg names (an act.Opener).
func Open(cfg act.Config) act.Writer { return &Site{cfg: cfg} }

// Do writes the action's post into the site and, if asked, publishes.
func (s *Site) Do(ctx context.Context, a act.Action) (act.Result, error) {
	if s == nil || s.cfg.Dir == "" {
		return act.Result{}, act.ErrNoSite
	}
	o, err := s.postOptions(a)
	if err != nil {
		return act.Result{}, err
	}
	path, err := publish.CreatePost(ctx, s.cfg.Dir, o)
	if err != nil {
		return act.Result{}, fmt.Errorf("unable to write the %s in %s: %w", a.Kind, s.cfg.Dir, err)
	}
	res := act.Result{Path: path}
	if !a.Publish {
		return res, nil
	}
	err = workflow.Publish(ctx, workflow.Options{Dir: s.cfg.Dir, Wait: s.cfg.Wait, Client: s.cfg.Client, Log: s.cfg.Log, Now: s.cfg.Now})
	if err != nil {
		return res, fmt.Errorf("wrote %s, but unable to publish %s: %w", path, s.cfg.Dir, err)
	}
	res.Published = true
	return res, nil
}

func (s *Site) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}

// postOptions are feedpub's options for the action's post.
func (s *Site) postOptions(a act.Action) (publish.PostOptions, error) {
	o := publish.PostOptions{Text: a.Text, Client: s.cfg.Client, Now: s.now()}
	if a.Kind != act.Post && a.Target == "" {
		return o, fmt.Errorf("a %s needs the permalink of the post it is about", a.Kind)
	}
	switch a.Kind {
	case act.Post:
	case act.Reply:
		o.ReplyTo = a.Target
	case act.Repost:
		o.Repost = a.Target
	case act.Quote:
		o.Quote = a.Target
	case act.Like:
		o.Like = a.Target
	default:
		return o, fmt.Errorf("unknown action %q", a.Kind)
	}
	return o, nil
}
