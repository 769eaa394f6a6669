package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/aggregate/feedparse"
)

// TestOnlyHTTPURLsAreStored: whatever a caller hands the store, a URL that
// is not an absolute http(s) URL is never kept, in any field.
func TestOnlyHTTPURLsAreStored(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "r.db"), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f, err := s.EnsureFeed(ctx, "https://evil.example/feed.atom")
	if err != nil {
		t.Fatal(err)
	}
	const js = "javascript:alert(document.cookie)"
	bad := []string{js, "JavaScript:alert(1)", "data:text/html,<script>x</script>", "/relative", "vbscript:msgbox", "http://"}
	now := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	var entries []feedparse.Entry
	for i, u := range bad {
		id := "tag:evil," + string(rune('a'+i))
		entries = append(entries, feedparse.Entry{ID: id, Key: id, Text: "t", HTML: "t", Published: now,
			URL: u, InReplyTo: feedparse.InReplyTo{Ref: "tag:x", Href: u, Source: u},
			Mentions: []string{u, "https://ok.example/feed.atom"}, Links: []string{u},
			Enclosures: []feedparse.Enclosure{{URL: u, Type: "audio/mpeg"}, {URL: "https://ok.example/a.mp3"}}})
	}
	meta := &FeedMeta{Title: "Evil", SiteURL: js, Self: js, Hubs: []string{js, "https://hub.example/"}}
	if _, err := s.SaveFeed(ctx, f, meta, entries, now); err != nil {
		t.Fatal(err)
	}
	checks := map[string]string{
		"permalink":      `SELECT url FROM posts`,
		"reply href":     `SELECT href FROM replies`,
		"reply source":   `SELECT source FROM replies`,
		"mentions":       `SELECT url FROM post_mentions`,
		"enclosures":     `SELECT enclosures FROM posts`,
		"feed site link": `SELECT site_url FROM feeds`,
		"feed self":      `SELECT self FROM feeds`,
		"feed hubs":      `SELECT hubs FROM feeds`,
	}
	for field, q := range checks {
		rows, err := s.db.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v string
			rows.Scan(&v)
			for _, u := range bad {
				if u != "http://" && strings.Contains(strings.ToLower(v), strings.ToLower(u)) || v == "http://" {
					t.Errorf("%s stored %q", field, v)
				}
			}
		}
		rows.Close()
	}
	var kept int
	s.db.QueryRowContext(ctx, `SELECT count(*) FROM post_mentions WHERE url = 'https://ok.example/feed.atom'`).Scan(&kept)
	if kept != len(bad) {
		t.Errorf("%d http mentions kept, want %d", kept, len(bad))
	}
	var hubs string
	s.db.QueryRowContext(ctx, `SELECT hubs FROM feeds`).Scan(&hubs)
	if hubs != "https://hub.example/" {
		t.Errorf("hubs %q, want the http one kept", hubs)
	}
}
