package site_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/rookery-social/rookery/site"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// writeSite extracts a txtar site description into a new directory.
func writeSite(t *testing.T, archive string) string {
	t.Helper()
	dir := t.TempDir()
	addFiles(t, dir, archive)
	if err := os.MkdirAll(filepath.Join(dir, "posts"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func addFiles(t *testing.T, dir, archive string) {
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

func build(t *testing.T, dir string) *site.Result {
	t.Helper()
	res, err := site.Build(site.Options{Dir: dir})
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	return res
}

func read(t *testing.T, dir, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "public", filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// outputs maps every file under DIR/public to its content.
func outputs(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	root := filepath.Join(dir, "public")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// post returns a post file for a txtar archive.
func post(key, published, extra, body string) string {
	return "-- posts/" + published[:10] + "-" + key + ".md --\n+++\nkey = \"" + key + "\"\npublished = " + published + "\n" + extra + "+++\n" + body + "\n"
}

// manyPosts returns n posts one hour apart starting at 2026-01-01T00:00:00Z.
func manyPosts(n int) string {
	var b strings.Builder
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		ts := start.Add(time.Duration(i) * time.Hour).Format(time.RFC3339)
		b.WriteString(post(keyN(i), ts, "", "Post number "+string(rune('A'+i))))
	}
	return b.String()
}

func keyN(i int) string { return "p" + string(rune('a'+i/26)) + string(rune('a'+i%26)) }

func contains(t *testing.T, what, doc string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(doc, w) {
			t.Errorf("%s does not contain %q", what, w)
		}
	}
}

func equalBytes(a, b []byte) bool { return bytes.Equal(a, b) }
