// Package act is the vocabulary the reader and the author's side share
// for the reader's own posts: a reply, a repost, a quote or a like of a
// post the reader shows, or a new post. The reader (aggregate/cli, the web
// view) asks a Writer for them; publish/act is the Writer that writes them
// into the user's feedpub site with feedpub's packages and publishes them.
// cmd/reader hands one to the other, so that neither imports the other.
package act

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"
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

// Action is one post to write.
type Action struct {
	Kind   Kind
	Text   string // the post's Markdown (a reply's, a quote's); none for a repost or a like
	Target string // the permalink of the post acted on (all but Post)
	// Publish publishes the site after writing the post; false only
	// writes the post file (--no-publish).
	Publish bool
}

// Result is what a Writer did.
type Result struct {
	Path      string // the post file written
	Published bool
}

// Writer writes the user's posts.
type Writer interface {
	Do(ctx context.Context, a Action) (Result, error)
}

// Config names the user's site and how to publish it.
type Config struct {
	Dir string // the site directory (feedpub.toml, posts/), a git work tree
	// Client fetches the posts acted on (to resolve them); nil means
	// feedpub's own client.
	Client *http.Client
	// Wait bounds the wait for the live feed when publishing (0: no wait).
	Wait time.Duration
	// Log receives the progress of publishing; nil discards it.
	Log io.Writer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Opener makes the Writer of a site.
type Opener func(Config) Writer
