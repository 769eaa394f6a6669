package htmlx

import (
	"bytes"
	"cmp"
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// Page is a parsed HTML page and the URL it was fetched from.
type Page struct {
	root *html.Node
	base *url.URL
}

// ParsePage parses an HTML page fetched from base.
func ParsePage(doc []byte, base *url.URL) (*Page, error) {
	root, err := html.Parse(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("htmlx: unable to parse the page %s: %w", base, err)
	}
	return &Page{root: root, base: orEmpty(base)}, nil
}

// Title is the text of the page's <title>, blank runs folded to one space.
func (p *Page) Title() string {
	if t := find(p.root, func(n *html.Node) bool { return n.Data == "title" }); t != nil {
		return text(t)
	}
	return ""
}

// Entry is the little of a microformats2 h-entry that Rookery reads.
// URL-valued properties are absolute; the http(s) ones are empty when the
// page gives another scheme or no host.
type Entry struct {
	Name        string // p-name, as text
	Content     string // e-content, as HTML (inner HTML, not sanitized)
	ContentText string // e-content, as text
	URL         string // u-url, http(s)
	UID         string // u-uid, any scheme (often tag: or urn:)
	Published   string // dt-published: its datetime attribute, else its text
	InReplyTo   string // u-in-reply-to, http(s)
	// RepostOf, QuotationOf and LikeOf are u-repost-of, u-quotation-of and
	// u-like-of, http(s): the property's href, or its h-cite's u-url.
	RepostOf, QuotationOf, LikeOf string
	Author                        Card // p-author
}

// Card is the author of an entry: an h-card's p-name and u-url, or the
// p-author element's own text and URL.
type Card struct {
	Name string
	URL  string // http(s)
}

// Entry returns the page's first h-entry. Its properties are read from its
// descendants, not from nested microformats (a quoted h-cite's p-name is
// not the entry's), except for the p-author h-card. The first value of a
// property wins.
func (p *Page) Entry() (Entry, bool) {
	n := find(p.root, func(n *html.Node) bool { return hasClass(n, "h-entry") })
	if n == nil {
		return Entry{}, false
	}
	var e Entry
	e.props(n, p.base)
	return e, true
}

// props walks an h-entry's descendants, not entering nested microformats.
func (e *Entry) props(n *html.Node, base *url.URL) {
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

func (e *Entry) prop(n *html.Node, base *url.URL) {
	for class, dst := range map[string]*string{"u-repost-of": &e.RepostOf, "u-quotation-of": &e.QuotationOf, "u-like-of": &e.LikeOf} {
		if hasClass(n, class) {
			set(dst, citeURL(n, base))
		}
	}
	switch {
	case hasClass(n, "p-author"):
		e.author(n, base)
	case hasClass(n, "u-in-reply-to"):
		set(&e.InReplyTo, webURL(uValue(n, base)))
	case isRoot(n):
		return
	}
	if hasClass(n, "p-name") {
		set(&e.Name, text(n))
	}
	if hasClass(n, "e-content") && e.Content == "" {
		set(&e.Content, inner(n))
		e.ContentText = text(n)
	}
	if hasClass(n, "u-url") {
		set(&e.URL, webURL(uValue(n, base)))
	}
	if hasClass(n, "u-uid") {
		set(&e.UID, uValue(n, base))
	}
	if hasClass(n, "dt-published") {
		set(&e.Published, cmp.Or(Attr(n.Attr, "datetime"), text(n)))
	}
}

// citeURL is the URL of a u-repost-of, u-quotation-of or u-like-of: its
// own href when it is a link, else its nested h-cite's u-url.
func citeURL(n *html.Node, base *url.URL) string {
	if !isRoot(n) {
		return webURL(uValue(n, base))
	}
	if u := find(n, func(c *html.Node) bool { return hasClass(c, "u-url") }); u != nil {
		return webURL(uValue(u, base))
	}
	return webURL(hrefOf(n, base))
}

// set sets an unset property.
func set(dst *string, v string) {
	if *dst == "" {
		*dst = strings.TrimSpace(v)
	}
}

func (e *Entry) author(n *html.Node, base *url.URL) {
	if e.Author != (Card{}) {
		return
	}
	e.Author = Card{Name: text(n), URL: webURL(hrefOf(n, base))}
	if !hasClass(n, "h-card") {
		return
	}
	if name := find(n, func(c *html.Node) bool { return hasClass(c, "p-name") }); name != nil {
		e.Author.Name = text(name)
	}
	if u := find(n, func(c *html.Node) bool { return hasClass(c, "u-url") }); u != nil {
		e.Author.URL = webURL(uValue(u, base))
	}
}

// hrefOf is the element's own link (href, else src) resolved against base,
// or "": a plain p-author's text is a name, not a URL.
func hrefOf(n *html.Node, base *url.URL) string {
	raw := strings.TrimSpace(cmp.Or(Attr(n.Attr, "href"), Attr(n.Attr, "src")))
	if u, ok := resolve(base, raw); ok && raw != "" {
		return u.String()
	}
	return ""
}

// isRoot reports whether n is a microformat (has an h-* class).
func isRoot(n *html.Node) bool {
	for _, c := range strings.Fields(Attr(n.Attr, "class")) {
		if strings.HasPrefix(c, "h-") {
			return true
		}
	}
	return false
}

// hasClass reports whether element n has the class (microformats class
// names are case-sensitive).
func hasClass(n *html.Node, class string) bool {
	return n.Type == html.ElementNode && hasToken(Attr(n.Attr, "class"), class)
}

// uValue is a u-* property's value: the element's href, src or value
// attribute, else its text, resolved against base; the value as written
// when it is not a URL.
func uValue(n *html.Node, base *url.URL) string {
	raw := strings.TrimSpace(cmp.Or(Attr(n.Attr, "href"), Attr(n.Attr, "src"), Attr(n.Attr, "value"), text(n)))
	if u, ok := resolve(base, raw); ok && raw != "" {
		return u.String()
	}
	return raw
}

// webURL is u when it is an absolute http(s) URL with a host, else "".
func webURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" || (p.Scheme != "http" && p.Scheme != "https") {
		return ""
	}
	return u
}

// find returns the first element below n, in document order, that matches.
func find(n *html.Node, match func(*html.Node) bool) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && match(c) {
			return c
		}
		if f := find(c, match); f != nil {
			return f
		}
	}
	return nil
}

// text is the text below n, blank runs folded to one space.
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

// inner renders the children of n.
func inner(n *html.Node) string {
	var b bytes.Buffer
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		html.Render(&b, c)
	}
	return b.String()
}
