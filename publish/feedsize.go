package publish

import (
	"fmt"
	"unicode/utf8"
)

// MaxFeedDocument is the size every feed document feedpub writes stays
// under (feed.atom, feed.rss, feed.json and each archive): hubs and
// readers refuse larger ones, e.g. Rookery's reader at 10 MiB and many
// hubs at 1 MiB. Pages moves entries to the archives sooner to keep to it
// (docs/PROTOCOL.md, "Feed document size").
const MaxFeedDocument = 1 << 20

// entrySize bounds the bytes an entry takes in a feed document, from
// above: what it has in every format (meta) and its HTML content as
// escaped (content). An entry takes at most meta+content in Atom and JSON
// Feed, and meta+2×content in RSS, whose item carries the HTML twice
// (description and content:encoded).
type entrySize struct {
	meta, content int
}

// perEntry is what an entry's markup takes besides its text fields, with
// room to spare: element names, dates, attributes, indentation.
const perEntry = 1024

// sizeOf bounds e's bytes in the feed documents of c.
func sizeOf(c *Config, e *Entry) entrySize {
	p := e.Post
	meta := perEntry + escLen(e.ID) + escLen(e.Permalink) + escLen(c.Author) + escLen(c.URL)
	if e.IsDeleted() {
		return entrySize{meta: meta}
	}
	meta += escLen(e.Title)
	for _, t := range p.Tags {
		meta += escLen(t) + 64
	}
	for _, m := range e.Mentions {
		meta += escLen(m.Nick) + escLen(m.URL) + 96
	}
	if r := p.ReplyTo; r != nil {
		meta += escLen(r.Ref) + escLen(r.Href) + escLen(r.Source) + 192
	}
	for _, c := range p.cites() {
		meta += escLen(c.cite.Ref) + 2*escLen(c.cite.Href) + escLen(c.cite.Source) + escLen(c.cite.Author) + escLen(c.cite.Text) + 768
	}
	return entrySize{meta: meta, content: escLen(e.HTML)}
}

// mainBytes bounds the entry's bytes in the largest main feed document
// (RSS); archiveBytes, in an Atom archive.
func (s entrySize) mainBytes() int    { return s.meta + 2*s.content }
func (s entrySize) archiveBytes() int { return s.meta + s.content }

// escLen bounds the length of s once escaped as XML character data or
// attribute (encoding/xml) or as a JSON string (encoding/json without HTML
// escaping): the larger of the two for each character.
func escLen(s string) int {
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			n += 6 // JSON: \ufffd
		case r == '&' || r == '"' || r == '\'' || r == '\n' || r == '\r' || r == '\t':
			n += 5 // XML: &amp; &#34; &#39; &#xA; &#xD; &#x9;
		case r == '<' || r == '>':
			n += 4
		case r < 0x20 || r == '\u2028' || r == '\u2029':
			n += 6 // JSON: \u0001
		default:
			n += size
		}
	}
	return n
}

// documentBytes bounds what a feed document of c takes besides its
// entries.
func documentBytes(c *Config) int {
	n := 4096 + 2*(escLen(c.Title)+escLen(c.Description)+escLen(c.Author)) + 8*escLen(c.URL) + escLen(c.Webmention)
	for _, h := range c.Hubs {
		n += escLen(h) + 128
	}
	if len(c.RSSCloud) > 0 {
		n += escLen(c.RSSCloud[0]) + 160 // <cloud>
	}
	return n
}

// budget is the bytes of a feed document left for its entries.
func (s *Site) budget() int { return MaxFeedDocument - documentBytes(s.Config) }

// checkEntrySizes fails on the first entry (by path) too large for any
// feed document.
func checkEntrySizes(c *Config, entries []*Entry) error {
	budget := MaxFeedDocument - documentBytes(c)
	var worst *Entry
	for _, e := range entries {
		if e.size.mainBytes() > budget && (worst == nil || e.Path < worst.Path) {
			worst = e
		}
	}
	if worst == nil {
		return nil
	}
	return fmt.Errorf("%s: the post would take up to %s of feed.rss (which carries its HTML twice), more than a feed document may hold (%s: hubs and readers refuse larger ones); shorten it",
		worst.Path, formatBytes(int64(worst.size.mainBytes())), formatBytes(MaxFeedDocument))
}

// checkDocumentSize is the last guard: a document over MaxFeedDocument is
// not written.
func checkDocumentSize(name string, data []byte) error {
	if len(data) > MaxFeedDocument {
		return fmt.Errorf("%s would be %s, over the %s a feed document may hold", name, formatBytes(int64(len(data))), formatBytes(MaxFeedDocument))
	}
	return nil
}
