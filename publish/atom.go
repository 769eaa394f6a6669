package publish

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"time"

	"github.com/gorilla/feeds"
)

// XML namespaces of the wire profile.
const (
	NSAtom    = "http://www.w3.org/2005/Atom"
	NSThread  = "http://purl.org/syndication/thread/1.0"  // RFC 4685
	NSHistory = "http://purl.org/syndication/history/1.0" // RFC 5005
	NSDC      = "http://purl.org/dc/elements/1.1/"
	NSContent = "http://purl.org/rss/1.0/modules/content/"
	NSTomb    = "http://purl.org/atompub/tombstones/1.0" // RFC 6721
	// NSActivity is Activity Streams 1.0's Atom namespace, as OStatus used it.
	NSActivity = "http://activitystrea.ms/spec/1.0/"
)

// atomLink is atom:link with the title attribute gorilla's AtomLink lacks.
type atomLink struct {
	XMLName xml.Name `xml:"link"`
	Href    string   `xml:"href,attr"`
	Rel     string   `xml:"rel,attr,omitempty"`
	Type    string   `xml:"type,attr,omitempty"`
	Title   string   `xml:"title,attr,omitempty"`
}

// atomCategory is atom:category; "atom:category elements MUST have a term
// attribute".
type atomCategory struct {
	XMLName xml.Name `xml:"category"`
	Term    string   `xml:"term,attr"`
}

// inReplyTo is RFC 4685 thr:in-reply-to, also used inside RSS items.
type inReplyTo struct {
	XMLName xml.Name `xml:"thr:in-reply-to"`
	Ref     string   `xml:"ref,attr"`
	Href    string   `xml:"href,attr,omitempty"`
	Source  string   `xml:"source,attr,omitempty"`
	Type    string   `xml:"type,attr,omitempty"`
}

type emptyElement struct{}

// atomFeed wraps gorilla's AtomFeed with several links, the thr and fh
// namespaces and RFC 5005 markers.
type atomFeed struct {
	feeds.AtomFeed
	XmlnsThr string        `xml:"xmlns:thr,attr"`
	XmlnsFH  string        `xml:"xmlns:fh,attr"`
	XmlnsAt  string        `xml:"xmlns:at,attr,omitempty"`
	XmlnsAct string        `xml:"xmlns:activity,attr,omitempty"`
	Icon     string        `xml:"icon,omitempty"`
	Logo     string        `xml:"logo,omitempty"`
	Links    []atomLink    `xml:"link"`
	Archive  *emptyElement `xml:"fh:archive"`
	Complete *emptyElement `xml:"fh:complete"`
	Deleted  []deletedEntry
	Entries  []*atomEntry `xml:"entry"`
}

// deletedEntry is RFC 6721 at:deleted-entry: "the at:deleted-entry
// element MUST contain a ref attribute" and a when attribute.
type deletedEntry struct {
	XMLName xml.Name `xml:"at:deleted-entry"`
	Ref     string   `xml:"ref,attr"`
	When    string   `xml:"when,attr"`
}

// atomEntry wraps gorilla's AtomEntry with several links, categories with a
// term attribute, and thr:in-reply-to.
type atomEntry struct {
	feeds.AtomEntry
	Links      []atomLink     `xml:"link"`
	Categories []atomCategory `xml:"category"`
	InReplyTo  *inReplyTo
	Verb       string `xml:"activity:verb,omitempty"`
	Object     *activityObject
}

// rfc3339 formats a date of a feed: with a fraction of a second only
// when it has one (posts written since feedpub keeps their order within a
// second), so older posts' dates read as they always did.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// updated is the newest updated of the entries (the epoch when there are
// none), so that a feed's bytes depend only on its content.
func updated(entries []*Entry) time.Time {
	var t time.Time
	for _, e := range entries {
		if e.Updated.After(t) {
			t = e.Updated
		}
	}
	if t.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return t
}

func (s *Site) author() *feeds.AtomAuthor {
	return &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: s.Config.Author, Uri: s.Config.URL}}
}

