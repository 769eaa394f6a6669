package store

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rookery-social/rookery/aggregate/feedparse"
)

// TestSaveFeedWaitWaitsForEachEntryOldestFirst: SaveFeedWait asks for each
// entry once, oldest first (undated last), before storing it, and stores
// what the entry holds after the wait.
func TestSaveFeedWaitWaitsForEachEntryOldestFirst(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "r.db"), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f, err := s.EnsureFeed(ctx, "https://x.example/feed")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	entries := []feedparse.Entry{
		{ID: "new", Key: "new", Published: t0.Add(2 * time.Hour)},
		{ID: "undated", Key: "undated"},
		{ID: "old", Key: "old", Published: t0},
	}
	var waited []int
	wait := func(i int) {
		waited = append(waited, i)
		entries[i].Text = "filled " + entries[i].ID // what a sanitizer would set
	}
	refs, err := s.SaveFeedWait(ctx, f, nil, entries, t0.Add(3*time.Hour), wait)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{2, 0, 1}; !slices.Equal(waited, want) {
		t.Errorf("waited for %v, want %v", waited, want)
	}
	if len(refs) != 3 || refs[0].ID != "old" || refs[2].ID != "undated" {
		t.Errorf("refs %+v", refs)
	}
	var text string
	if err := s.db.QueryRowContext(ctx, `SELECT text FROM posts WHERE guid = 'new'`).Scan(&text); err != nil || text != "filled new" {
		t.Errorf("stored text %q (%v), want the text set during the wait", text, err)
	}
}
