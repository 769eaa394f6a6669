package track

import (
	"regexp"
	"slices"
	"strings"

	"golang.org/x/net/html"
)

// maxDirDepth bounds the parent directories of a reply URL looked up.
const maxDirDepth = 16

// terms is what an entry can be matched by.
type terms struct {
	tags    map[string]bool // categories and #tags in the text
	words   map[string]bool
	links   map[string]bool // normalized: mentioned links, links in the content, reply source and href
	replies []string        // normalized reply href and source, to look up by directory
}

// hashtag finds #tags in text: not after a letter, digit or '&' (&#39;).
var hashtag = regexp.MustCompile(`(?:^|[^\pL\pN_&#])#([\pL\pN_][\pL\pN_-]*)`)

// termsOf computes (once) what the entry can be matched by.
func (e *Entry) termsOf() *terms {
	if e.cached != nil {
		return e.cached
	}
	t := &terms{tags: map[string]bool{}, words: map[string]bool{}, links: map[string]bool{}}
	text, hrefs := textAndLinks(e.Content)
	text = e.Title + "\n" + text
	for _, tag := range e.Tags {
		t.tags[tag] = true
	}
	for _, m := range hashtag.FindAllStringSubmatch(text, -1) {
		t.tags[strings.ToLower(m[1])] = true
	}
	for _, w := range Words(text) {
		t.words[w] = true
	}
	for _, l := range e.Mentioned {
		t.addLink(l.Href)
	}
	for _, h := range hrefs {
		t.addLink(h)
	}
	if r := e.ReplyTo; r != nil {
		for _, u := range []string{r.Href, r.Source} {
			if n := t.addLink(u); n != "" {
				t.replies = append(t.replies, n)
			}
		}
	}
	e.cached = t
	return t
}

func (t *terms) addLink(raw string) string {
	n := NormalizeURL(raw)
	if n != "" {
		t.links[n] = true
	}
	return n
}

// textAndLinks returns the text of an HTML fragment and the href of its
// links.
func textAndLinks(frag string) (string, []string) {
	if !strings.ContainsAny(frag, "<&") {
		return frag, nil
	}
	var b strings.Builder
	var hrefs []string
	z := html.NewTokenizer(strings.NewReader(frag))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String(), hrefs
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken, html.SelfClosingTagToken:
			b.WriteByte(' ')
			hrefs = appendHref(z, hrefs)
		case html.EndTagToken:
			b.WriteByte(' ')
		}
	}
}

func appendHref(z *html.Tokenizer, hrefs []string) []string {
	name, hasAttr := z.TagName()
	if string(name) != "a" {
		return hrefs
	}
	for hasAttr {
		var k, v []byte
		k, v, hasAttr = z.TagAttr()
		if string(k) == "href" {
			return append(hrefs, string(v))
		}
	}
	return hrefs
}

// Matches reports whether the entry matches q.
func (q Query) Matches(e *Entry) bool {
	t := e.termsOf()
	switch q.Kind {
	case KindTag:
		return t.tags[q.Tag]
	case KindMention:
		return t.mentions(q.Feed)
	case KindWords:
		for _, w := range q.Words {
			if !t.words[w] {
				return false
			}
		}
		return true
	}
	return false
}

// mentions: a link to feed, or a reply whose href or source is under the
// feed's directory, at most maxDirDepth directories down (the ones the
// index and the stored terms look up).
func (t *terms) mentions(feed string) bool {
	if t.links[feed] {
		return true
	}
	d := dir(feed)
	for _, r := range t.replies {
		if slices.Contains(dirs(r), d) {
			return true
		}
	}
	return false
}

// dirs lists u's directory and its parents, nearest first.
func dirs(u string) []string {
	var out []string
	d := dir(u)
	for range maxDirDepth {
		out = append(out, d)
		i := strings.Index(d, "://")
		path := d[i+3:]
		j := strings.LastIndex(strings.TrimSuffix(path, "/"), "/")
		if j < 0 {
			return out
		}
		d = d[:i+3] + path[:j+1]
	}
	return out
}
