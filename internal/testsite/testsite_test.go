package testsite

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteAndAdd(t *testing.T) {
	dir := Write(t, Config("https://alice.example/", "feed_size = 3\n")+ManyPosts(2))
	Add(t, dir, Post("late", "2031-01-01T10:00:00Z", "tags = [\"go\"]\n", "Later."))
	want := map[string]string{
		"feedpub.toml":             "title = \"Alice\"\nauthor = \"Alice A.\"\nurl = \"https://alice.example/\"\nfeed_size = 3\n",
		"posts/2026-01-01-paa.md":  "+++\nkey = \"paa\"\npublished = 2026-01-01T00:00:00Z\n+++\nPost number paa\n",
		"posts/2026-01-01-pab.md":  "+++\nkey = \"pab\"\npublished = 2026-01-01T01:00:00Z\n+++\nPost number pab\n",
		"posts/2031-01-01-late.md": "+++\nkey = \"late\"\npublished = 2031-01-01T10:00:00Z\ntags = [\"go\"]\n+++\nLater.\n",
	}
	for name, content := range want {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil || string(b) != content {
			t.Errorf("%s: %q, %v; want %q", name, b, err, content)
		}
	}
	if fi, err := os.Stat(filepath.Join(Write(t, ""), "posts")); err != nil || !fi.IsDir() {
		t.Errorf("an empty site has no posts directory: %v", err)
	}
	if KeyN(27) != "pbb" {
		t.Errorf("KeyN(27) = %q", KeyN(27))
	}
}
