package workflow_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rookery-social/rookery/internal/testbin"
	"github.com/rookery-social/rookery/internal/testsite"
	"github.com/rookery-social/rookery/publish/workflow"
)

// hostedRepo is a site in a git repository with [publish] extra, one post,
// and a bare repository in t.TempDir() as its origin.
func hostedRepo(t *testing.T, publishTable string) (dir, bare string) {
	t.Helper()
	dir = t.TempDir()
	testsite.Add(t, dir, testsite.Config("https://alice.example/", publishTable)+
		"-- .gitignore --\n.feedpub/\npublic/\n"+
		testsite.Post("a1", "2026-02-01T10:00:00Z", "", "First post."))
	gitRun(t, dir, "init", "-q", "-b", "main")
	gitRun(t, dir, "config", "user.email", "alice@alice.example")
	gitRun(t, dir, "config", "user.name", "Alice")
	bare = filepath.Join(t.TempDir(), "site.git")
	gitRun(t, filepath.Dir(bare), "init", "-q", "--bare", bare)
	gitRun(t, dir, "remote", "add", "origin", bare)
	return dir, bare
}

func publishOnce(t *testing.T, dir string) string {
	t.Helper()
	var log bytes.Buffer
	o := workflow.Options{Dir: dir, Log: &log} // Wait 0: no live site here
	if err := workflow.Publish(context.Background(), o); err != nil {
		t.Fatalf("publish: %v\n%s", err, log.String())
	}
	return log.String()
}

// [publish] branch: public/ is pushed as the root of the branch (GitHub
// and Codeberg Pages), the posts without public/ on the current branch,
// one commit on the branch per change, continued from a fresh clone.
func TestPublishToPagesBranch(t *testing.T) {
	dir, bare := hostedRepo(t, "[publish]\nbranch = \"pages\"\ncommit_public = false\n")
	log := publishOnce(t, dir)
	if !strings.Contains(log, "pushed branch pages to origin") {
		t.Errorf("log:\n%s", log)
	}
	pages := gitRun(t, bare, "ls-tree", "-r", "--name-only", "pages")
	for _, want := range []string{".nojekyll", "feed.atom", "feed.rss", "feed.json", "index.html", "posts/a1/index.html"} {
		if !strings.Contains("\n"+pages+"\n", "\n"+want+"\n") {
			t.Errorf("branch pages lacks %s at its root:\n%s", want, pages)
		}
	}
	if local, _ := os.ReadFile(filepath.Join(dir, "public", "feed.atom")); gitRun(t, bare, "show", "pages:feed.atom") != strings.TrimSpace(string(local)) {
		t.Error("pages:feed.atom is not public/feed.atom")
	}
	main := gitRun(t, bare, "ls-tree", "-r", "--name-only", "main")
	if !strings.Contains(main, "posts/2026-02-01-a1.md") || !strings.Contains(main, ".gitignore") || strings.Contains(main, "public/") || strings.Contains(main, ".feedpub") {
		t.Errorf("branch main:\n%s", main)
	}
	if st := gitRun(t, dir, "status", "--porcelain"); st != "" {
		t.Errorf("the work tree is not clean after publishing:\n%s", st)
	}

	// Nothing new: no new commit on pages. A new post: one more.
	publishOnce(t, dir)
	if n := gitRun(t, bare, "rev-list", "--count", "pages"); n != "1" {
		t.Errorf("pages has %s commits after publishing nothing new, want 1", n)
	}
	testsite.Add(t, dir, testsite.Post("b2", "2026-02-02T10:00:00Z", "", "Second post."))
	publishOnce(t, dir)
	if n := gitRun(t, bare, "rev-list", "--count", "pages"); n != "2" || !strings.Contains(gitRun(t, bare, "ls-tree", "-r", "--name-only", "pages"), "posts/b2/index.html") {
		t.Errorf("pages after a new post: %s commits", n)
	}

	// From a fresh clone (no pages branch, no build state), the branch goes on.
	clone := filepath.Join(t.TempDir(), "clone")
	gitRun(t, filepath.Dir(clone), "clone", "-q", "-b", "main", bare, clone)
	gitRun(t, clone, "config", "user.email", "alice@alice.example")
	gitRun(t, clone, "config", "user.name", "Alice")
	testsite.Add(t, clone, testsite.Post("c3", "2026-02-03T10:00:00Z", "", "Third post, from another machine."))
	publishOnce(t, clone)
	if n := gitRun(t, bare, "rev-list", "--count", "pages"); n != "3" {
		t.Errorf("pages after publishing from a clone: %s commits, want 3", n)
	}
	// The branch checked out can't be the pages branch.
	gitRun(t, dir, "checkout", "-q", "-b", "pages2")
	os.WriteFile(filepath.Join(dir, "feedpub.toml"), []byte("title = \"A\"\nauthor = \"A\"\nurl = \"https://alice.example/\"\n[publish]\nbranch = \"pages2\"\n"), 0o644)
	if err := workflow.Publish(context.Background(), workflow.Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), `branch "pages2" is the branch checked out`) {
		t.Errorf("publishing to the branch checked out: %v", err)
	}
}

