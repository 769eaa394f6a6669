package track

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/fuzzcheck"
)

const fuzzHub = "https://hub.example/"

// FuzzParseQuery checks that a parsed query prints back to a query that
// parses to the same query (and the same canonical form), that its track
// URL reads back to it, that a bad query is an ErrQuery, and that
// FromURL accepts only canonical track URLs.
func FuzzParseQuery(f *testing.F) {
	for _, q := range []string{"#GoLang", "  #golang ", "@HTTPS://Bob.Example:443/feed.atom#x", "@http://bob.example",
		"Static  SITE", "site, static!", "#", "@", "@ftp://x.example/", "#go lang", "a b c d e f g h i", "日本語 İstanbul ǅ", "@https://u:p@x.example/"} {
		f.Add(q, TrackURL(fuzzHub)+"?q="+strings.TrimSpace(q))
	}
	f.Fuzz(func(t *testing.T, s, topic string) {
		checkFromURL(t, topic)
		q, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrQuery) {
				t.Fatalf("Parse(%q): %v is not an ErrQuery", s, err)
			}
			return
		}
		again, err := Parse(q.String())
		if err != nil || !reflect.DeepEqual(again, q) || again.String() != q.String() {
			t.Fatalf("Parse(%q) = %+v, printed %q, parses to %+v, %v", s, q, q.String(), again, err)
		}
		back, ok, err := FromURL(fuzzHub, q.URL(fuzzHub))
		if !ok || err != nil || !reflect.DeepEqual(back, q) {
			t.Fatalf("FromURL(%q) = %+v %v %v, want %+v", q.URL(fuzzHub), back, ok, err, q)
		}
		if q.Kind == KindWords && (len(q.Words) > MaxWords || !slices.IsSorted(q.Words) || len(slices.Compact(slices.Clone(q.Words))) != len(q.Words)) {
			t.Fatalf("Parse(%q): words %q are not at most %d distinct sorted words", s, q.Words, MaxWords)
		}
	})
}

// checkFromURL: a topic FromURL accepts is the canonical URL of its query.
func checkFromURL(t *testing.T, topic string) {
	q, ok, err := FromURL(fuzzHub, topic)
	if ok && err == nil && q.URL(fuzzHub) != topic {
		t.Fatalf("FromURL accepts %q, whose canonical URL is %q", topic, q.URL(fuzzHub))
	}
	if err != nil && !errors.Is(err, ErrQuery) {
		t.Fatalf("FromURL(%q): %v is not an ErrQuery", topic, err)
	}
}

