package feedparse

import (
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
