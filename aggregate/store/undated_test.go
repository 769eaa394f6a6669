package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/rookery-social/rookery/aggregate/feedparse"
)

// Entries without a date take the time they were first seen, but never
// come above the dated posts of the same fetch; they say they are undated.
func TestUndatedEntriesFollowTheDatedPostsOfTheirFetch(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f, err := s.EnsureFeed(ctx, "https://x.example/feed.rss")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Follow(ctx, f.ID, "x"); err != nil {
		t.Fatal(err)
	}
	fetch1 := time.Date(2031, 1, 2, 0, 0, 0, 0, time.UTC)
	dated := time.Date(2031, 1, 1, 10, 0, 0, 0, time.UTC)
	entry := func(key string, pub time.Time) feedparse.Entry {
		return feedparse.Entry{ID: key, Key: key, Text: key, HTML: key, Published: pub}
	}
	save := func(now time.Time, entries ...feedparse.Entry) {
		t.Helper()
		if _, err := s.SaveFeed(ctx, f, nil, entries, now); err != nil {
			t.Fatal(err)
		}
	}
	save(fetch1, entry("undated-1", time.Time{}), entry("dated", dated), entry("undated-2", time.Time{}))
	fetch2 := fetch1.Add(time.Hour)
	save(fetch2, entry("undated-3", time.Time{}))

	posts, err := s.Timeline(ctx, TimelineQuery{Limit: 10}, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range posts {
		got = append(got, p.ID)
	}
	want := []string{"undated-3", "dated", "undated-2", "undated-1"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("timeline order %v, want %v", got, want)
	}
	for _, p := range posts {
		if p.Undated != (p.ID != "dated") {
			t.Errorf("%s: Undated = %v", p.ID, p.Undated)
		}
	}
	if !posts[0].Published.Equal(fetch2) || !posts[2].Published.Equal(dated.Add(-time.Second)) {
		t.Errorf("undated dates %s, %s; want %s (first seen alone), %s (just before the dated post)",
			posts[0].Published, posts[2].Published, fetch2, dated.Add(-time.Second))
	}
	// The entry gains a date on an edit: it is no longer undated.
	save(fetch2.Add(time.Hour), feedparse.Entry{ID: "undated-3", Key: "undated-3", Text: "now dated", HTML: "now dated", Published: dated.Add(time.Minute)})
	p, err := s.PostByKey(ctx, "undated-3", "")
	if err != nil || p.Undated || !p.Published.Equal(dated.Add(time.Minute)) {
		t.Errorf("after the edit: %v, undated %v, published %s", err, p.Undated, p.Published)
	}
}
