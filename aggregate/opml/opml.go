// Package opml reads and writes OPML 2.0 subscription lists, the format
// feed readers exchange their follows in. It does no I/O beyond the given
// reader and writer.
package opml

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/net/html/charset"
)

// Outline is one subscription.
type Outline struct {
	Text    string // display name (the reader's nick)
	Title   string
	XMLURL  string // the feed
	HTMLURL string // the site
}

type document struct {
	XMLName xml.Name  `xml:"opml"`
	Version string    `xml:"version,attr"`
	Head    head      `xml:"head"`
	Body    []outline `xml:"body>outline"`
}

type head struct {
	Title       string `xml:"title"`
	DateCreated string `xml:"dateCreated,omitempty"`
}

type outline struct {
	Type     string    `xml:"type,attr,omitempty"`
	Text     string    `xml:"text,attr"`
	Title    string    `xml:"title,attr,omitempty"`
	XMLURL   string    `xml:"xmlUrl,attr,omitempty"`
	HTMLURL  string    `xml:"htmlUrl,attr,omitempty"`
	Children []outline `xml:"outline"`
}

// Parse reads the subscriptions (outlines with an xmlUrl, at any depth).
func Parse(r io.Reader) ([]Outline, error) {
	dec := xml.NewDecoder(r)
	dec.Strict = false
	dec.CharsetReader = charset.NewReaderLabel
	var doc document
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("opml: not an OPML document: %w", err)
	}
	var out []Outline
	var walk func([]outline)
	walk = func(list []outline) {
		for _, o := range list {
			if u := strings.TrimSpace(o.XMLURL); u != "" {
				out = append(out, Outline{Text: o.Text, Title: o.Title, XMLURL: u, HTMLURL: o.HTMLURL})
			}
			walk(o.Children)
		}
	}
	walk(doc.Body)
	return out, nil
}

// Write writes an OPML 2.0 document listing outlines.
func Write(w io.Writer, title string, outlines []Outline, now time.Time) error {
	doc := document{Version: "2.0", Head: head{Title: title, DateCreated: now.UTC().Format(time.RFC1123Z)}}
	for _, o := range outlines {
		doc.Body = append(doc.Body, outline{Type: "rss", Text: o.Text, Title: o.Title, XMLURL: o.XMLURL, HTMLURL: o.HTMLURL})
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("opml: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("opml: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}
