package htmlx

import (
	"bytes"
	"iter"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// refAttrs names, per element, the attribute that links to a resource.
var refAttrs = map[string]string{
	"a": "href", "link": "href", "area": "href", "img": "src", "video": "src",
	"audio": "src", "source": "src", "iframe": "src", "embed": "src",
	"blockquote": "cite", "q": "cite", "ins": "cite", "del": "cite", "object": "data",
}

// Refs yields, in document order, every URL that an element of an HTML
// document or fragment links to (a href, img src, blockquote cite, …),
// resolved against base and the document's own <base href>. Empty and
// unparsable references are skipped; text that only looks like a URL is
// not a reference.
func Refs(doc []byte, base *url.URL) iter.Seq[*url.URL] {
	return func(yield func(*url.URL) bool) {
		base := orEmpty(base)
		z := html.NewTokenizer(bytes.NewReader(doc))
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				return
			}
			if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
				continue
			}
			name, hasAttr := z.TagName()
			key, isRef := refAttrs[string(name)]
			if !hasAttr || (!isRef && string(name) != "base") {
				continue
			}
			if string(name) == "base" {
				if b, ok := ref(base, Attr(attrs(z), "href")); ok {
					base = b
				}
				continue
			}
			if u, ok := ref(base, Attr(attrs(z), key)); ok && !yield(u) {
				return
			}
		}
	}
}

// ref resolves a reference that is not blank.
func ref(base *url.URL, v string) (*url.URL, bool) {
	if strings.TrimSpace(v) == "" {
		return nil, false
	}
	return resolve(base, v)
}
