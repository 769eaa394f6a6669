package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rookery-social/rookery/aggregate/feedparse"
)

// TestDuplicateAndEditedEntriesKeepTheIndexSound saves a document that
// repeats an id (seen in the wild) and then edits it, checking search and
// the FTS5 integrity check.
func TestDuplicateAndEditedEntriesKeepTheIndexSound(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f, err := s.EnsureFeed(ctx, "https://x.example/feed")
	if err != nil {
		t.Fatal(err)
	}
	now := fakeNow()
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

// TestEditInOneBatchReplacesChildren: when a document repeats an id with
// other tags, mentions and reply, the post keeps only the last version's.
func TestEditInOneBatchReplacesChildren(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f, err := s.EnsureFeed(ctx, "https://x.example/feed")
	if err != nil {
		t.Fatal(err)
	}
	now := fakeNow()
	first := feedparse.Entry{ID: "same", Key: "same", Text: "one", Published: now, Tags: []string{"old"},
		Mentions: []string{"https://old.example/feed"}, InReplyTo: feedparse.InReplyTo{Ref: "old-parent"}}
	second := feedparse.Entry{ID: "same", Key: "same", Text: "two", Published: now, Tags: []string{"new", "go"},
		Mentions: []string{"https://new.example/feed"}, InReplyTo: feedparse.InReplyTo{Ref: "new-parent"}}
	if _, err := s.SaveFeed(ctx, f, nil, []feedparse.Entry{first, second}, now); err != nil {
		t.Fatal(err)
	}
	p, err := s.PostInFeed(ctx, f.URL, "same")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(p.Tags, ",") != "go,new" || strings.Join(p.Mentions, ",") != "https://new.example/feed" || p.InReplyTo != "new-parent" {
		t.Errorf("tags %v mentions %v reply %q, want the second version's only", p.Tags, p.Mentions, p.InReplyTo)
	}
}

// TestFTSAutomergeSetting: the index merges segments in eights (schema step 2).
func TestFTSAutomergeSetting(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v int
	if err := s.db.QueryRowContext(ctx, `SELECT v FROM posts_fts_config WHERE k = 'automerge'`).Scan(&v); err != nil || v != 8 {
		t.Errorf("automerge = %d (%v), want 8", v, err)
	}
}
