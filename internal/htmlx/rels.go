package htmlx

import (
	"bytes"
	"mime"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/html"
)

// Link is one relation of an element with rel and href attributes: a
// <link>, <a> or <area>. An element with rel="hub self" is two Links.
type Link struct {
	Rel     string // one relation, in lower case
	Element string // "link", "a" or "area"
	Type    string // the type attribute's media type, in lower case, without parameters
	Href    string // the href attribute as written, trimmed; may be ""
	URL     string // Href resolved against the page's URL ("" is the page itself)
	InHead  bool   // the element comes before the <body> tag
}

// Rels lists the rel links of an HTML document in document order, with
// their URLs resolved against base, the URL the document was fetched from.
// Elements whose href does not parse as a URL are left out.
func Rels(doc []byte, base *url.URL) []Link {
	base = orEmpty(base)
	z := html.NewTokenizer(bytes.NewReader(doc))
	inHead := true
	var out []Link
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "body":
				inHead = false
			case "link", "a", "area":
				if hasAttr {
					out = appendRels(out, string(name), attrs(z), base, inHead)
				}
			}
		}
	}
}

// attrs reads the current tag's attributes.
func attrs(z *html.Tokenizer) []html.Attribute {
	var out []html.Attribute
	for more := true; more; {
		var k, v []byte
		k, v, more = z.TagAttr()
		out = append(out, html.Attribute{Key: string(k), Val: string(v)})
	}
	return out
}

func appendRels(out []Link, element string, as []html.Attribute, base *url.URL, inHead bool) []Link {
	rel, href, hasHref := "", "", false
	for _, a := range as {
		switch a.Key {
		case "rel":
			rel = a.Val
		case "href":
			href, hasHref = strings.TrimSpace(a.Val), true
		}
	}
	if rel == "" || !hasHref {
		return out
	}
	u, ok := resolve(base, href)
	if !ok {
		return out
	}
	l := Link{Element: element, Type: mediaType(Attr(as, "type")), Href: href, URL: u.String(), InHead: inHead}
	for _, r := range strings.Fields(strings.ToLower(rel)) {
		l.Rel = r
		out = append(out, l)
	}
	return out
}

func mediaType(v string) string {
	if mt, _, err := mime.ParseMediaType(v); err == nil {
		return mt
	}
	return strings.ToLower(strings.TrimSpace(v))
}

// feedTypes ranks the media types of feeds, best first.
var feedTypes = map[string]int{
	"application/atom+xml": 0, "application/feed+json": 1, "application/rss+xml": 2,
	"application/json": 3, "application/rdf+xml": 4, "text/xml": 5, "application/xml": 5,
}

// Alternates lists the feeds an HTML page links to with
// <link rel=alternate type=...>, resolved against base: Atom first, then
// JSON Feed, then RSS, then other XML, in document order within a type.
func Alternates(doc []byte, base *url.URL) []string {
	var feeds []Link
	for _, l := range Rels(doc, base) {
		if _, ok := feedTypes[l.Type]; ok && l.Rel == "alternate" && l.Element == "link" && l.Href != "" {
			feeds = append(feeds, l)
		}
	}
	slices.SortStableFunc(feeds, func(a, b Link) int { return feedTypes[a.Type] - feedTypes[b.Type] })
	out := make([]string, len(feeds))
	for i, l := range feeds {
		out[i] = l.URL
	}
	return out
}
