package track

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"
)

const thrNS = "http://purl.org/syndication/thread/1.0"

// maxEntries bounds the entries read from one fetched document.
const maxEntries = 500

// Entry is one entry of a fetched feed, with what matching and the track
// document need. It is stored as JSON.
type Entry struct {
	ID        string    `json:"id"`
	Title     string    `json:"title,omitempty"`
	Link      string    `json:"link,omitempty"`
	Published time.Time `json:"published,omitzero"`
	Updated   time.Time `json:"updated,omitzero"`
	Authors   []Person  `json:"authors,omitempty"`
	Content   string    `json:"content,omitempty"` // HTML, as in the source
	Tags      []string  `json:"tags,omitempty"`    // categories, lowercase
	Mentioned []Link    `json:"mentioned,omitempty"`
	ReplyTo   *Reply    `json:"reply_to,omitempty"`
	Source    Source    `json:"source"`
	// Base is the URL of the document the entry was fetched in: relative
	// URLs in it resolve against it (xml:base of the track document).
	Base string `json:"base,omitempty"`

	cached *terms
}

// Person is an entry's author.
type Person struct {
	Name string `json:"name"`
	URI  string `json:"uri,omitempty"`
}

// Link is a rel="mentioned" link.
type Link struct {
	Href  string `json:"href"`
	Title string `json:"title,omitempty"`
}

// Reply is an RFC 4685 thr:in-reply-to.
type Reply struct {
	Ref    string `json:"ref"`
	Href   string `json:"href,omitempty"`
	Source string `json:"source,omitempty"`
}

// Source names the feed an entry comes from (its atom:source).
type Source struct {
	ID    string `json:"id"`
	Title string `json:"title,omitempty"`
	Self  string `json:"self"` // the origin feed URL (rel=self)
}

// When returns the entry's time for ordering: updated, else published.
func (e *Entry) When() time.Time {
	if !e.Updated.IsZero() {
		return e.Updated
	}
	return e.Published
}

// Extract reads the entries of a fetched feed document (Atom, RSS or JSON
// Feed) of topic. Entries without an id or link are skipped.
func Extract(body []byte, topic string) ([]Entry, error) {
	gp := gofeed.NewParser()
	gp.KeepOriginalFeed = true
	gf, err := gp.Parse(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("track: parse %s: %w", topic, err)
	}
	src := source(gf, topic)
	rook := jsonExtensions(gf, body)
	var out []Entry
	for i, it := range gf.Items {
		if i >= maxEntries {
			break
		}
		e := entry(gf, i, it, src)
		if r, ok := rook[i]; ok {
			r.apply(&e)
		}
		e.resolve(topic)
		if e.ID == "" {
			e.ID = e.Link // resolved, as the reader keys an entry without id
		}
		if e.ID != "" {
			out = append(out, e)
		}
	}
	return out, nil
}

func source(gf *gofeed.Feed, topic string) Source {
	self := NormalizeURL(gf.FeedLink)
	if self == "" {
		self = topic
	}
	s := Source{ID: self, Title: oneLine(gf.Title), Self: self}
	if af, ok := gf.OriginalFeed().(*atom.Feed); ok && strings.TrimSpace(af.ID) != "" {
		s.ID = strings.TrimSpace(af.ID)
	}
	return s
}