// AtomDocument renders the Atom document of page p (main feed or archive).
func (s *Site) AtomDocument(p Page) ([]byte, error) {
	c := s.Config
	f := &atomFeed{
		AtomFeed: feeds.AtomFeed{Xmlns: NSAtom, Title: c.Title, Id: c.FeedURL(),
			Updated: rfc3339(p.Updated), Subtitle: c.Subtitle(), Author: s.author()},
		XmlnsThr: NSThread, XmlnsFH: NSHistory,
		Links: s.atomFeedLinks(p),
		Icon:  c.AvatarURL(), Logo: c.AvatarURL(),
	}
	if p.Number > 0 {
		f.Archive = &emptyElement{}
	} else if p.Complete {
		f.Complete = &emptyElement{}
	}
	for _, e := range p.Entries {
		e.Full()
		if e.IsDeleted() {
			f.XmlnsAt = NSTomb
			f.Deleted = append(f.Deleted, deletedEntry{Ref: e.ID, When: rfc3339(e.Deleted)})
			continue
		}
		f.Entries = append(f.Entries, s.atomEntry(e))
	}
	f.declareActivity()
	data, err := marshalXML(f, atomSize(f))
	if err == nil {
		err = checkDocumentSize(p.atomPath(), data)
	}
	return data, err
}

// atomPath is the output path of the page's Atom document.
func (p Page) atomPath() string {
	if p.Number == 0 {
		return "feed.atom"
	}
	return ArchivePath(p.Number)
}

func (s *Site) atomFeedLinks(p Page) []atomLink {
	c := s.Config
	const atomType = "application/atom+xml"
	if p.Number > 0 {
		links := []atomLink{
			{Href: c.URL + ArchivePath(p.Number), Rel: "self", Type: atomType},
			{Href: c.URL + ArchiveHTMLPath(p.Number), Rel: "alternate", Type: "text/html"},
			{Href: c.FeedURL(), Rel: "current", Type: atomType},
		}
		if p.Number > 1 {
			links = append(links, atomLink{Href: c.URL + ArchivePath(p.Number-1), Rel: "prev-archive", Type: atomType})
		}
		if p.Number < p.Last {
			links = append(links, atomLink{Href: c.URL + ArchivePath(p.Number+1), Rel: "next-archive", Type: atomType})
		}
		return links
	}
	links := []atomLink{
		{Href: c.FeedURL(), Rel: "self", Type: atomType},
		{Href: c.URL, Rel: "alternate", Type: "text/html"},
	}
	for _, h := range c.Hubs {
		links = append(links, atomLink{Href: h, Rel: "hub"})
	}
	if c.Webmention != "" {
		links = append(links, atomLink{Href: c.Webmention, Rel: "webmention"})
	}
	if p.Last > 0 {
		links = append(links, atomLink{Href: c.URL + ArchivePath(p.Last), Rel: "prev-archive", Type: atomType})
	}
	return links
}

func (s *Site) atomEntry(e *Entry) *atomEntry {
	e.Full()
	a := &atomEntry{AtomEntry: feeds.AtomEntry{
		Title: e.Title, Id: e.ID, Updated: rfc3339(e.Updated), Published: rfc3339(e.Published),
		Content: &feeds.AtomContent{Type: "html", Content: e.HTML},
		Author:  s.author(),
	}}
	a.Links = append(a.Links, atomLink{Href: e.Permalink, Rel: "alternate", Type: "text/html"})
	for _, m := range e.Mentions {
		a.Links = append(a.Links, atomLink{Href: m.URL, Rel: "mentioned", Title: m.Nick})
	}
	for _, t := range e.Tags {
		a.Categories = append(a.Categories, atomCategory{Term: t})
	}
	a.InReplyTo = threadOf(e)
	addActivity(a, e)
	return a
}

func threadOf(e *Entry) *inReplyTo {
	e.Full()
	r := e.ReplyTo
	if r == nil {
		return nil
	}
	return &inReplyTo{Ref: r.Ref, Href: r.Href, Source: r.Source, Type: "text/html"}
}

// atomSize estimates the length of f's document: its entries' content
// (escaped, hence the margin) and a kilobyte per entry for the rest.
func atomSize(f *atomFeed) int {
	n := 2048
	for _, e := range f.Entries {
		n += len(e.Content.Content)*5/4 + 1024
	}
	return n
}

// marshalXML encodes v as an indented XML document into a buffer of size
// bytes (an estimate).
func marshalXML(v any, size int) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(size)
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding feed: %w", err)
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}
