package webmention

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// hEntry is the little of a microformats2 h-entry that a mention needs.
type hEntry struct {
	Name, Content, URL, Published, InReplyTo string
	AuthorName, AuthorURL                    string
}

// parseHEntry reads the first h-entry of an HTML page. When the page has
// none, it falls back to the page's <title>, so a verified mention from a
// plain page still shows something.
func parseHEntry(doc []byte, base *url.URL) (hEntry, error) {
	root, err := html.Parse(bytes.NewReader(doc))
	if err != nil {
		return hEntry{}, fmt.Errorf("webmention: parse source HTML: %w", err)
	}
	e := hEntry{}
	if n := find(root, func(n *html.Node) bool { return hasClass(n, "h-entry") }); n != nil {
		e.props(n, base)
	}
	if e.Name == "" && e.Content == "" {
		if t := find(root, func(n *html.Node) bool { return n.Type == html.ElementNode && n.Data == "title" }); t != nil {
			e.Name = text(t)
		}
	}
	return e, nil
}

// props walks an h-entry's descendants, not entering nested microformats
// except to read the author's h-card.
func (e *hEntry) props(n *html.Node, base *url.URL) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		e.prop(c, base)
		if !isRoot(c) {
			e.props(c, base)
		}
	}
}

func (e *hEntry) prop(n *html.Node, base *url.URL) {
	set := func(dst *string, v string) {
		if *dst == "" {
			*dst = strings.TrimSpace(v)
		}
	}
	switch {
	case hasClass(n, "p-author"):
		e.author(n, base)
	case hasClass(n, "u-in-reply-to"):
		set(&e.InReplyTo, urlProp(n, base))
	case isRoot(n):
		return
	}
	if hasClass(n, "p-name") {
		set(&e.Name, text(n))
	}
	if hasClass(n, "e-content") {
		set(&e.Content, inner(n))
	}
	if hasClass(n, "u-url") {
		set(&e.URL, urlProp(n, base))
	}
	if hasClass(n, "dt-published") {
		set(&e.Published, cmp(attr(n, "datetime"), text(n)))
	}
}

func (e *hEntry) author(n *html.Node, base *url.URL) {
	if !hasClass(n, "h-card") {
		e.AuthorName, e.AuthorURL = text(n), urlProp(n, base)
		return
	}
	if p := find(n, func(c *html.Node) bool { return hasClass(c, "p-name") }); p != nil {
		e.AuthorName = text(p)
	} else {
		e.AuthorName = text(n)
	}
	if u := find(n, func(c *html.Node) bool { return hasClass(c, "u-url") }); u != nil {
		e.AuthorURL = urlProp(u, base)
	} else {
		e.AuthorURL = urlProp(n, base)
	}
}

func isRoot(n *html.Node) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if strings.HasPrefix(c, "h-") {
			return true
		}
	}
	return false
}

func hasClass(n *html.Node, class string) bool {
	if n.Type != html.ElementNode {
		return false
	}
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// urlProp is a u-* property's URL: href, src or the text, resolved.
func urlProp(n *html.Node, base *url.URL) string {
	raw := cmp(attr(n, "href"), cmp(attr(n, "src"), text(n)))
	if u := resolve(base, strings.TrimSpace(raw)); u != nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return u.String()
	}
	return ""
}

func find(n *html.Node, match func(*html.Node) bool) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if match(c) {
			return c
		}
		if f := find(c, match); f != nil {
			return f
		}
	}
	return nil
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

func inner(n *html.Node) string {
	var b bytes.Buffer
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		html.Render(&b, c)
	}
	return b.String()
}

// jsonFeed builds a one-item JSON Feed 1.1 document for a page that has no
// feed of its own; the item's id and url are the page URL. The HTML is
// passed on as found: the store sanitizes every feed's content.
func (e hEntry) jsonFeed(source string) ([]byte, error) {
	item := map[string]any{"id": source, "url": source}
	if e.Content != "" {
		item["content_html"] = e.Content
	} else {
		item["content_text"] = e.Name
	}
	if e.Name != "" && !strings.HasPrefix(text(fragment(e.Content)), e.Name) {
		item["title"] = e.Name
	}
	if e.Published != "" {
		item["date_published"] = e.Published
	}
	if e.AuthorName != "" || e.AuthorURL != "" {
		item["authors"] = []map[string]string{{"name": e.AuthorName, "url": e.AuthorURL}}
	}
	if e.InReplyTo != "" {
		item["_rookery"] = map[string]any{"in_reply_to": map[string]string{"href": e.InReplyTo}}
	}
	home := source
	if u, err := url.Parse(source); err == nil {
		home = origin(u) + "/"
	}
	doc := map[string]any{"version": "https://jsonfeed.org/version/1.1", "title": cmp(e.AuthorName, home),
		"home_page_url": home, "items": []any{item}}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("webmention: build JSON Feed: %w", err)
	}
	return b, nil
}

func fragment(s string) *html.Node {
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "div"})
	root := &html.Node{Type: html.ElementNode, Data: "div"}
	if err != nil {
		return root
	}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	return root
}
