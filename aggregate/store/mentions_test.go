package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/rookery-social/rookery/aggregate/feedparse"
)

// Mentions reads its candidates a page at a time: muted posts on the first
// pages must not cut the listing short, and the order stays newest first.
func TestMentionsPagesPastMutedPosts(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "r.db"), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const me = "https://me.example/feed.atom"
	f, err := s.EnsureFeed(ctx, "https://other.example/feed.atom")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var entries []feedparse.Entry
	for i := 0; i < 130; i++ { // newest 120 are muted, the oldest 10 are not
		text := fmt.Sprintf("post %d", i)
		if i >= 10 {
			text += " spoiler"
		}
		id := fmt.Sprintf("tag:other,2026:%d", i)
		entries = append(entries, feedparse.Entry{ID: id, Key: id, Text: text, HTML: text,
			Published: start.Add(time.Duration(i) * time.Minute), Mentions: []string{me}})
	}
	if _, err := s.SaveFeed(ctx, f, nil, entries, start); err != nil {
		t.Fatal(err)
	}
	got, err := s.Mentions(ctx, MentionQuery{Me: me, Limit: 5}, Filter{Words: []string{"spoiler"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("got %d mentions past 120 muted ones, want 5", len(got))
	}
	for i, p := range got {
		if want := fmt.Sprintf("post %d", 9-i); p.Text != want {
			t.Errorf("mention %d = %q, want %q (newest first)", i, p.Text, want)
		}
	}
	all, err := s.Mentions(ctx, MentionQuery{Me: me}, Filter{})
	if err != nil || len(all) != 130 {
		t.Fatalf("unlimited mentions: %d, %v; want 130", len(all), err)
	}
}
