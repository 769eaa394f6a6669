package publish_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/rookery-social/rookery/publish"
)

// writeSite extracts a txtar site description into a new directory.
func writeSite(t *testing.T, archive string) string {
	t.Helper()
	dir := t.TempDir()
	addFiles(t, dir, archive)
	os.MkdirAll(filepath.Join(dir, "posts"), 0o755)
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

func config(url string, extra string) string {
	return "-- feedpub.toml --\ntitle = \"Alice\"\nauthor = \"Alice A.\"\nurl = \"" + url + "\"\n" + extra
}

func post(key, published, extra, body string) string {
	return "-- posts/" + published[:10] + "-" + key + ".md --\n+++\nkey = \"" + key + "\"\npublished = " + published + "\n" + extra + "+++\n" + body + "\n"
}

func manyPosts(n int) string {
	var b strings.Builder
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		ts := start.Add(time.Duration(i) * time.Hour).Format(time.RFC3339)
		b.WriteString(post(keyN(i), ts, "", "Post number "+keyN(i)))
	}
	return b.String()
}

func keyN(i int) string { return "p" + string(rune('a'+i/26)) + string(rune('a'+i%26)) }

func loadSite(t *testing.T, dir string) *publish.Site {
	t.Helper()
	s, err := publish.LoadSite(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// docs renders the site's feed documents by path.
func docs(t *testing.T, s *publish.Site) map[string][]byte {
	t.Helper()
	ds, err := s.FeedDocuments()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, d := range ds {
		out[d.Path] = d.Data
	}
	return out
}

// tool returns the path of an external program, skipping the test when it
// is missing unless ROOKERY_REQUIRE_TOOLS=1.
func tool(t *testing.T, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("ROOKERY_REQUIRE_TOOLS") == "1" {
		t.Fatalf("%s is required (ROOKERY_REQUIRE_TOOLS=1): %s", name, install)
	}
	t.Skipf("%s not installed (%s); skipping", name, install)
	return ""
}
