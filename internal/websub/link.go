package websub

import (
	"net/http"
	"strings"
)

// Link is one target of an HTTP Link header (RFC 8288), reduced to what
// WebSub needs.
type Link struct {
	URL string
	Rel string // one relation; a link with "rel=\"hub self\"" yields two Links
}

// FormatLink renders one Link header value: <url>; rel="rel".
func FormatLink(url, rel string) string {
	return "<" + url + `>; rel="` + rel + `"`
}

// ParseLinks parses every Link header in h. Malformed parts are skipped.
func ParseLinks(h http.Header) []Link {
	var out []Link
	for _, v := range h.Values("Link") {
		out = append(out, parseLinkValue(v)...)
	}
	return out
}

// LinksWithRel returns the URLs of the links whose relation is rel
// (case-insensitive), in order.
func LinksWithRel(links []Link, rel string) []string {
	var out []string
	for _, l := range links {
		if strings.EqualFold(l.Rel, rel) {
			out = append(out, l.URL)
		}
	}
	return out
}

func parseLinkValue(v string) []Link {
	var out []Link
	for {
		v = strings.TrimLeft(v, " \t,")
		if !strings.HasPrefix(v, "<") {
			return out
		}
		end := strings.IndexByte(v, '>')
		if end < 0 {
			return out
		}
		target := v[1:end]
		params, rest := splitParams(v[end+1:])
		for _, rel := range strings.Fields(params["rel"]) {
			out = append(out, Link{URL: target, Rel: strings.ToLower(rel)})
		}
		v = rest
	}
}

// splitParams reads ;-separated parameters up to the next top-level comma.
func splitParams(s string) (map[string]string, string) {
	params := map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" || s[0] == ',' {
			return params, s
		}
		if s[0] != ';' {
			// garbage: skip to the next link
			i := strings.IndexByte(s, ',')
			if i < 0 {
				return params, ""
			}
			return params, s[i:]
		}
		s = strings.TrimLeft(s[1:], " \t")
		var name, value string
		name, value, s = readParam(s)
		if name != "" {
			if _, seen := params[name]; !seen { // RFC 8288: first rel wins
				params[name] = value
			}
		}
	}
}

func readParam(s string) (name, value, rest string) {
	i := strings.IndexAny(s, "=;,")
	if i < 0 {
		return strings.ToLower(strings.TrimSpace(s)), "", ""
	}
	name = strings.ToLower(strings.TrimSpace(s[:i]))
	if s[i] != '=' {
		return name, "", s[i:]
	}
	s = strings.TrimLeft(s[i+1:], " \t")
	if strings.HasPrefix(s, `"`) {
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return name, s[1:], ""
		}
		return name, s[1 : end+1], s[end+2:]
	}
	j := strings.IndexAny(s, ";,")
	if j < 0 {
		return name, strings.TrimSpace(s), ""
	}
	return name, strings.TrimSpace(s[:j]), s[j:]
}
