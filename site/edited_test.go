package site_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/testsite"
	"github.com/rookery-social/rookery/site"
)

// editPost rewrites a post file as an editor would, saved at mtime.
func editPost(t *testing.T, path, content string, mtime time.Time) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

// A body edited by hand moves the post's updated on the next build, to
// when the edit was saved, written into its front matter; an edit that
// sets updated itself, or only touches the front matter, is left alone.
func TestEditedBodyMovesUpdated(t *testing.T) {
	dir := testsite.Write(t, "-- feedpub.toml --\ntitle = \"A\"\nauthor = \"A\"\nurl = \"https://alice.example/\"\n"+
		testsite.Post("k1", "2031-01-01T00:00:00Z", "tags = [\"x\"]\n", "Original text.")+testsite.Post("k2", "2031-01-01T01:00:00Z", "", "Other post."))
	build(t, dir)
	path := filepath.Join(dir, "posts", "2031-01-01-k1.md")
	saved := time.Date(2031, 1, 2, 3, 4, 5, 600, time.UTC)
	editPost(t, path, "+++\nkey = \"k1\"\npublished = 2031-01-01T00:00:00Z\ntags = [\"x\"]\n+++\nEdited text.\n", saved)
	build(t, dir)
	want := "+++\nkey = \"k1\"\npublished = 2031-01-01T00:00:00Z\nupdated = 2031-01-02T03:04:05Z\ntags = [\"x\"]\n+++\nEdited text.\n"
	if got := readFile(t, path); got != want {
		t.Fatalf("post file after the build:\n%s\nwant:\n%s", got, want)
	}
	contains(t, "feed.atom", read(t, dir, "feed.atom"), "<updated>2031-01-02T03:04:05Z</updated>", "Edited text.")
	if res := build(t, dir); len(res.Written) != 0 || readFile(t, path) != want {
		t.Errorf("a build after that wrote %v", res.Written)
	}
	// A fresh build elsewhere (another machine, a host that builds) gives the same feed.
	other := filepath.Join(t.TempDir(), "out")
	if _, err := site.Build(site.Options{Dir: dir, Out: other}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(other, "feed.atom")); string(b) != read(t, dir, "feed.atom") {
		t.Error("a fresh build gives another feed.atom")
	}

	// Saved with a clock behind the last updated: a second after it.
	editPost(t, path, strings.Replace(want, "Edited text.", "Edited again.", 1), time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC))
	build(t, dir)
	if got := readFile(t, path); !strings.Contains(got, "\nupdated = 2031-01-02T03:04:06Z\n") || strings.Count(got, "updated") != 1 {
		t.Errorf("post file:\n%s", got)
	}
	// updated set by hand with the edit: kept.
	editPost(t, path, "+++\nkey = \"k1\"\npublished = 2031-01-01T00:00:00Z\nupdated = 2031-03-03T00:00:00Z\n+++\nThird edit.\n", saved)
	build(t, dir)
	if got := readFile(t, path); !strings.Contains(got, "\nupdated = 2031-03-03T00:00:00Z\n") {
		t.Errorf("an updated set by hand was changed:\n%s", got)
	}
	// Only the front matter changed: updated stays.
	other2 := filepath.Join(dir, "posts", "2031-01-01-k2.md")
	editPost(t, other2, "+++\nkey = \"k2\"\npublished = 2031-01-01T01:00:00Z\ntags = [\"new\"]\n+++\nOther post.\n", saved)
	build(t, dir)
	if got := readFile(t, other2); strings.Contains(got, "updated") {
		t.Errorf("a tag change moved updated:\n%s", got)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
