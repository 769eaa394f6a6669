package track

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"time"
)

const atomNS = "http://www.w3.org/2005/Atom"

// Feed describes the track document around its entries.
type Feed struct {
	Self  string    // the canonical track URL: atom:id and rel=self
	Hub   string    // the hub's public URL: rel=hub
	Query string    // the canonical query, for the title
	Now   time.Time // the updated time of an empty document and of undated entries
}

// Atom document structs. RFC 4287: "atom:feed elements MUST contain
// exactly one atom:id element", one atom:title, one atom:updated.
type atomFeed struct {
	XMLName xml.Name    `xml:"feed"`
	NS      string      `xml:"xmlns,attr"`
	Thr     string      `xml:"xmlns:thr,attr"`
	ID      string      `xml:"id"`
	Title   atomText    `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomPerson  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomText struct {
	// Base is the xml:base of an entry's content: relative URLs in it
	// resolve against it. It is not on the entry, where a reader would
	// resolve a relative atom:id (an RSS guid such as "1234") against it
	// too, and so store the entry under another id than its feed's.
	Base string `xml:"xml:base,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Body string `xml:",chardata"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomLink struct {
	Rel   string `xml:"rel,attr,omitempty"`
	Href  string `xml:"href,attr"`
	Type  string `xml:"type,attr,omitempty"`
	Title string `xml:"title,attr,omitempty"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomReply struct {
	Ref    string `xml:"ref,attr"`
	Href   string `xml:"href,attr,omitempty"`
	Source string `xml:"source,attr,omitempty"`
	Type   string `xml:"type,attr,omitempty"`
}

// atomEntry: "atom:entry elements MUST contain exactly one atom:id
// element", one atom:title and one atom:updated; atom:source keeps the
// origin feed's metadata (RFC 4287 §4.2.11).
type atomEntry struct {
	ID         string         `xml:"id"`
	Title      atomText       `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published,omitempty"`
	Authors    []atomPerson   `xml:"author"`
	Links      []atomLink     `xml:"link"`
	Categories []atomCategory `xml:"category"`
	Reply      *atomReply     `xml:"thr:in-reply-to"`
	Content    *atomText      `xml:"content"`
	Source     atomSource     `xml:"source"`
}

type atomSource struct {
	ID     string      `xml:"id"`
	Title  atomText    `xml:"title"`
	Author *atomPerson `xml:"author"`
	Links  []atomLink  `xml:"link"`
}

// Document renders the Atom document of entries (newest first as given):
// each with its original atom:id and an atom:source naming its origin
// feed. Text is escaped by the encoder; content stays HTML (type="html").
func Document(f Feed, entries []Entry) ([]byte, error) {
	doc := atomFeed{NS: atomNS, Thr: thrNS, ID: f.Self,
		Title:   atomText{Type: "text", Body: "Entries matching " + f.Query},
		Updated: stamp(f.Now), Author: atomPerson{Name: "Rookery hub", URI: f.Hub},
		Links: []atomLink{{Rel: "self", Href: f.Self, Type: "application/atom+xml"}, {Rel: "hub", Href: f.Hub}}}
	for i := range entries {
		e := &entries[i]
		if i == 0 && !e.When().IsZero() {
			doc.Updated = stamp(e.When())
		}
		doc.Entries = append(doc.Entries, atomEntryOf(e, f.Now))
	}
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("track: render: %w", err)
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

func atomEntryOf(e *Entry, now time.Time) atomEntry {
	when := e.When()
	if when.IsZero() {
		when = now
	}
	a := atomEntry{ID: e.ID, Title: atomText{Type: "text", Body: e.Title}, Updated: stamp(when),
		Source: atomSource{ID: e.Source.ID, Title: atomText{Type: "text", Body: e.Source.Title},
			Links: []atomLink{{Rel: "self", Href: e.Source.Self}}}}
	if !e.Published.IsZero() {
		a.Published = stamp(e.Published)
	}
	for _, p := range e.Authors {
		a.Authors = append(a.Authors, atomPerson(p))
	}
	if len(a.Authors) == 0 {
		a.Source.Author = &atomPerson{Name: cmp.Or(e.Source.Title, e.Source.Self)}
	}
	if e.Link != "" {
		a.Links = append(a.Links, atomLink{Rel: "alternate", Href: e.Link, Type: "text/html"})
	}
	for _, m := range e.Mentioned {
		a.Links = append(a.Links, atomLink{Rel: "mentioned", Href: m.Href, Title: m.Title})
	}
	for _, t := range e.Tags {
		a.Categories = append(a.Categories, atomCategory{Term: t})
	}
	if r := e.ReplyTo; r != nil && r.Ref != "" {
		a.Reply = &atomReply{Ref: r.Ref, Href: r.Href, Source: r.Source, Type: "text/html"}
	}
	if e.Content != "" {
		a.Content = &atomText{Base: e.Base, Type: "html", Body: e.Content}
	}
	return a
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
