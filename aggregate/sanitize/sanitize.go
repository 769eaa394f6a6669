// Package sanitize makes remote feed content safe to store and to show: HTML
// goes through a bluemonday policy (no scripts, no event handlers, no
// javascript: URLs) after its relative URLs are resolved, plain text is
// derived from the sanitized HTML, and Terminal strips control characters and
// escape sequences from anything printed. It does not parse feeds.
package sanitize

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
)

// Policy sanitizes untrusted HTML. It is safe for concurrent use.
type Policy struct {
	p *bluemonday.Policy
}

// New returns the policy used for feed content: bluemonday's UGC policy
// (links, images, lists, tables, quotes, code), http/https/mailto URLs only.
func New() *Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^[a-zA-Z0-9 _-]*$`)).OnElements("a")
	return &Policy{p: p}
}

// HTML resolves the relative URLs of raw against base (the entry's xml:base
// or the feed URL) and sanitizes the result. It also returns the links found
// in raw, resolved, for mention detection.
func (p *Policy) HTML(raw, base string) (string, []Link) {
	resolved, links := resolve(raw, base)
	return strings.TrimSpace(p.p.Sanitize(resolved)), links
}

// Link is an <a href> of the content, with its class attribute.
type Link struct {
	Href  string
	Class string
}

// HasClass reports whether the link's class list holds name.
func (l Link) HasClass(name string) bool {
	for _, c := range strings.Fields(l.Class) {
		if c == name {
			return true
		}
	}
	return false
}

// ResolveURL resolves ref against base; it returns ref unchanged when either
// does not parse.
func ResolveURL(base, ref string) string {
	ref = strings.TrimSpace(ref)
	if base == "" {
		return ref
	}
	b, err := url.Parse(strings.TrimSpace(base))
	if err != nil {
		return ref
	}
	u, err := b.Parse(ref)
	if err != nil {
		return ref
	}
	return u.String()
}

// HTTPURL returns raw (trimmed) when it is an absolute http or https URL
// with a host, and "" otherwise: javascript:, data:, mailto:, relative and
// unparseable URLs are never kept as a link of a feed or a post.
func HTTPURL(raw string) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return ""
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return ""
	}
	return raw
}

// ResolveHTTP is ResolveURL kept only when the result is an absolute http
// or https URL (see HTTPURL), else "".
func ResolveHTTP(base, ref string) string {
	if strings.TrimSpace(ref) == "" {
		return ""
	}
	return HTTPURL(ResolveURL(base, ref))
}
