// Package sink defines the contract between the reader daemon's receiving
// side (WebSub subscriber, Webmention receiver, schedules) and the reader's
// core store.
//
// It holds only types and one interface, so that the subscriber, the
// Webmention receiver and the daemon can share them without importing
// package aggregate; the core satisfies Store through a small adapter.
package sink

import "context"

// PostRef names one stored post.
type PostRef struct {
	Feed string // the feed URL the post was stored under
	ID   string // the post's atom:id / guid / JSON Feed id as stored
	URL  string // the post's permalink (may be empty)
}

// IngestResult says what Store.Ingest kept from a feed document.
type IngestResult struct {
	Stored int       // entries inserted or updated
	Posts  []PostRef // every entry of the document, stored or unchanged
}

// FeedInfo is one followed feed, as the subscriber needs it.
type FeedInfo struct {
	URL  string   // the followed feed URL (the key in the store)
	Hubs []string // WebSub hubs the feed advertised at its last fetch
	Self string   // the feed's rel=self (the WebSub topic); may be empty
}

// Feed modes passed to Store.SetMode.
const (
	ModePush = "push" // a verified WebSub subscription delivers this feed
	ModePoll = "poll" // the feed is polled on the normal schedule
)

// Store is what the reader's core provides to the daemon.
type Store interface {
	// Ingest parses a feed document fetched from (or pushed for) feedURL
	// and upserts its entries.
	Ingest(ctx context.Context, feedURL, contentType string, body []byte) (IngestResult, error)
	// MarkMention records that the post postID of feedURL mentions or
	// replies to me, as notified by a verified Webmention from source.
	MarkMention(ctx context.Context, feedURL, postID, source string) error
	// Blocked reports whether a feed or page URL (or its domain) is blocked.
	Blocked(ctx context.Context, feedOrPageURL string) (bool, error)
	// Me returns my own feed URL, or "" when none is configured.
	Me(ctx context.Context) (string, error)
	// FollowedFeeds lists the feeds I follow.
	FollowedFeeds(ctx context.Context) ([]FeedInfo, error)
	// SetMode records whether feedURL arrives by push (ModePush) or is
	// polled (ModePoll).
	SetMode(ctx context.Context, feedURL, mode string) error
	// PollDue fetches the feeds whose next poll is due and returns how many
	// it fetched. It must treat a feed in ModePush as due only rarely
	// (the daemon documents every 6 hours) as a safety net.
	PollDue(ctx context.Context) (int, error)
}
