package dirstat_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rookery-social/rookery/publish/dirstat"
)

// Stat agrees with os.Stat on size and modification time, follows
// symbolic links, and reports missing files and directories as such.
func TestStatAgreesWithOSStat(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "posts", "k1"), 0o755); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(root, "posts", "k1", "index.html")
	if err := os.WriteFile(page, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 3, 1, 10, 0, 0, 123456789, time.UTC)
	if err := os.Chtimes(page, when, when); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(page, filepath.Join(root, "link.html")); err != nil {
		t.Fatal(err)
	}
	d := dirstat.Open(root)
	defer d.Close()
	fi, err := os.Stat(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"posts/k1/index.html", "link.html"} {
		got, ok := d.Stat(rel)
		if !ok || got.Size != 5 || got.ModTime != fi.ModTime().UnixNano() {
			t.Errorf("Stat(%s) = %+v, %v; want size 5, mtime %d", rel, got, ok, fi.ModTime().UnixNano())
		}
	}
	os.Remove(page)
	if got, ok := d.Stat("posts/k1/index.html"); ok {
		t.Errorf("a removed file still stats: %+v", got)
	}
	missing := dirstat.Open(filepath.Join(root, "nope"))
	defer missing.Close()
	if _, ok := missing.Stat("link.html"); ok {
		t.Error("a file under a missing root stats")
	}
}
