// Package testsite describes an author's site for tests as a txtar
// archive (feedpub.toml, posts/*.md, theme files), the way hugo's
// integration tests describe theirs, and writes it to a directory. It is
// used only from tests.
//
// # Example
//
//	dir := testsite.Write(t, testsite.Config("https://alice.example/", "")+
//		testsite.Post("p1", "2031-01-01T10:00:00Z", "", "Hello."))
package testsite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"
)

// Write extracts a txtar site description into a new temporary directory,
// with a posts/ directory even when the archive has no post, and returns
// the directory.
func Write(t testing.TB, archive string) string {
	t.Helper()
	dir := t.TempDir()
	Add(t, dir, archive)
	if err := os.MkdirAll(filepath.Join(dir, "posts"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Add extracts a txtar archive into dir, replacing files of the same name.
func Add(t testing.TB, dir, archive string) {
	t.Helper()
	for _, f := range txtar.Parse([]byte(archive)).Files {
		path := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Config is a feedpub.toml for Alice's site at url; extra is appended as
// more TOML lines.
func Config(url, extra string) string {
	return "-- feedpub.toml --\ntitle = \"Alice\"\nauthor = \"Alice A.\"\nurl = \"" + url + "\"\n" + extra
}

// Post is one post file: its key, its RFC 3339 publication time, extra
// TOML front-matter lines and its Markdown body.
func Post(key, published, extra, body string) string {
	return "-- posts/" + published[:10] + "-" + key + ".md --\n+++\nkey = \"" + key + "\"\npublished = " + published + "\n" + extra + "+++\n" + body + "\n"
}

// ManyPosts is n posts one hour apart from 2026-01-01T00:00:00Z, keyed
// KeyN(0), KeyN(1), …
func ManyPosts(n int) string {
	var b strings.Builder
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		ts := start.Add(time.Duration(i) * time.Hour).Format(time.RFC3339)
		b.WriteString(Post(KeyN(i), ts, "", "Post number "+KeyN(i)))
	}
	return b.String()
}

// KeyN is the key of the i-th of ManyPosts: paa, pab, …
func KeyN(i int) string { return "p" + string(rune('a'+i/26)) + string(rune('a'+i%26)) }
