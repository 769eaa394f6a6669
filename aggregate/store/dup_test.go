package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/rookery-social/rookery/aggregate/feedparse"
)

// TestDuplicateAndEditedEntriesKeepTheIndexSound saves a document that
// repeats an id (seen in the wild) and then edits it, checking search and
// the FTS5 integrity check.
func TestDuplicateAndEditedEntriesKeepTheIndexSound(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f, err := s.EnsureFeed(ctx, "https://x.example/feed")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	e := func(text string) feedparse.Entry {
		return feedparse.Entry{ID: "same", Key: "same", Text: text, HTML: text, Published: now}
	}
	save := func(entries ...feedparse.Entry) {
		t.Helper()
		if _, err := s.SaveFeed(ctx, f, nil, entries, now); err != nil {
			t.Fatal(err)
		}
	}
	save(e("alpha"), e("beta"), e("gamma"))
	save(e("delta"))
	save(feedparse.Entry{ID: "other", Key: "other", Text: "epsilon", Published: now}, e("zeta"))
	if _, err := s.db.ExecContext(ctx, `INSERT INTO posts_fts(posts_fts, rank) VALUES('integrity-check', 1)`); err != nil {
		t.Fatalf("FTS index corrupt: %v", err)
	}
	for word, want := range map[string]int{"alpha": 0, "gamma": 0, "delta": 0, "zeta": 1, "epsilon": 1} {
		got, err := s.Search(ctx, SearchQuery{Text: word}, Filter{})
		if err != nil || len(got) != want {
			t.Errorf("search %q: %v, %d hits, want %d", word, err, len(got), want)
		}
	}
}
