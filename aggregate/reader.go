// Package aggregate is the reader's core: it follows feeds (discovery,
// archive backfill), fetches them politely, stores their posts, and answers
// the timeline, thread, mentions and search views with blocks and mutes
// applied. The CLI (cmd/reader) and the `reader serve` daemon both drive a
// *Reader; printing and HTTP serving live elsewhere.
package aggregate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/rookery-social/rookery/aggregate/feedparse"
	"github.com/rookery-social/rookery/aggregate/fetch"
	"github.com/rookery-social/rookery/aggregate/store"
	"github.com/rookery-social/rookery/internal/sqlitedb"
)

// Options configures a Reader. The zero value is the CLI's configuration.
type Options struct {
	// PublicOnly refuses loopback and private addresses. The CLI fetches
	// whatever its user asks for, so it leaves this off.
	PublicOnly bool
	// MaxFeedBytes caps a fetched document; default 10 MiB.
	MaxFeedBytes int64
	// MaxFeedSetting, when set, names the setting that raises
	// MaxFeedBytes, for the error of a document over it.
	MaxFeedSetting string
	// MaxEntries caps the entries kept from one document; default 1000.
	MaxEntries int
	// MaxArchivePages caps the RFC 5005 archive pages walked on follow; default 50.
	MaxArchivePages int
	// PerHost caps concurrent requests to one host; default 2.
	PerHost int
	// Concurrency caps concurrent feed fetches; default 8.
	Concurrency int
	// MaxThreadFetches caps the feeds fetched to find missing parents of one
	// thread; default 5.
	MaxThreadFetches int
	// PollInterval is the time between polls of a feed that says nothing of
	// its own; default 30 minutes.
	PollInterval time.Duration
	// PushPollInterval is the time between safety-net polls of a feed
	// that arrives by WebSub push (mode "push"); default 6 hours.
	PushPollInterval time.Duration
	// Logger receives warnings; default slog.Default().
	Logger *slog.Logger
	// Now is the clock: when feeds are due, backoff, fetch and arrival
	// times count from it; default time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.MaxFeedBytes == 0 {
		o.MaxFeedBytes = 10 << 20
	}
	if o.MaxEntries == 0 {
		o.MaxEntries = 1000
	}
	if o.MaxArchivePages == 0 {
		o.MaxArchivePages = 50
	}
	if o.Concurrency == 0 {
		o.Concurrency = 8
	}
	if o.MaxThreadFetches == 0 {
		o.MaxThreadFetches = 5
	}
	if o.PollInterval == 0 {
		o.PollInterval = 30 * time.Minute
	}
	if o.PushPollInterval == 0 {
		o.PushPollInterval = 6 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Reader is one reader's aggregator over its database. It is safe for
// concurrent use, and several processes may open the same file.
type Reader struct {
	st      *store.Store
	fetcher *fetch.Fetcher
	parser  *feedparse.Parser
	opts    Options
}

// Open opens (creating if needed) the reader database at dbPath.
func Open(ctx context.Context, dbPath string, opts Options) (*Reader, error) {
	opts = opts.withDefaults()
	st, err := store.Open(ctx, dbPath, store.Options{Now: opts.Now})
	var de *sqlitedb.DirError
	if errors.As(err, &de) {
		return nil, fmt.Errorf("unable to open the reader database %s: %w", dbPath, de)
	}
	if err != nil {
		return nil, fmt.Errorf("unable to open the reader database: %w", err)
	}
	return &Reader{
		st: st,
		fetcher: fetch.New(fetch.Options{
			PublicOnly: opts.PublicOnly, MaxBytes: opts.MaxFeedBytes, PerHost: opts.PerHost, Now: opts.Now,
			SizeSetting: opts.MaxFeedSetting,
		}),
		parser: feedparse.NewParser(opts.MaxEntries),
		opts:   opts,
	}, nil
}

// DB returns the reader's database handle, which `reader serve` shares
// with the daemon's own tables (subscriptions, Webmentions, tracks).
func (r *Reader) DB() *sql.DB { return r.st.DB() }

// Close closes the database.
func (r *Reader) Close() error {
	return r.st.Close()
}

// Progress is told how far long work has come: done of total steps (total
// 0 when unknown), and what was just done. It may be nil.
type Progress func(done, total int, note string)

func (p Progress) report(done, total int, note string) {
	if p != nil {
		p(done, total, note)
	}
}

// FeedInfo describes a feed.
type FeedInfo struct {
	URL     string   `json:"url"`
	Nick    string   `json:"nick"`
	Title   string   `json:"title"`
	SiteURL string   `json:"site_url"`
	Hubs    []string `json:"hubs"`
	Self    string   `json:"self"`
	Mode    string   `json:"mode"`
	// PushVia is how the feed can be pushed to `reader serve`: "websub"
	// (it names a hub), "rsscloud" (an RSS <cloud> and no hub, as found
	// by reader serve) or "none".
	PushVia   string `json:"push_via"`
	LastFetch string `json:"last_fetch"` // RFC 3339, or "" if never
	LastError string `json:"last_error"`
	NextFetch string `json:"next_fetch"`
	Gone      bool   `json:"gone"`
	Posts     int    `json:"posts"`
	Unread    int    `json:"unread"`
	Followed  bool   `json:"followed"`
}

func feedInfo(f store.Feed) FeedInfo {
	hubs, push := f.Hubs, "websub"
	if len(hubs) == 0 {
		hubs, push = []string{}, "none"
	}
	return FeedInfo{
		URL: f.URL, Nick: f.Nick, Title: f.Title, SiteURL: f.SiteURL, Hubs: hubs, Self: f.Self,
		Mode: f.Mode, PushVia: push, LastFetch: rfc3339(f.LastFetch), LastError: f.LastError,
		NextFetch: rfc3339(f.NextFetch), Gone: f.Gone, Posts: f.Posts, Unread: f.Unread, Followed: f.Followed,
	}
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Post is a stored post as listings show it.
type Post struct {
	ID          string      `json:"id"`
	URL         string      `json:"url"`
	Feed        string      `json:"feed"`
	Nick        string      `json:"nick"`
	FeedTitle   string      `json:"feed_title"`
	Author      string      `json:"author"`
	Title       string      `json:"title"`
	Published   string      `json:"published"`
	Updated     string      `json:"updated"`
	Text        string      `json:"text"`
	HTML        string      `json:"html"`
	InReplyTo   string      `json:"in_reply_to"`
	ReplyHref   string      `json:"in_reply_to_url,omitempty"`
	ReplySource string      `json:"in_reply_to_feed,omitempty"`
	Mentions    []string    `json:"mentions"`
	Tags        []string    `json:"tags"`
	Snippet     string      `json:"snippet,omitempty"`
	Depth       int         `json:"depth,omitempty"`
	Enclosures  []Enclosure `json:"enclosures"`
	// Parent is the post this one replies to, when it is stored.
	Parent *Parent `json:"in_reply_to_post,omitempty"`
	// DateIsFirstSeen is true when the entry had no date: Published is
	// when the reader first saw it.
	DateIsFirstSeen bool `json:"date_is_first_seen"`
	// Kind is post, reply, repost, quote or like.
	Kind     string   `json:"kind"`
	RepostOf *PostRef `json:"repost_of,omitempty"`
	QuoteOf  *PostRef `json:"quote_of,omitempty"`
	LikeOf   *PostRef `json:"like_of,omitempty"`
	// RepostedBy names who reposted the post (timeline: one entry for a
	// post reposted by several people); Original is the reposted or
	// quoted post when it is stored.
	RepostedBy []string `json:"reposted_by,omitempty"`
	Original   *Post    `json:"original,omitempty"`
	// Deleted is set on an Original that its author deleted (an RFC 6721
	// tombstone from its site): only its ID and URL are known, and Text
	// says it was deleted. The repost or quote holding it shows that
	// text in place of the deleted post's.
	Deleted bool `json:"deleted,omitempty"`
	// Unread is true until the post is shown by the timeline (CLI or web
	// view) or marked read; a listing shows the state it found.
	Unread bool `json:"unread"`
	// Cursor is the post's place in its listing: --before CURSOR lists
	// what comes after it.
	Cursor string `json:"cursor"`
	// RowID is the post's arrival order in this reader's database.
	RowID int64 `json:"-"`
}

// PostRef names another post: its atom:id and permalink.
type PostRef struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

// Parent is the post a reply answers, as a listing names it.
type Parent struct {
	Author string `json:"author"` // @nick when followed, else the author's name or the feed's title
	URL    string `json:"url"`    // its permalink, else its id
}

// Enclosure is a file attached to a post (podcast audio, video).
type Enclosure = feedparse.Enclosure

func toPost(p store.Post) Post {
	return Post{
		ID: p.ID, URL: p.URL, Feed: p.Feed, Nick: p.Nick, FeedTitle: p.FeedTitle, Author: p.Author,
		Title: p.Title, Published: rfc3339(p.Published), Updated: rfc3339(p.Updated), Text: p.Text,
		HTML: p.HTML, InReplyTo: p.InReplyTo, ReplyHref: p.ReplyHref, ReplySource: p.ReplySource,
		Mentions: p.Mentions, Tags: p.Tags, Snippet: p.Snippet, Enclosures: p.Enclosures,
		DateIsFirstSeen: p.Undated,
		Kind:            kindOf(p), RepostOf: refOf(p, feedparse.KindRepost), QuoteOf: refOf(p, feedparse.KindQuote),
		LikeOf: refOf(p, feedparse.KindLike),
		Unread: p.Unread, Cursor: store.CursorOf(p).String(), RowID: p.RowID,
	}
}

func toPosts(ps []store.Post) []Post {
	out := make([]Post, 0, len(ps))
	for _, p := range ps {
		out = append(out, toPost(p))
	}
	return out
}

// Me returns my feed URL, set by `reader init --me`, or "".
func (r *Reader) Me(ctx context.Context) (string, error) {
	return r.st.GetMeta(ctx, "me")
}

// SetMe records my feed URL.
func (r *Reader) SetMe(ctx context.Context, feedURL string) error {
	u, err := checkURL(feedURL)
	if err != nil {
		return err
	}
	return r.st.SetMeta(ctx, "me", u)
}

// DaemonURL returns the local URL of the `reader serve` last started on
// this database, or "": the CLI asks it to subscribe to a new follow at once.
func (r *Reader) DaemonURL(ctx context.Context) (string, error) {
	return r.st.GetMeta(ctx, "serve_url")
}

// SetDaemonURL records the local URL of a starting `reader serve`.
func (r *Reader) SetDaemonURL(ctx context.Context, u string) error {
	return r.st.SetMeta(ctx, "serve_url", u)
}