// FuzzExtract checks the entries read from any fetched feed: each has an
// id, its URLs are resolved, the index of tracked queries finds exactly
// the queries that match it (among queries made of its own terms), every
// query matching it finds it through its stored terms, and the track
// document of the entries reads back to the same ids.
func FuzzExtract(f *testing.F) {
	f.Add([]byte(atomDoc))
	for _, name := range []string{"feed.rss", "feed.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`<rss version="2.0" xmlns:thr="http://purl.org/syndication/thread/1.0"><channel><title>Deep</title>
<item><guid>d1</guid><link>posts/1</link><description>&lt;a href="/alice/feed.atom"&gt;x&lt;/a&gt; #Tag-1 #½ words Ünïcode</description>
<thr:in-reply-to ref="r" href="https://carol.example/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/post/" source="https://carol.example/feed.atom"/></item></channel></rss>`))
	const topic = "https://bob.example/blog/feed.rss"
	f.Fuzz(func(t *testing.T, body []byte) {
		entries, err := Extract(body, topic)
		if err != nil {
			return
		}
		for i := range entries {
			e := &entries[i]
			checkExtracted(t, e)
			checkIndex(t, e)
		}
		checkDocument(t, entries, topic)
	})
}

func checkExtracted(t *testing.T, e *Entry) {
	if strings.TrimSpace(e.ID) == "" {
		t.Fatalf("entry without an id: %+v", e)
	}
	list := []string{e.Link}
	for _, m := range e.Mentioned {
		list = append(list, m.Href)
	}
	if e.ReplyTo != nil {
		list = append(list, e.ReplyTo.Href, e.ReplyTo.Source)
	}
	for _, s := range list {
		// resolve keeps a URL that does not parse as it is.
		if u, err := url.Parse(s); err == nil && s != "" && !u.IsAbs() {
			t.Fatalf("entry %q: URL %q is not resolved", e.ID, s)
		}
	}
	if err := fuzzcheck.HTTPURL("source self", e.Source.Self); err != nil {
		t.Fatalf("entry %q: %v", e.ID, err)
	}
}

// queriesOf are the queries made of an entry's own terms: its tags, its
// words one by one and together, its links, and feeds in every
// directory above its reply URLs.
func queriesOf(e *Entry) []Query {
	t := e.termsOf()
	var qs []Query
	add := func(s string) {
		if q, err := Parse(s); err == nil {
			qs = append(qs, q)
		}
	}
	for tag := range t.tags {
		add("#" + tag)
	}
	var words []string
	for w := range t.words {
		add(w)
		words = append(words, w)
	}
	slices.Sort(words)
	add(strings.Join(words[:min(len(words), 3)], " "))
	for l := range t.links {
		add("@" + l)
	}
	for _, r := range t.replies {
		for d := dir(r); strings.Contains(d, "://"); {
			add("@" + d + "feed.atom")
			up := d[:len(d)-1]
			i := strings.LastIndex(up, "/")
			if i < 0 || strings.HasSuffix(up[:i+1], "://") {
				break
			}
			d = up[:i+1]
		}
	}
	return qs
}

func checkIndex(t *testing.T, e *Entry) {
	qs := queriesOf(e)
	ix := NewIndex()
	ix.Set(qs)
	got := ix.Match(e)
	slices.Sort(got)
	var want []string
	stored := map[string]bool{}
	for _, term := range e.StoreTerms() {
		stored[term] = true
	}
	for _, q := range qs {
		if !q.Matches(e) {
			continue
		}
		if !slices.Contains(want, q.String()) {
			want = append(want, q.String())
		}
		if !slices.ContainsFunc(q.LookupTerms(), func(term string) bool { return stored[term] }) {
			t.Fatalf("entry %q matches %q but is stored under none of its lookup terms %q", e.ID, q, q.LookupTerms())
		}
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("entry %q: the index matches %q, the queries matching are %q", e.ID, got, want)
	}
}

func checkDocument(t *testing.T, entries []Entry, topic string) {
	doc, err := Document(Feed{Self: TrackURL(fuzzHub) + "?q=x", Hub: fuzzHub, Query: "x", Now: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}, entries)
	if err != nil {
		t.Fatalf("Document: %v", err)
	}
	back, err := Extract(doc, TrackURL(fuzzHub))
	if err != nil {
		t.Fatalf("the track document does not parse: %v\n%s", err, doc)
	}
	if len(back) != len(entries) {
		t.Fatalf("the track document of %d entries reads back %d\n%s", len(entries), len(back), doc)
	}
	for i := range back {
		if back[i].ID != atomID(entries[i].ID) {
			t.Fatalf("entry %d: id %q reads back as %q\n%s", i, entries[i].ID, back[i].ID, doc)
		}
	}
}

// atomID is what gofeed reads an atom:id as: it takes every Atom id for a
// URI and rewrites it as url.URL.String does ("a b" becomes "a%20b"). An
// RSS guid or JSON Feed id that is not in that form therefore reaches the
// reader under another id through a track document than from its feed.
func atomID(id string) string {
	id = strings.TrimSpace(id)
	if u, err := url.Parse(strings.TrimLeft(id, " ")); err == nil {
		return u.String()
	}
	return id
}
