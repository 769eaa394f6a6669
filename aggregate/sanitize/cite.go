package sanitize

import (
	"strings"

	"golang.org/x/net/html"
)

// ReplaceCite replaces, in sanitized HTML, each outermost blockquote that
// links to href (the quoted post's permalink, as a repost's or quote's
// h-cite does) with replacement, which must be sanitized HTML. It returns
// cleanHTML unchanged when no blockquote links to href.
func ReplaceCite(cleanHTML, href, replacement string) string {
	if href == "" || !strings.Contains(cleanHTML, "<blockquote") {
		return cleanHTML
	}
	z := html.NewTokenizer(strings.NewReader(cleanHTML))
	var out, quote strings.Builder
	depth, cites, found := 0, false, false
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		raw := z.Raw()
		name, _ := z.TagName()
		isQuote := string(name) == "blockquote"
		switch {
		case depth == 0 && tt == html.StartTagToken && isQuote:
			depth, cites = 1, false
			quote.Reset()
			quote.Write(raw)
			continue
		case depth == 0:
			out.Write(raw)
			continue
		}
		quote.Write(raw)
		switch {
		case tt == html.StartTagToken && isQuote:
			depth++
		case tt == html.EndTagToken && isQuote:
			depth--
		case tt == html.StartTagToken && string(name) == "a":
			cites = cites || linksTo(z, href)
		}
		if depth == 0 {
			if cites {
				out.WriteString(replacement)
				found = true
			} else {
				out.WriteString(quote.String())
			}
		}
	}
	if depth > 0 { // unclosed: keep it as it was
		out.WriteString(quote.String())
	}
	if !found {
		return cleanHTML
	}
	return out.String()
}

// linksTo reports whether the start tag z is at (after TagName) has the
// attribute href="href".
func linksTo(z *html.Tokenizer, href string) bool {
	for more := true; more; {
		var k, v []byte
		k, v, more = z.TagAttr()
		if string(k) == "href" {
			return string(v) == href
		}
	}
	return false
}
