package dirstat_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// ReadFile returns what os.ReadFile and os.Stat do, and errors that name
// the file and match os.ErrNotExist for a missing one.
func TestReadFile(t *testing.T) {
	root := t.TempDir()
	want := []byte("+++\nkey = \"a\"\n+++\nhello\n")
	path := filepath.Join(root, "a.md")
	if err := os.WriteFile(path, want, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(root, "dir.md"), 0o755)
	os.WriteFile(filepath.Join(root, "empty.md"), nil, 0o644)
	d := dirstat.Open(root)
	defer d.Close()
	got, info, err := d.ReadFile("a.md")
	fi, _ := os.Stat(path)
	if err != nil || string(got) != string(want) || info.Size != int64(len(want)) || info.ModTime != fi.ModTime().UnixNano() {
		t.Errorf("ReadFile(a.md) = %q, %+v, %v", got, info, err)
	}
	if got, _, err := d.ReadFile("empty.md"); err != nil || len(got) != 0 {
		t.Errorf("ReadFile(empty.md) = %q, %v", got, err)
	}
	if _, _, err := d.ReadFile("missing.md"); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), filepath.Join(root, "missing.md")) {
		t.Errorf("missing file: %v", err)
	}
	if _, _, err := d.ReadFile("dir.md"); err == nil {
		t.Error("reading a directory succeeded")
	}
}

// Names lists what os.ReadDir does (many entries, over several getdents
// calls), without directories (or links to them) when asked for files,
// and fails clearly on a missing directory.
func TestNames(t *testing.T) {
	root := t.TempDir()
	var files []string
	for i := range 3000 { // more than one 64 KiB getdents buffer
		name := fmt.Sprintf("2026-03-01-post-with-a-longish-name-%04d.md", i)
		files = append(files, name)
		if err := os.WriteFile(filepath.Join(root, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(root, "sub.md"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("sub.md", filepath.Join(root, "dirlink.md")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(files[0], filepath.Join(root, "filelink.md")); err != nil {
		t.Fatal(err)
	}
	all, err := dirstat.Names(root, false)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(all)
	want := slices.Sorted(slices.Values(append(slices.Clone(files), "sub.md", "dirlink.md", "filelink.md")))
	if !slices.Equal(all, want) {
		t.Errorf("Names(all): %d names, want %d", len(all), len(want))
	}
	got, err := dirstat.Names(root, true)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	want = slices.Sorted(slices.Values(append(slices.Clone(files), "filelink.md")))
	if !slices.Equal(got, want) {
		t.Errorf("Names(files): %d names, want %d (no directories)", len(got), len(want))
	}
	if _, err := dirstat.Names(filepath.Join(root, "nope"), true); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope") {
		t.Errorf("missing directory: %v", err)
	}
}
