package track

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"strings"
)

const atomNS = "http://www.w3.org/2005/Atom"

// maxSplitEntries bounds the entries read from one delivered document.
const maxSplitEntries = 1000

// Origin is the part of a delivered track document from one origin feed.
type Origin struct {
	Feed    string   // the origin feed URL: the source's rel=self (else its id)
	ID      string   // the source's atom:id
	Title   string   // the source's title
	Entries [][]byte // the entries, as delivered
}

// sourceOf is what split reads of each entry.
type sourceOf struct {
	Source struct {
		ID    string `xml:"id"`
		Title string `xml:"title"`
		Links []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
	} `xml:"source"`
}

func (s sourceOf) feed() string {
	for _, l := range s.Source.Links {
		if l.Rel == "self" && isHTTP(l.Href) {
			return strings.TrimSpace(l.Href)
		}
	}
	if id := strings.TrimSpace(s.Source.ID); isHTTP(id) {
		return id
	}
	return ""
}

func isHTTP(u string) bool {
	u = strings.ToLower(strings.TrimSpace(u))
	return strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://")
}

// Split reads a delivered Atom track document and groups its entries by
// origin feed, in document order. Entries without an origin are left
// out. It also returns the namespace declarations of the root element,
// which the entries may use.
func Split(doc []byte) ([]Origin, []xml.Attr, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	root, err := rootElement(d)
	if err != nil {
		return nil, nil, err
	}
	var out []Origin
	index := map[string]int{}
	for n := 0; n < maxSplitEntries; {
		start := d.InputOffset()
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("track: delivered document: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Space != atomNS || se.Name.Local != "entry" {
			if ok {
				d.Skip()
			}
			continue
		}
		var src sourceOf
		if err := d.DecodeElement(&src, &se); err != nil {
			return nil, nil, fmt.Errorf("track: delivered entry: %w", err)
		}
		n++
		feed := src.feed()
		if feed == "" {
			continue
		}
		i, seen := index[feed]
		if !seen {
			i = len(out)
			index[feed] = i
			out = append(out, Origin{Feed: feed, ID: strings.TrimSpace(src.Source.ID), Title: strings.TrimSpace(src.Source.Title)})
		}
		out[i].Entries = append(out[i].Entries, doc[start:d.InputOffset()])
	}
	return out, namespaces(root), nil
}

func rootElement(d *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := d.Token()
		if err != nil {
			return xml.StartElement{}, fmt.Errorf("track: delivered document is not XML: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Space != atomNS || se.Name.Local != "feed" {
				return se, fmt.Errorf("track: delivered document is not an Atom feed (root %s)", se.Name.Local)
			}
			return se, nil
		}
	}
}

// namespaces keeps the xmlns declarations of the root.
func namespaces(se xml.StartElement) []xml.Attr {
	var out []xml.Attr
	for _, a := range se.Attr {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			out = append(out, a)
		}
	}
	return out
}

// Document is an Atom feed of one origin's entries, to be ingested as if
// fetched from it: rel=self is the origin, hubs are the ones the reader
// already knows for it (so ingesting keeps them).
func (o Origin) Document(ns []xml.Attr, hubs []string) []byte {
	var b bytes.Buffer
	// The feed's own elements are unprefixed Atom, whatever prefix the
	// delivered document gave the Atom namespace.
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n<feed xmlns=\"" + atomNS + `"`)
	for _, a := range ns {
		if a.Name.Space == "xmlns" {
			fmt.Fprintf(&b, ` xmlns:%s="%s"`, a.Name.Local, html.EscapeString(a.Value))
		}
	}
	id := o.ID
	if id == "" {
		id = o.Feed
	}
	fmt.Fprintf(&b, ">\n<id>%s</id>\n<title>%s</title>\n<updated>1970-01-01T00:00:00Z</updated>\n<link rel=\"self\" href=\"%s\"/>\n",
		html.EscapeString(id), html.EscapeString(o.Title), html.EscapeString(o.Feed))
	for _, h := range hubs {
		fmt.Fprintf(&b, "<link rel=\"hub\" href=\"%s\"/>\n", html.EscapeString(h))
	}
	for _, e := range o.Entries {
		b.Write(e)
		b.WriteByte('\n')
	}
	b.WriteString("</feed>\n")
	return b.Bytes()
}