func entry(gf *gofeed.Feed, i int, it *gofeed.Item, src Source) Entry {
	e := Entry{ID: strings.TrimSpace(it.GUID), Title: oneLine(html.UnescapeString(it.Title)),
		Link: strings.TrimSpace(it.Link), Content: body(it), Source: src}
	if it.PublishedParsed != nil {
		e.Published = it.PublishedParsed.UTC()
	}
	if it.UpdatedParsed != nil {
		e.Updated = it.UpdatedParsed.UTC()
	}
	e.Authors = authors(gf, it)
	e.Tags = tags(it.Categories)
	e.ReplyTo = inReplyTo(it.Extensions)
	e.Mentioned = mentioned(gf, i, it)
	return e
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// body is the entry's HTML: the longer of content and description.
func body(it *gofeed.Item) string {
	c, d := strings.TrimSpace(it.Content), strings.TrimSpace(it.Description)
	if len(d) > len(c) {
		return d
	}
	return c
}

func authors(gf *gofeed.Feed, it *gofeed.Item) []Person {
	list := it.Authors
	if len(list) == 0 {
		list = gf.Authors
	}
	var out []Person
	for _, a := range list {
		if a != nil && strings.TrimSpace(a.Name) != "" {
			out = append(out, Person{Name: oneLine(a.Name)})
		}
	}
	if len(out) == 0 && it.DublinCoreExt != nil && len(it.DublinCoreExt.Creator) > 0 {
		out = append(out, Person{Name: oneLine(it.DublinCoreExt.Creator[0])})
	}
	return out
}

func tags(cats []string) []string {
	var out []string
	for _, c := range cats {
		t := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(c), "#"))
		if t != "" && !contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func inReplyTo(e ext.Extensions) *Reply {
	for _, prefix := range []string{"thr", thrNS} {
		for _, r := range e[prefix]["in-reply-to"] {
			return &Reply{Ref: strings.TrimSpace(r.Attrs["ref"]), Href: strings.TrimSpace(r.Attrs["href"]),
				Source: strings.TrimSpace(r.Attrs["source"])}
		}
	}
	return nil
}

// mentioned reads rel="mentioned" links of an Atom entry or atom:link
// elements of an RSS item.
func mentioned(gf *gofeed.Feed, i int, it *gofeed.Item) []Link {
	var out []Link
	if af, ok := gf.OriginalFeed().(*atom.Feed); ok && i < len(af.Entries) {
		for _, l := range af.Entries[i].Links {
			if hasRel(l.Rel, "mentioned") && l.Href != "" {
				out = append(out, Link{Href: strings.TrimSpace(l.Href), Title: l.Title})
			}
		}
		return out
	}
	for _, l := range it.Extensions["atom"]["link"] {
		if hasRel(l.Attrs["rel"], "mentioned") && l.Attrs["href"] != "" {
			out = append(out, Link{Href: strings.TrimSpace(l.Attrs["href"]), Title: l.Attrs["title"]})
		}
	}
	return out
}

func hasRel(rels, want string) bool {
	for _, r := range strings.Fields(strings.ToLower(rels)) {
		if r == want {
			return true
		}
	}
	return false
}

// rookeryItem is the `_rookery` extension of a JSON Feed item.
type rookeryItem struct {
	Rookery struct {
		InReplyTo *Reply `json:"in_reply_to"`
		Mentions  []struct {
			URL  string `json:"url"`
			Name string `json:"name"`
		} `json:"mentions"`
	} `json:"_rookery"`
}

func (r rookeryItem) apply(e *Entry) {
	if r.Rookery.InReplyTo != nil && e.ReplyTo == nil {
		e.ReplyTo = r.Rookery.InReplyTo
	}
	for _, m := range r.Rookery.Mentions {
		if m.URL != "" {
			e.Mentioned = append(e.Mentioned, Link{Href: m.URL, Title: m.Name})
		}
	}
}

// jsonExtensions reads the `_rookery` objects of a JSON Feed's items.
func jsonExtensions(gf *gofeed.Feed, body []byte) map[int]rookeryItem {
	if gf.FeedType != "json" {
		return nil
	}
	var doc struct {
		Items []rookeryItem `json:"items"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return nil
	}
	out := map[int]rookeryItem{}
	for i, it := range doc.Items {
		out[i] = it
	}
	return out
}

// resolve makes the entry's link, mention and reply URLs absolute against
// the document's URL, and records it as the entry's base.
func (e *Entry) resolve(doc string) {
	base, err := url.Parse(doc)
	if err != nil {
		return
	}
	abs := func(s string) string {
		if s == "" {
			return ""
		}
		u, err := base.Parse(s)
		if err != nil {
			return s
		}
		return u.String()
	}
	e.Base = dir(doc) // the same for relative paths, and what gofeed resolves correctly
	e.Link = abs(e.Link)
	for i := range e.Mentioned {
		e.Mentioned[i].Href = abs(e.Mentioned[i].Href)
	}
	if e.ReplyTo != nil {
		e.ReplyTo.Href, e.ReplyTo.Source = abs(e.ReplyTo.Href), abs(e.ReplyTo.Source)
	}
}
