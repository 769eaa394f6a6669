package track

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

const atomDoc = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
  <id>https://alice.example/feed.atom</id>
  <title>Alice</title>
  <updated>2026-11-20T10:00:00Z</updated>
  <author><name>alice</name></author>
  <link rel="self" href="https://alice.example/feed.atom"/>
  <entry>
    <id>tag:alice.example,2026:posts/tagged</id>
    <title>Tagged post</title>
    <updated>2026-11-20T10:00:00Z</updated>
    <category term="GoLang"/>
    <content type="html">&lt;p&gt;About generics&lt;/p&gt;</content>
  </entry>
  <entry>
    <id>tag:alice.example,2026:posts/hashtag</id>
    <title>Hashtag in text</title>
    <updated>2026-11-20T09:00:00Z</updated>
    <content type="html">&lt;p&gt;Loving #Rust today &amp;#39;s&lt;/p&gt;</content>
  </entry>
  <entry>
    <id>tag:alice.example,2026:posts/mention</id>
    <title>Hi Bob</title>
    <updated>2026-11-20T08:00:00Z</updated>
    <link rel="mentioned" href="https://bob.example/feed.atom" title="bob"/>
    <content type="html">&lt;p&gt;hi &lt;a class="h-card u-mention" href="https://bob.example/feed.atom"&gt;@bob&lt;/a&gt;&lt;/p&gt;</content>
  </entry>
  <entry>
    <id>tag:alice.example,2026:posts/reply</id>
    <title>A reply</title>
    <updated>2026-11-20T07:00:00Z</updated>
    <thr:in-reply-to ref="tag:carol.example,2026:posts/p1" href="https://carol.example/posts/p1/"/>
    <content type="html">&lt;p&gt;Static sites are the best.&lt;/p&gt;</content>
  </entry>
  <entry>
    <id>tag:alice.example,2026:posts/words</id>
    <title>Gopher</title>
    <updated>2026-11-20T06:00:00Z</updated>
    <content type="html">&lt;p&gt;A STATIC-site generator in Go&lt;/p&gt;</content>
  </entry>
</feed>`

func ids(es []Entry, q Query) []string {
	var out []string
	for i := range es {
		if q.Matches(&es[i]) {
			out = append(out, es[i].ID[len("tag:alice.example,2026:posts/"):])
		}
	}
	return out
}

func TestMatchEachKind(t *testing.T) {
	es, err := Extract([]byte(atomDoc), "https://alice.example/feed.atom")
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 5 || es[0].Source.Self != "https://alice.example/feed.atom" || es[0].Source.Title != "Alice" {
		t.Fatalf("extracted %d entries, source %+v", len(es), es[0].Source)
	}
	tests := map[string][]string{
		"#golang":                          {"tagged"},
		"#rust":                            {"hashtag"},
		"#39":                              nil, // an escaped apostrophe is no tag
		"@https://bob.example/feed.atom":   {"mention"},
		"@https://carol.example/feed.atom": {"reply"}, // reply href under the feed's site
		"@https://dave.example/feed.atom":  nil,
		"static site":                      {"words"}, // "sites" is another word
		"go":                               {"words"}, // word boundaries: "generics", "gopher" don't count
		"go static generator":              {"words"},
		"gopher static":                    {"words"},
		"sites":                            {"reply"},
		"site":                             {"words"},
	}
	for in, want := range tests {
		q, err := Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(es, q); !slices.Equal(got, want) {
			t.Errorf("%s matches %v, want %v", in, got, want)
		}
	}
}

func TestExtractRSSAndJSONFeed(t *testing.T) {
	for _, name := range []string{"feed.rss", "feed.json"} {
		body, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		es, err := Extract(body, "https://bob.example/"+name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(es) != 2 {
			t.Fatalf("%s: %d entries", name, len(es))
		}
		want := map[string][]string{"#intro": {"a"}, "@https://alice.example/feed.atom": {"b"}}
		for in, w := range want {
			q, _ := Parse(in)
			var got []string
			for i := range es {
				if q.Matches(&es[i]) {
					got = append(got, es[i].ID[len(es[i].ID)-1:])
				}
			}
			if !slices.Equal(got, w) {
				t.Errorf("%s: %s matches %v, want %v", name, in, got, w)
			}
		}
	}
}

// queries makes n distinct queries of every kind, none matching the
// test entries.
func queries(n int) []Query {
	var qs []Query
	for i := 0; len(qs) < n; i++ {
		for _, s := range []string{fmt.Sprintf("#tag%d", i), fmt.Sprintf("@https://u%d.example/feed.atom", i),
			fmt.Sprintf("word%d other", i)} {
			q, _ := Parse(s)
			qs = append(qs, q)
		}
	}
	return qs[:n]
}

func TestIndexLooksOnlyAtCandidates(t *testing.T) {
	es, _ := Extract([]byte(atomDoc), "https://alice.example/feed.atom")
	ix := NewIndex()
	qs := queries(10000)
	for _, s := range []string{"#golang", "@https://bob.example/feed.atom", "static site", "go"} {
		q, _ := Parse(s)
		qs = append(qs, q)
	}
	ix.Set(qs)
	if ix.Len() != 10004 {
		t.Fatalf("index holds %d queries", ix.Len())
	}
	got := map[string][]string{}
	for i := range es {
		for _, q := range ix.Match(&es[i]) {
			got[q] = append(got[q], es[i].ID)
		}
	}
	if len(got) != 4 || len(got["site static"]) != 1 || len(got["#golang"]) != 1 {
		t.Errorf("matches %v", got)
	}
	// Each entry verifies only the queries keyed by its terms: the 4
	// matches plus "site static" tried on the reply, which holds "static"
	// but not "site" — not 5 × 10,004.
	if n := ix.Checked(); n != 5 {
		t.Errorf("verified %d candidate queries for 5 entries among 10,004 queries", n)
	}
}

func TestIndexSetReplaces(t *testing.T) {
	ix := NewIndex()
	q1, _ := Parse("#a")
	q2, _ := Parse("#b")
	ix.Set([]Query{q1, q2, q1})
	if ix.Len() != 2 {
		t.Fatalf("len %d", ix.Len())
	}
	ix.Set([]Query{q2})
	e := Entry{ID: "x", Tags: []string{"a", "b"}}
	if got := ix.Match(&e); !slices.Equal(got, []string{"#b"}) {
		t.Errorf("after Set: %v", got)
	}
}

func TestExtractResolvesRelativeURLs(t *testing.T) {
	doc := `<feed xmlns="http://www.w3.org/2005/Atom"><id>x</id><title>t</title><updated>2026-01-01T00:00:00Z</updated>
<entry><id>e</id><title>t</title><updated>2026-01-01T00:00:00Z</updated><link href="posts/e/"/>
<link rel="mentioned" href="../bob/feed.atom"/></entry></feed>`
	es, err := Extract([]byte(doc), "https://host.example/alice/feed.atom")
	if err != nil || len(es) != 1 {
		t.Fatal(es, err)
	}
	e := es[0]
	if e.Link != "https://host.example/alice/posts/e/" || e.Mentioned[0].Href != "https://host.example/bob/feed.atom" || e.Base != "https://host.example/alice/" {
		t.Errorf("link %q, mentioned %q, base %q", e.Link, e.Mentioned[0].Href, e.Base)
	}
	q, _ := Parse("@https://host.example/bob/feed.atom")
	if !q.Matches(&e) {
		t.Error("a relative mention does not match its absolute feed URL")
	}
}
