package websub

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
)

// Discovery is what a topic says about where to subscribe.
type Discovery struct {
	Hubs []string // absolute hub URLs, in document order, without duplicates
	Self string   // the topic URL to subscribe to; empty when not advertised
}

// Discover finds the hubs and self URL of a fetched topic, as the
// Recommendation's section 4 says: HTTP Link headers first, then the
// document (Atom or RSS atom:link, HTML <link>, JSON Feed hubs/feed_url).
// Relative URLs are resolved against base, the URL the body was fetched from.
func Discover(header http.Header, body []byte, base string) Discovery {
	links := ParseLinks(header)
	d := Discovery{Hubs: LinksWithRel(links, "hub")}
	if selfs := LinksWithRel(links, "self"); len(selfs) > 0 {
		d.Self = selfs[0]
	}
	if len(d.Hubs) == 0 || d.Self == "" {
		doc := discoverDocument(header.Get("Content-Type"), body)
		if len(d.Hubs) == 0 {
			d.Hubs = doc.Hubs
		}
		if d.Self == "" {
			d.Self = doc.Self
		}
	}
	return resolve(d, base)
}

func resolve(d Discovery, base string) Discovery {
	b, err := url.Parse(base)
	if err != nil {
		b = &url.URL{}
	}
	out := Discovery{Self: ResolveRef(b, d.Self)}
	seen := map[string]bool{}
	for _, h := range d.Hubs {
		h = ResolveRef(b, h)
		if h != "" && !seen[h] {
			seen[h] = true
			out.Hubs = append(out.Hubs, h)
		}
	}
	return out
}

// ResolveRef resolves a hub or self reference against base, the URL the
// document came from; it returns "" when ref is blank or does not parse.
func ResolveRef(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := base.Parse(ref)
	if err != nil {
		return ""
	}
	return u.String()
}

func discoverDocument(contentType string, body []byte) Discovery {
	trimmed := bytes.TrimLeft(body, " \t\r\n\ufeff")
	switch {
	case bytes.HasPrefix(trimmed, []byte("{")):
		return discoverJSON(trimmed)
	case strings.Contains(contentType, "html") || looksHTML(trimmed):
		return discoverHTML(body)
	default:
		return discoverXML(body)
	}
}

func looksHTML(b []byte) bool {
	head := strings.ToLower(string(b[:min(len(b), 512)]))
	return strings.HasPrefix(head, "<!doctype html") || strings.Contains(head, "<html")
}

func discoverJSON(body []byte) Discovery {
	var f struct {
		FeedURL string `json:"feed_url"`
		Hubs    []struct {
			Type string `json:"type"`
			URL  string `json:"url"`
		} `json:"hubs"`
	}
	if json.Unmarshal(body, &f) != nil {
		return Discovery{}
	}
	d := Discovery{Self: f.FeedURL}
	for _, h := range f.Hubs {
		if strings.EqualFold(h.Type, "websub") || strings.EqualFold(h.Type, "pubsubhubbub") || h.Type == "" {
			d.Hubs = append(d.Hubs, h.URL)
		}
	}
	return d
}

// discoverXML reads feed-level <link rel href> elements of Atom or RSS
// (atom:link), stopping at the first entry or item.
func discoverXML(body []byte) Discovery {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = false
	dec.Entity = xml.HTMLEntity
	dec.CharsetReader = charset.NewReaderLabel
	var d Discovery
	for {
		tok, err := dec.Token()
		if err != nil {
			return d
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch strings.ToLower(se.Name.Local) {
		case "entry", "item":
			return d
		case "link":
			addLink(&d, attr(se.Attr, "rel"), attr(se.Attr, "href"))
		}
	}
}

func attr(attrs []xml.Attr, name string) string {
	for _, a := range attrs {
		if strings.EqualFold(a.Name.Local, name) {
			return a.Value
		}
	}
	return ""
}

func addLink(d *Discovery, rel, href string) {
	if href == "" {
		return
	}
	for _, r := range strings.Fields(strings.ToLower(rel)) {
		switch r {
		case "hub":
			d.Hubs = append(d.Hubs, href)
		case "self":
			if d.Self == "" {
				d.Self = href
			}
		}
	}
}

func discoverHTML(body []byte) Discovery {
	z := html.NewTokenizer(bytes.NewReader(body))
	var d Discovery
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				return d
			}
			return d
		case html.StartTagToken, html.SelfClosingTagToken:
			t := z.Token()
			if t.Data == "link" {
				addLink(&d, htmlAttr(t, "rel"), htmlAttr(t, "href"))
			}
			if t.Data == "body" {
				return d
			}
		}
	}
}

func htmlAttr(t html.Token, name string) string {
	for _, a := range t.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}
