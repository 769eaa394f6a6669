package trackbench

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/rookery-social/rookery/hub/track"
)

// vocabulary sizes the generated terms for n tracked queries, so that the
// density of queries per term is the same at every size: tags and feeds
// about two queries' worth each, words (Zipf-distributed in the entries)
// many more.
type vocabulary struct{ tags, feeds, words int }

func vocabFor(n int) vocabulary {
	return vocabulary{tags: max(n/2, 50), feeds: max(n/2, 50), words: max(2*n, 200)}
}

func tagName(i int) string { return fmt.Sprintf("t%d", i) }
func feedURL(i int) string { return fmt.Sprintf("https://f%d.example/feed.atom", i) }
func wordName(i int) string {
	return fmt.Sprintf("w%d", i)
}

// popular are the few queries: the most common tags, feeds and words of
// the entries (whose terms are Zipf-distributed), as popular topics are
// the ones most tracked.
var popular = []string{"#t0", "#t1", "#t2", "#t3", "@" + feedURL(0), "@" + feedURL(1), "@" + feedURL(2), "w0", "w1 w2", "w3 w5"}

// queries generates distinct tracked queries after the given first ones,
// n in all: in turn a #tag, an @FEED_URL and one or two words, each term
// drawn uniformly from v; with apart, from a range of as many terms that
// the entries never use.
func queries(n int, v vocabulary, apart bool, first []string) ([]string, error) {
	r := rand.New(rand.NewPCG(7, 1))
	if apart {
		v = vocabulary{tags: 2 * v.tags, feeds: 2 * v.feeds, words: 2 * v.words}
		r = rand.New(rand.NewPCG(8, 2))
	}
	pick := func(size int) int {
		if apart {
			return size/2 + r.IntN(size/2)
		}
		return r.IntN(size)
	}
	seen := map[string]bool{}
	out := make([]string, 0, n)
	for _, s := range first {
		q, err := track.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("trackbench: query %q: %w", s, err)
		}
		seen[q.String()] = true
		out = append(out, q.String())
	}
	for i := 0; len(out) < n; i++ {
		var s string
		switch i % 3 {
		case 0:
			s = "#" + tagName(pick(v.tags))
		case 1:
			s = "@" + feedURL(pick(v.feeds))
		default:
			s = wordName(pick(v.words))
			if r.IntN(2) == 0 {
				s += " " + wordName(pick(v.words))
			}
		}
		q, err := track.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("trackbench: generated query %q: %w", s, err)
		}
		if c := q.String(); !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out, nil
}

// entriesPerFeed is how many entries each generated feed document holds.
const entriesPerFeed = 50

// feeds generates Atom documents holding n entries in all, each from its
// own origin feed: a title and a paragraph of Zipf-distributed words (the
// common ones common, as in text), a #hashtag, a link to a feed, two
// categories, and for three entries in ten a thr:in-reply-to a post of
// another feed. It returns the documents and the origin feed URLs.
func feeds(n int, v vocabulary, now time.Time) (docs [][]byte, origins []string) {
	r := rand.New(rand.NewPCG(11, 3))
	words := rand.NewZipf(r, 1.1, 1, uint64(v.words-1))
	tags := rand.NewZipf(r, 1.1, 1, uint64(v.tags-1))
	feedsZ := rand.NewZipf(r, 1.1, 1, uint64(v.feeds-1))
	text := func(k int) string {
		ws := make([]string, k)
		for i := range ws {
			ws[i] = wordName(int(words.Uint64()))
		}
		return strings.Join(ws, " ")
	}
	for d := 0; d*entriesPerFeed < n; d++ {
		origin := fmt.Sprintf("https://origin%d.example/feed.atom", d)
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?>`+"\n"+`<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0"><title>Origin %d</title><id>%s</id><link rel="self" href="%s"/><updated>%s</updated>`,
			d, origin, origin, now.Format(time.RFC3339))
		for e := 0; e < entriesPerFeed && d*entriesPerFeed+e < n; e++ {
			fmt.Fprintf(&b, `<entry><id>tag:origin%d.example,2026:e%d</id><title>%s</title><updated>%s</updated><link href="https://origin%d.example/posts/e%d/"/>`,
				d, e, text(5), now.Format(time.RFC3339), d, e)
			fmt.Fprintf(&b, `<category term="%s"/><category term="%s"/>`, tagName(int(tags.Uint64())), tagName(int(tags.Uint64())))
			if r.IntN(10) < 3 {
				fmt.Fprintf(&b, `<thr:in-reply-to ref="tag:x,2026:p%d" href="https://f%d.example/posts/p%d/"/>`, e, feedsZ.Uint64(), e)
			}
			fmt.Fprintf(&b, `<content type="html">&lt;p&gt;%s #%s, see &lt;a href="%s"&gt;this feed&lt;/a&gt; %s.&lt;/p&gt;</content></entry>`,
				text(25), tagName(int(tags.Uint64())), feedURL(int(feedsZ.Uint64())), text(25))
		}
		b.WriteString("</feed>\n")
		docs = append(docs, []byte(b.String()))
		origins = append(origins, origin)
	}
	return docs, origins
}

// extract parses every document into entries.
func extract(docs [][]byte, origins []string) ([]track.Entry, error) {
	var out []track.Entry
	for i, d := range docs {
		es, err := track.Extract(d, origins[i])
		if err != nil {
			return nil, fmt.Errorf("trackbench: generated feed %d: %w", i, err)
		}
		out = append(out, es...)
	}
	return out, nil
}
