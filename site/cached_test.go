package site

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rookery-social/rookery/publish"
)

// A list page rendered from entries of the build state, before anything
// else (feeds, post pages) decoded them in full, is the page the build
// wrote from parsed posts.
func TestListFromCachedEntries(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"feedpub.toml":               "title = \"Alice's notes\"\nauthor = \"Alice\"\nurl = \"https://alice.example/\"\n[following]\nbob = \"https://bob.example/feed.atom\"\n",
		"posts/2026-03-01-first1.md": "+++\nkey = \"first1\"\npublished = 2026-03-01T10:00:00Z\ntags = [\"go\"]\n+++\nHello, *world*, says @bob.\n",
		"posts/2026-03-03-reply3.md": "+++\nkey = \"reply3\"\npublished = 2026-03-03T12:00:00Z\n[reply_to]\nref = \"tag:bob.example,2026:posts/abc\"\nhref = \"https://bob.example/posts/abc/\"\nsource = \"https://bob.example/feed.atom\"\n+++\nI agree.\n",
	}
	for name, body := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Build(Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(dir, DefaultOut, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := filepath.Abs(filepath.Join(dir, DefaultOut))
	st := loadState(dir, out)
	s, err := publish.LoadSiteCached(dir, &st.Entries)
	if err != nil || st.Entries.Changed() || len(s.Entries) != 2 {
		t.Fatalf("loading from the build state: %v, changed %v, %d entries", err, st.Entries.Changed(), len(s.Entries))
	}
	th, err := loadTheme()
	if err != nil {
		t.Fatal(err)
	}
	info := newSiteInfo(s.Config)
	sh, err := th.newShared(info, s.Config)
	if err != nil {
		t.Fatal(err)
	}
	main, _ := s.Pages()
	got, err := th.renderList(s, sh, info, main)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("index.html from cached entries:\n%s\nwant\n%s", got, want)
	}
}