// [publish] rsync: public/ is copied to the destination, and what it no
// longer has is deleted there; the posts are committed and pushed.
func TestPublishWithRsync(t *testing.T) {
	testbin.Tool(t, "rsync", "apt-get install rsync")
	www := filepath.Join(t.TempDir(), "www")
	dir, bare := hostedRepo(t, "[publish]\nrsync = \""+www+"/\"\n")
	os.MkdirAll(www, 0o755)
	os.WriteFile(filepath.Join(www, "stale.html"), []byte("old"), 0o644)
	log := publishOnce(t, dir)
	got, err := os.ReadFile(filepath.Join(www, "feed.atom"))
	want, _ := os.ReadFile(filepath.Join(dir, "public", "feed.atom"))
	if err != nil || !bytes.Equal(got, want) || !strings.Contains(log, "copied public/ to "+www) {
		t.Fatalf("www/feed.atom: %v\n%s", err, log)
	}
	if _, err := os.Stat(filepath.Join(www, "stale.html")); !os.IsNotExist(err) {
		t.Errorf("a file public/ does not have was left at the destination: %v", err)
	}
	if main := gitRun(t, bare, "ls-tree", "-r", "--name-only", "main"); !strings.Contains(main, "posts/2026-02-01-a1.md") || strings.Contains(main, "public/") {
		t.Errorf("branch main:\n%s", main)
	}
}

// The commit message names the posts new, changed and deleted.
func TestPublishCommitMessageNamesPosts(t *testing.T) {
	dir, _ := hostedRepo(t, "[publish]\ncommit_public = false\n")
	testsite.Add(t, dir, testsite.Post("b2", "2026-02-02T10:00:00Z", "", "Second post.")+testsite.Post("c3", "2026-02-03T10:00:00Z", "", "Third post."))
	publishOnce(t, dir)
	if msg := gitRun(t, dir, "log", "-1", "--format=%B"); !strings.HasPrefix(msg, "feedpub: publish 3 new posts\n\nnew: a1 \"First post.\"\nnew: b2 \"Second post.\"\nnew: c3") {
		t.Errorf("first commit message:\n%s", msg)
	}
	testsite.Add(t, dir, testsite.Post("d4", "2026-02-04T10:00:00Z", "", "Fourth post.")+
		testsite.Post("b2", "2026-02-02T10:00:00Z", "", "Second post, edited.")+
		testsite.Post("c3", "2026-02-03T10:00:00Z", "deleted = 2026-02-05T00:00:00Z\n", ""))
	os.Remove(filepath.Join(dir, "posts", "2026-02-01-a1.md"))
	publishOnce(t, dir)
	want := "feedpub: publish 1 new, 1 changed, 2 deleted posts\n\nnew: d4 \"Fourth post.\"\nchanged: b2 \"Second post, edited.\"\ndeleted: 2026-02-01-a1\ndeleted: c3"
	if msg := gitRun(t, dir, "log", "-1", "--format=%B"); msg != want {
		t.Errorf("commit message:\n%s\nwant:\n%s", msg, want)
	}
}
