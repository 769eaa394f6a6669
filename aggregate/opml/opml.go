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
	// Rookery's extension: the rest of a reader's state (docs/PROTOCOL.md).
	Me     string  `xml:"https://github.com/rookery-social/rookery/blob/main/docs/PROTOCOL.md#opml me,omitempty"`
	Blocks []Rule  `xml:"https://github.com/rookery-social/rookery/blob/main/docs/PROTOCOL.md#opml block"`
	Mutes  []Rule  `xml:"https://github.com/rookery-social/rookery/blob/main/docs/PROTOCOL.md#opml mute"`
	Tracks []Track `xml:"https://github.com/rookery-social/rookery/blob/main/docs/PROTOCOL.md#opml track"`
}

// Namespace is the XML namespace of Rookery's extension to OPML, which
// carries the rest of a reader's state in the head: who I am, blocks,
// mutes and tracked queries. Other readers ignore it.
const Namespace = "https://github.com/rookery-social/rookery/blob/main/docs/PROTOCOL.md#opml"

// State is the reader's state beyond its subscriptions, as the extension
// carries it.
type State struct {
	Me     string  // my feed URL
	Blocks []Rule  // kind "feed" (a feed URL) or "domain"
	Mutes  []Rule  // kind "word" or "tag" (without '#')
	Tracks []Track // tracked queries
}

// Rule is a block or a mute.
type Rule struct {
	Kind  string `xml:"kind,attr"`
	Value string `xml:",chardata"`
}

// Track is a tracked query at a hub.
type Track struct {
	Query string `xml:",chardata"` // canonical
	Typed string `xml:"typed,attr,omitempty"`
	Hub   string `xml:"hub,attr"`
	Topic string `xml:"topic,attr"`
}

type outline struct {
	Type     string    `xml:"type,attr,omitempty"`
	Text     string    `xml:"text,attr"`
	Title    string    `xml:"title,attr,omitempty"`
	XMLURL   string    `xml:"xmlUrl,attr,omitempty"`
	HTMLURL  string    `xml:"htmlUrl,attr,omitempty"`
	Children []outline `xml:"outline"`
}

// ParseState reads the subscriptions and the state that Rookery's
// extension carries (empty when the document has none).
func ParseState(r io.Reader) ([]Outline, State, error) {
	dec := xml.NewDecoder(r)
	dec.Strict = false
	dec.CharsetReader = charset.NewReaderLabel
	var doc document
	if err := dec.Decode(&doc); err != nil {
		return nil, State{}, fmt.Errorf("opml: not an OPML document: %w", err)
	}
	st := State{Me: strings.TrimSpace(doc.Head.Me), Blocks: doc.Head.Blocks, Mutes: doc.Head.Mutes, Tracks: doc.Head.Tracks}
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
	return out, st, nil
}

// WriteState writes an OPML 2.0 document listing outlines, with st in
// Rookery's extension.
func WriteState(w io.Writer, title string, outlines []Outline, st State, now time.Time) error {
	doc := document{Version: "2.0", Head: head{Title: title, DateCreated: now.UTC().Format(time.RFC1123Z),
		Me: st.Me, Blocks: st.Blocks, Mutes: st.Mutes, Tracks: st.Tracks}}
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
