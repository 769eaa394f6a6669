package websub

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/html/charset"

	"github.com/rookery-social/rookery/internal/htmlx"
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
	b, err := url.Parse(base)
	if err != nil {
		b = &url.URL{}
	}
	if len(d.Hubs) == 0 || d.Self == "" {
		doc := discoverDocument(header.Get("Content-Type"), body, b)
		if len(d.Hubs) == 0 {
			d.Hubs = doc.Hubs
		}
		if d.Self == "" {
			d.Self = doc.Self
		}
	}
	return resolve(d, b)
}

func resolve(d Discovery, b *url.URL) Discovery {
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

func discoverDocument(contentType string, body []byte, base *url.URL) Discovery {
	trimmed := bytes.TrimLeft(body, " \t\r\n\ufeff")
	switch {
	case bytes.HasPrefix(trimmed, []byte("{")):
		return discoverJSON(trimmed)
	case strings.Contains(contentType, "html") || looksHTML(trimmed):
		return discoverHTML(body, base)
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

// discoverXML reads the feed-level links of Atom or RSS.
func discoverXML(body []byte) Discovery {
	links := FeedLinks(body)
	d := Discovery{Hubs: LinksWithRel(links, "hub")}
	if selfs := LinksWithRel(links, "self"); len(selfs) > 0 {
		d.Self = selfs[0]
	}
	return d
}

// FeedLinks lists the feed-level <link rel href> elements of an Atom feed
// or RSS channel (atom:link), one Link per relation, in document order and
// with their URLs as written. Links inside an entry or item are the
// entry's, not the feed's, and are left out.
func FeedLinks(body []byte) []Link {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = false
	dec.Entity = xml.HTMLEntity
	dec.CharsetReader = charset.NewReaderLabel
	var out []Link
	inEntry := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch strings.ToLower(t.Name.Local) {
			case "entry", "item":
				inEntry++
			case "link":
				if inEntry == 0 {
					out = appendLinks(out, xmlAttr(t.Attr, "rel"), xmlAttr(t.Attr, "href"))
				}
			}
		case xml.EndElement:
			if l := strings.ToLower(t.Name.Local); l == "entry" || l == "item" {
				inEntry--
			}
		}
	}
}

func xmlAttr(attrs []xml.Attr, name string) string {
	for _, a := range attrs {
		if strings.EqualFold(a.Name.Local, name) {
			return a.Value
		}
	}
	return ""
}

func appendLinks(out []Link, rel, href string) []Link {
	if href = strings.TrimSpace(href); href == "" {
		return out
	}
	for _, r := range strings.Fields(strings.ToLower(rel)) {
		out = append(out, Link{URL: href, Rel: r})
	}
	return out
}

// discoverHTML reads the <link> elements of an HTML page's head.
func discoverHTML(body []byte, base *url.URL) Discovery {
	var d Discovery
	for _, l := range htmlx.Rels(body, base) {
		switch {
		case l.Element != "link" || !l.InHead || l.Href == "":
		case l.Rel == "hub":
			d.Hubs = append(d.Hubs, l.URL)
		case l.Rel == "self" && d.Self == "":
			d.Self = l.URL
		}
	}
	return d
}
