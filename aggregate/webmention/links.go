package webmention

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/url"
	"strings"

	"golang.org/x/net/html/charset"

	"github.com/rookery-social/rookery/internal/htmlx"
)

// Kinds of source documents, each with its own link rules (W3C
// Webmention §3.2.2: "The receiver SHOULD use per-media-type rules to
// determine whether the source document mentions the target URL").
const (
	kindHTML = "html"
	kindXML  = "feed" // Atom or RSS
	kindJSON = "json" // JSON Feed or other JSON
	kindText = "text"
)

// kindOf guesses the kind of a document from its Content-Type and first bytes.
func kindOf(contentType string, body []byte) string {
	ct := strings.ToLower(contentType)
	head := strings.ToLower(string(bytes.TrimLeft(body[:min(len(body), 512)], " \t\r\n\ufeff")))
	switch {
	case strings.Contains(ct, "json") || strings.HasPrefix(head, "{"):
		return kindJSON
	case strings.Contains(ct, "html"), // text/html and application/xhtml+xml
		strings.HasPrefix(head, "<!doctype html"), strings.Contains(head, "<html"):
		return kindHTML
	case strings.Contains(ct, "xml") || strings.HasPrefix(head, "<?xml") ||
		strings.HasPrefix(head, "<feed") || strings.HasPrefix(head, "<rss"):
		return kindXML
	case strings.HasPrefix(ct, "text/plain"):
		return kindText
	}
	return kindHTML
}

// sameURL reports whether two absolute URLs are equal once scheme and
// host case and a default port are normalized, and an empty path is "/".
func sameURL(a, b string) bool {
	if a == b {
		return true
	}
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	if err1 != nil || err2 != nil {
		return false
	}
	return normal(ua) == normal(ub)
}

func normal(u *url.URL) string {
	c := *u
	if strings.HasPrefix(c.Path, "/") {
		// Remove dot segments (RFC 3986 §5.2.4), as resolving a link does:
		// an href "/a/./b" or "/." reaches the target "/a/b" or "/".
		c = *u.ResolveReference(&url.URL{Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery,
			ForceQuery: u.ForceQuery, Fragment: u.Fragment, RawFragment: u.RawFragment})
	}
	c.Scheme = strings.ToLower(c.Scheme)
	c.Host = strings.TrimPrefix(origin(u), c.Scheme+"://")
	if c.Path == "" {
		c.Path = "/"
	}
	return c.String()
}

// htmlLinksTo reports whether an HTML document (or fragment) has an
// element linking to target, after resolving relative URLs against base
// (and the document's own <base href>).
func htmlLinksTo(doc []byte, base *url.URL, target string) bool {
	for u := range htmlx.Refs(doc, base) {
		if sameURL(u.String(), target) {
			return true
		}
	}
	return false
}

func resolve(base *url.URL, ref string) *url.URL {
	if ref == "" {
		return nil
	}
	u, err := base.Parse(ref)
	if err != nil {
		return nil
	}
	return u
}

// feedEntry names the entry of a feed source that links to the target.
type feedEntry struct {
	ID, Link string
}

// xmlEntryLinking finds the first Atom entry or RSS item that links to
// target: a link/in-reply-to href (or any XHTML href/src), an RSS
// <link>/<comments> URL, or a link inside its HTML content.
func xmlEntryLinking(doc []byte, base *url.URL, target string) (feedEntry, bool) {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	dec.Strict, dec.Entity, dec.CharsetReader = false, xml.HTMLEntity, charset.NewReaderLabel
	var cur *xmlEntry
	for {
		tok, err := dec.Token()
		if err != nil {
			return feedEntry{}, false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if isEntry(t.Name.Local) {
				cur = &xmlEntry{}
				continue
			}
			if cur != nil {
				cur.start(t, base, target)
			}
		case xml.CharData:
			if cur != nil {
				cur.text.Write(t)
			}
		case xml.EndElement:
			if cur == nil {
				continue
			}
			if isEntry(t.Name.Local) {
				if cur.found {
					return feedEntry{cur.id, cur.link}, true
				}
				cur = nil
				continue
			}
			cur.end(t, base, target)
		}
	}
}

func isEntry(local string) bool { return local == "entry" || local == "item" }

// xmlEntry collects what one entry says while it is decoded.
type xmlEntry struct {
	id, link string
	found    bool
	text     bytes.Buffer
}

func (e *xmlEntry) start(t xml.StartElement, base *url.URL, target string) {
	e.text.Reset()
	var rel, href string
	for _, a := range t.Attr {
		switch a.Name.Local {
		case "href", "src", "url":
			href = a.Value
			if u := resolve(base, a.Value); u != nil && sameURL(u.String(), target) {
				e.found = true
			}
		case "rel":
			rel = a.Value
		}
	}
	if t.Name.Local == "link" && href != "" && (rel == "" || rel == "alternate") && e.link == "" {
		if u := resolve(base, href); u != nil {
			e.link = u.String()
		}
	}
}

func (e *xmlEntry) end(t xml.EndElement, base *url.URL, target string) {
	text := strings.TrimSpace(e.text.String())
	e.text.Reset()
	switch t.Name.Local {
	case "id", "guid":
		if e.id == "" {
			e.id = text
		}
	case "link", "comments":
		if u := resolve(base, text); u != nil {
			if t.Name.Local == "link" && e.link == "" {
				e.link = u.String()
			}
			e.found = e.found || sameURL(u.String(), target)
		}
	case "content", "summary", "description", "encoded":
		e.found = e.found || htmlLinksTo([]byte(text), base, target)
	}
}

// jsonEntryLinking finds the JSON Feed item (or, for other JSON, the
// document) with a property whose value is the target URL or whose HTML
// links to it.
func jsonEntryLinking(doc []byte, base *url.URL, target string) (feedEntry, bool) {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return feedEntry{}, false
	}
	obj, _ := v.(map[string]any)
	items, _ := obj["items"].([]any)
	for _, it := range items {
		if jsonLinks(it, base, target) {
			m, _ := it.(map[string]any)
			id, _ := m["id"].(string)
			link, _ := m["url"].(string)
			return feedEntry{id, absolute(base, link)}, true
		}
	}
	return feedEntry{}, items == nil && jsonLinks(v, base, target)
}

// absolute is ref resolved against base, as the store resolves an
// entry's permalink, or "" when it does not parse.
func absolute(base *url.URL, ref string) string {
	if u := resolve(base, strings.TrimSpace(ref)); u != nil {
		return u.String()
	}
	return ""
}

func jsonLinks(v any, base *url.URL, target string) bool {
	switch x := v.(type) {
	case string:
		if sameURL(strings.TrimSpace(x), target) {
			return true
		}
		return strings.Contains(x, "<") && htmlLinksTo([]byte(x), base, target)
	case []any:
		for _, e := range x {
			if jsonLinks(e, base, target) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if jsonLinks(e, base, target) {
				return true
			}
		}
	}
	return false
}
