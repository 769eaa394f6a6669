package site_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rookery-social/rookery/site"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

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

func contains(t *testing.T, what, doc string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(doc, w) {
			t.Errorf("%s does not contain %q", what, w)
		}
	}
}

func equalBytes(a, b []byte) bool { return bytes.Equal(a, b) }
