// Package htmlx finds what an HTML page says about itself and where it
// points: its rel links (feeds, hubs, Webmention endpoints), the URLs its
// elements link to, and its first microformats2 h-entry with the author's
// h-card. Relative URLs come back resolved against the page's URL.
//
// It is the small part of microformats2 parsing that Rookery uses, written
// over golang.org/x/net/html (no microformats library is served by the
// module proxy); it is not a general mf2 parser, and it does not sanitize:
// HTML it returns is as found.
package htmlx

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// Attr returns the value of the attribute key in attrs (an html.Token's or
// an html.Node's Attr), or "" when there is none.
func Attr(attrs []html.Attribute, key string) string {
	for _, a := range attrs {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// hasToken reports whether the space-separated list holds tok exactly.
func hasToken(list, tok string) bool {
	for _, f := range strings.Fields(list) {
		if f == tok {
			return true
		}
	}
	return false
}

// resolve parses ref, trimmed, against base; ok is false when ref is not a
// URL. An empty ref is base itself.
func resolve(base *url.URL, ref string) (u *url.URL, ok bool) {
	u, err := base.Parse(strings.TrimSpace(ref))
	return u, err == nil
}

// orEmpty is base, or an empty URL when base is nil, so that references
// stay as they are.
func orEmpty(base *url.URL) *url.URL {
	if base == nil {
		return &url.URL{}
	}
	return base
}
