package feedparse

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestParseStreamSanitizesEveryEntryInAnyOrder: entries are ready once
// Wait returns, whatever order is asked for; an order that is not a
// permutation of the entries falls back to document order.
func TestParseStreamSanitizesEveryEntryInAnyOrder(t *testing.T) {
	doc := []byte(longAtom(40))
	reverse := func(es []Entry) []int {
		out := make([]int, len(es))
		for i := range out {
			out[i] = len(es) - 1 - i
		}
		return out
	}
	short := func(es []Entry) []int { return []int{0, 0, 1} }
	for name, order := range map[string]func([]Entry) []int{"reverse": reverse, "not a permutation": short, "document": nil} {
		st, err := NewParser(0).ParseStream(doc, nil, "https://a.example/feed.atom", nil, order)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Feed.Entries) != 40 {
			t.Fatalf("%s: %d entries, want 40", name, len(st.Feed.Entries))
		}
		for i := len(st.Feed.Entries) - 1; i >= 0; i-- {
			st.Wait(i)
			e := st.Feed.Entries[i]
			if !strings.Contains(e.HTML, `href="https://a.example/blog/rel/`) || e.Text == "" || e.Digest == "" {
				t.Errorf("%s: entry %d after Wait: html %q text %q digest %q", name, i, e.HTML, e.Text, e.Digest)
			}
		}
		st.WaitAll()
	}
}

// TestParseStreamMarksKnownEntriesUnchanged: an entry stored with its
// current digest is Unchanged and not sanitized; one stored with another
// digest is sanitized again.
func TestParseStreamMarksKnownEntriesUnchanged(t *testing.T) {
	doc := []byte(longAtom(12))
	p := NewParser(0)
	first, err := p.Parse(doc, nil, "https://a.example/feed.atom")
	if err != nil {
		t.Fatal(err)
	}
	known := func(keys []string) map[string]string {
		if !slices.Contains(keys, first.Entries[3].Key) {
			t.Errorf("known asked for %v, without entry 3's key", keys)
		}
		return map[string]string{first.Entries[3].Key: first.Entries[3].Digest, first.Entries[4].Key: "old"}
	}
	st, err := p.ParseStream(doc, nil, "https://a.example/feed.atom", known, nil)
	if err != nil {
		t.Fatal(err)
	}
	st.WaitAll()
	if e := st.Feed.Entries[3]; !e.Unchanged || e.HTML != "" {
		t.Errorf("entry stored with its digest: unchanged %v, html %q", e.Unchanged, e.HTML)
	}
	if e := st.Feed.Entries[4]; e.Unchanged || e.HTML == "" {
		t.Errorf("entry stored with another digest: unchanged %v, html %q", e.Unchanged, e.HTML)
	}
}

// longAtom is an Atom document of n entries, some replying and mentioning.
func longAtom(n int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0" xml:base="https://a.example/blog/">
<title>A</title><id>tag:a.example,2026:feed</id><link rel="self" href="feed.atom"/><author><name>A</name></author>
<!-- a comment with <entry> in it -->
`)
	for i := range n {
		fmt.Fprintf(&b, `<entry><id>tag:a.example,2026:%d</id><title>Post %d</title><link href="p/%d/"/>
<updated>2026-01-02T03:04:05Z</updated><category term="go"/>
<content type="html"><![CDATA[<p>Body %d with <a href="rel/%d">a link</a> and </entry> in CDATA</p>]]></content>`, i, i, i, i, i)
		if i%3 == 0 {
			fmt.Fprintf(&b, `<link rel="mentioned" href="https://b.example/feed.atom"/><thr:in-reply-to ref="tag:b,%d" href="https://b.example/%d"/>`, i, i)
		}
		b.WriteString("</entry>\n")
	}
	b.WriteString(`<link rel="prev-archive" href="archive/1.atom"/></feed>`)
	return b.String()
}
