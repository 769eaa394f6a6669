package sanitize

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
)

// urlAttrs are the attributes whose values are URLs to resolve.
var urlAttrs = map[string]bool{"href": true, "src": true, "cite": true, "poster": true}

// resolve rewrites URL attributes of raw against base and collects <a> links.
// Tokens without URL attributes are copied as they are.
func resolve(raw, base string) (string, []Link) {
	z := html.NewTokenizer(strings.NewReader(raw))
	var b strings.Builder
	b.Grow(len(raw) + len(raw)/8)
	var links []Link
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return b.String(), links
		}
		if (tt != html.StartTagToken && tt != html.SelfClosingTagToken) || !hasURLAttr(z.Raw()) {
			b.Write(z.Raw())
			continue
		}
		t := z.Token()
		rewrite(&t, base)
		if t.Data == "a" {
			links = append(links, Link{Href: attr(t, "href"), Class: attr(t, "class")})
		}
		b.WriteString(t.String())
	}
}

// hasURLAttr reports whether a raw start tag may carry a URL attribute.
func hasURLAttr(tag []byte) bool {
	low := bytes.ToLower(tag)
	for _, a := range [][]byte{[]byte("href"), []byte("src"), []byte("cite"), []byte("poster")} {
		if bytes.Contains(low, a) {
			return true
		}
	}
	return false
}

func rewrite(t *html.Token, base string) {
	for i, a := range t.Attr {
		if urlAttrs[a.Key] {
			t.Attr[i].Val = ResolveURL(base, a.Val)
		}
	}
}

func attr(t html.Token, key string) string {
	for _, a := range t.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// blockTags end a line of the plain text.
var blockTags = map[string]bool{
	"p": true, "br": true, "div": true, "li": true, "blockquote": true, "pre": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "tr": true,
}

// Text returns the plain text of sanitized HTML: text nodes, with a line
// break after block elements and runs of blank space collapsed.
func Text(cleanHTML string) string {
	z := html.NewTokenizer(strings.NewReader(cleanHTML))
	var b strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			return collapse(b.String())
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			if blockTags[string(name)] {
				b.WriteByte('\n')
			}
		}
	}
}

// collapse trims each line, folds runs of spaces and drops repeated blank lines.
func collapse(s string) string {
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" && (len(out) == 0 || out[len(out)-1] == "") {
			continue
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
