package store

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/rookery-social/rookery/aggregate/feedparse"
)

// TestStoredDigestsAnswersForOneFeedInOneCall checks the repoll shortcut:
// the digests of the asked keys stored for this feed, and nothing else.
func TestStoredDigestsAnswersForOneFeedInOneCall(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := fakeNow()
	feeds := map[string]Feed{}
	for _, u := range []string{"https://a.example/feed", "https://b.example/feed"} {
		f, err := s.EnsureFeed(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		feeds[u] = f
	}
	a, b := feeds["https://a.example/feed"], feeds["https://b.example/feed"]
	save := func(f Feed, key, dig string) {
		t.Helper()
		e := feedparse.Entry{ID: key, Key: key, Text: key, HTML: key, Published: now, Digest: dig}
		if _, err := s.SaveFeed(ctx, f, nil, []feedparse.Entry{e}, now); err != nil {
			t.Fatal(err)
		}
	}
	save(a, "one", "d1")
	save(a, "two", "d2")
	save(b, "three", "d3")
	got, err := s.StoredDigests(ctx, a.ID, []string{"one", "two", "three", "four", `quote"s`})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["one"] != "d1" || got["two"] != "d2" {
		t.Errorf("stored digests of feed a = %v, want one:d1 two:d2 (three is feed b's)", got)
	}
}
