package sanitize

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/rookery-social/rookery/internal/htmlx"
)

// urlAttrs are the attributes whose values are URLs to resolve.
var urlAttrs = map[string]bool{"href": true, "src": true, "cite": true, "poster": true}

// resolve rewrites URL attributes of raw against base and collects <a> links.
// Tokens without URL attributes are copied as they are.
func resolve(raw, base string) (string, []Link) {
	r := newResolver(base)
	if out, links, ok := resolveSimple(raw, r); ok {
		return out, links
	}
	return resolveTokens(raw, r)
}

// resolveTokens is resolve with x/net/html's tokenizer, for any markup.
func resolveTokens(raw string, r resolver) (string, []Link) {
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
		r.rewrite(&t)
		if t.Data == "a" {
			links = append(links, Link{Href: htmlx.Attr(t.Attr, "href"), Class: htmlx.Attr(t.Attr, "class")})
		}
		b.WriteString(t.String())
	}
}

// hasURLAttr reports whether a raw start tag may carry a URL attribute.
func hasURLAttr(tag []byte) bool {
	for _, a := range []string{"href", "src", "cite", "poster"} {
		if containsFold(tag, a) {
			return true
		}
	}
	return false
}

// containsFold reports whether b holds the lowercase ASCII word w in any case.
func containsFold(b []byte, w string) bool {
	for i := 0; i+len(w) <= len(b); i++ {
		j := 0
		for j < len(w) && b[i+j]|0x20 == w[j] {
			j++
		}
		if j == len(w) {
			return true
		}
	}
	return false
}

// resolver resolves references against one base URL, parsed once.
type resolver struct {
	raw  string
	base *url.URL
}

func newResolver(base string) resolver {
	r := resolver{raw: base}
	if base != "" {
		r.base, _ = url.Parse(strings.TrimSpace(base))
	}
	return r
}

// resolve is ResolveURL(r.raw, ref).
func (r resolver) resolve(ref string) string {
	ref = strings.TrimSpace(ref)
	if r.base == nil {
		return ref
	}
	u, err := r.base.Parse(ref)
	if err != nil {
		return ref
	}
	return u.String()
}

func (r resolver) rewrite(t *html.Token) {
	for i, a := range t.Attr {
		if urlAttrs[a.Key] {
			t.Attr[i].Val = r.resolve(a.Val)
		}
	}
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

// collapse trims each line, folds runs of blank space within a line to one
// space, and keeps at most one blank line between lines with text (none
// before the first or after the last). Blank space is what unicode.IsSpace
// says it is, as in strings.Fields.
func collapse(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	newlines, space := 0, false
	for i := 0; i < len(s); {
		c := s[i]
		n, isSpace := 1, false
		if c < utf8.RuneSelf {
			isSpace = asciiSpace[c]
		} else {
			var r rune
			r, n = utf8.DecodeRuneInString(s[i:])
			isSpace = unicode.IsSpace(r)
		}
		switch {
		case c == '\n':
			newlines++
			space = false
		case isSpace:
			space = true
		default:
			if b.Len() > 0 {
				switch {
				case newlines > 1:
					b.WriteString("\n\n")
				case newlines == 1:
					b.WriteByte('\n')
				case space:
					b.WriteByte(' ')
				}
			}
			newlines, space = 0, false
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}
