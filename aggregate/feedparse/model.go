// Package feedparse turns any RSS (0.9x, 1.0, 2.0), Atom or JSON Feed
// document from the wild into the reader's entries: encodings repaired,
// parsed by gofeed, HTML sanitized, replies (RFC 4685 thr:in-reply-to),
// mentions (rel="mentioned", u-mention links), hubs and RFC 5005 archive
// links extracted. It does no I/O.
package feedparse

import "time"

// Feed is what a document says about its feed and its entries.
type Feed struct {
	Title       string
	SiteURL     string   // the feed's home page, resolved
	Self        string   // rel=self / feed_url, resolved; may be empty
	Hubs        []string // WebSub hubs advertised by the headers or document
	PrevArchive string   // RFC 5005 prev-archive link, resolved
	TTL         time.Duration
	// Author, Bio and Avatar are the feed's author as the feed describes
	// them: its author's name, its subtitle or description, its icon,
	// logo or image (resolved).
	Author, Bio, Avatar string
	Entries             []Entry
	// Deleted are the document's RFC 6721 tombstones (Atom only): entries
	// of this feed its author deleted.
	Deleted []Tombstone
}

// Entry is one post, sanitized.
type Entry struct {
	ID        string // atom:id, RSS guid or JSON Feed id, as published; may be empty
	Key       string // de-duplication key within the feed: ID, else URL
	URL       string // permalink, resolved
	Title     string
	Author    string
	Published time.Time // zero when the feed gives no date
	Updated   time.Time
	HTML      string // sanitized
	Text      string // plain text of HTML
	Tags      []string
	Mentions  []string // feed URLs named by rel="mentioned" (or JSON _rookery mentions)
	Links     []string // hrefs of u-mention / h-card links in the content
	InReplyTo InReplyTo
	// Kind is KindRepost, KindQuote or KindLike when the entry reposts,
	// quotes or likes Of; "" for a post or a reply.
	Kind string
	Of   Cited
	// Enclosures are attached media (RSS enclosure, Atom rel=enclosure,
	// JSON Feed attachments).
	Enclosures []Enclosure
	// Digest identifies the entry's content as published (before
	// sanitizing); it changes when the entry is edited.
	Digest string
	// Unchanged is set by ParseKnown for entries already stored with this
	// Digest; their HTML, Text and Links are not computed.
	Unchanged bool
}

// Enclosure is one attached file.
type Enclosure struct {
	URL    string `json:"url"`
	Type   string `json:"type"`
	Length int64  `json:"length"`
}

// InReplyTo is an RFC 4685 thr:in-reply-to reference.
type InReplyTo struct {
	Ref    string // the parent's atom:id
	Href   string // the parent's permalink
	Source string // the parent's feed URL
}
