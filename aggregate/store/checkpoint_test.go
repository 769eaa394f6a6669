package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rookery-social/rookery/aggregate/feedparse"
)

// TestSavedPostsReachTheDatabaseFile: SaveFeed leaves SQLite's checkpoint
// to a background one, which still copies the WAL into the database file
// while the store is open, and the posts read back after a reopen.
func TestSavedPostsReachTheDatabaseFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	s, err := Open(ctx, path, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }() // the reopened store
	before := fileSize(t, path)
	f, err := s.EnsureFeed(ctx, "https://x.example/feed")
	if err != nil {
		t.Fatal(err)
	}
	now := fakeNow()
	for batch := range 5 {
		var entries []feedparse.Entry
		for i := range 500 {
			id := fmt.Sprintf("p%d-%d", batch, i)
			text := strings.Repeat("words to store ", 20) + id
			entries = append(entries, feedparse.Entry{ID: id, Key: id, Text: text, HTML: "<p>" + text + "</p>", Published: now})
		}
		if _, err := s.SaveFeed(ctx, f, nil, entries, now); err != nil {
			t.Fatal(err)
		}
	}
	s.checkpoints.Wait()
	if got := fileSize(t, path); got < before+1<<20 {
		t.Errorf("database file is %d bytes after saving 2,500 posts (%d before): the WAL was not checkpointed into it", got, before)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, path, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM posts`).Scan(&n); err != nil || n != 2500 {
		t.Fatalf("after reopening: %d posts (%v), want 2500", n, err)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
