package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rookery-social/rookery/aggregate/web/webtest"
	"github.com/rookery-social/rookery/internal/testsite"
)

// TestCLIReply: `reader reply ID TEXT --no-publish` writes the reply into
// the site the config names, pointing at the post's permalink; without a
// site, the acting commands say how to name one.
func TestCLIReply(t *testing.T) {
	e := newEnv(t)
	bob := webtest.NewAuthor(t, "bob", "", webtest.Posts(2)...)
	e.ok("follow", bob.FeedURL(), "--nick", "bob")
	id := bob.ID("p001")
	for _, args := range [][]string{{"reply", id, "hi"}, {"like", id}} {
		_, errs, code := e.run(args...)
		if code != 1 || !strings.Contains(errs, `site = "/path/to/site"`) {
			t.Errorf("%s without a site: exit %d, %q", args[0], code, errs)
		}
	}
	site := testsite.Write(t, testsite.Config("https://me.example/", ""))
	config := filepath.Join(t.TempDir(), "reader.toml")
	if err := os.WriteFile(config, []byte("site = \""+site+"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.config = config
	out := e.ok("reply", id, "Well", "said", "--no-publish")
	if !strings.Contains(out, "wrote your reply: "+filepath.Join(site, "posts")) || !strings.Contains(out, "feedpub publish") {
		t.Errorf("reply said %q", out)
	}
	files, _ := filepath.Glob(filepath.Join(site, "posts", "*.md"))
	if len(files) != 1 {
		t.Fatalf("post files: %v", files)
	}
	b, _ := os.ReadFile(files[0])
	if !strings.Contains(string(b), "Well said") || !strings.Contains(string(b), bob.PostURL("p001")) {
		t.Errorf("the reply's file:\n%s", b)
	}
	if _, errs, code := e.run("reply", "tag:nobody", "x", "--no-publish"); code != 1 || !strings.Contains(errs, "no stored post") {
		t.Errorf("reply to an unknown post: exit %d, %q", code, errs)
	}
	if _, errs, code := e.run("reply", id); code != 2 || !strings.Contains(errs, "usage: reader reply ID|URL TEXT...") {
		t.Errorf("reply without text: exit %d, %q", code, errs)
	}
}
