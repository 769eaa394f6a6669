package sanitize

import (
	"strings"

	"golang.org/x/net/html"

	"github.com/rookery-social/rookery/internal/htmlx"
)

// TextWithLinks is Text that keeps where links and images point, for a
// terminal: a link becomes "text <URL>" (unless its text is the URL, an
// @mention or a #tag) and an image "[image: alt <URL>]".
func TextWithLinks(cleanHTML string) string {
	z := html.NewTokenizer(strings.NewReader(cleanHTML))
	var b strings.Builder
	var href string
	linkStart, pre := -1, 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return collapse(b.String())
		}
		t := z.Token()
		switch {
		case tt == html.TextToken && pre > 0:
			b.WriteString(t.Data)
		case tt == html.TextToken: // a line break in HTML source is a space
			b.WriteString(strings.ReplaceAll(t.Data, "\n", " "))
		case t.Data == "pre" && tt == html.StartTagToken:
			pre++
			b.WriteByte('\n')
		case t.Data == "pre" && tt == html.EndTagToken:
			pre = max(pre-1, 0)
			b.WriteByte('\n')
		case t.Data == "a" && tt == html.StartTagToken:
			href, linkStart = htmlx.Attr(t.Attr, "href"), b.Len()
		case t.Data == "a" && tt == html.EndTagToken && linkStart >= 0:
			writeTarget(&b, strings.TrimSpace(b.String()[linkStart:]), href)
			linkStart = -1
		case t.Data == "img":
			writeImage(&b, htmlx.Attr(t.Attr, "alt"), htmlx.Attr(t.Attr, "src"))
		case blockTags[t.Data]:
			b.WriteByte('\n')
		}
	}
}

func writeTarget(b *strings.Builder, text, href string) {
	if HTTPURL(href) == "" || text == href || strings.HasPrefix(text, "@") || strings.HasPrefix(text, "#") {
		return
	}
	b.WriteString(" <" + href + ">")
}

func writeImage(b *strings.Builder, alt, src string) {
	if HTTPURL(src) == "" {
		return
	}
	if alt = strings.TrimSpace(alt); alt != "" {
		alt += " "
	}
	b.WriteString("[image: " + alt + "<" + src + ">]")
}
