package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// hostedSite runs feedpub init --host with args in a fresh directory,
// gives it a bare repository in t.TempDir() as origin, and writes a post.
func hostedSite(t *testing.T, args ...string) (dir, bare string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	root := t.TempDir()
	ok(t, root, append([]string{"init", "site", "--title", "Notes", "--author", "Alice", "--url", "https://alice.example/"}, args...)...)
	dir = filepath.Join(root, "site")
	bare = filepath.Join(root, "site.git")
	git(t, root, "init", "-q", "--bare", bare)
	git(t, dir, "remote", "add", "origin", bare)
	git(t, dir, "config", "user.email", "alice@alice.example")
	git(t, dir, "config", "user.name", "Alice")
	ok(t, dir, "post", "Hello from the recipe")
	return dir, bare
}

// The recipes of docs/HOSTING.md, run as written: init --host, publish,
// and what the host would serve.
func TestHostingRecipes(t *testing.T) {
	for _, host := range []string{"github-pages", "codeberg-pages"} {
		t.Run(host, func(t *testing.T) {
			dir, bare := hostedSite(t, "--host", host)
			ok(t, dir, "publish", "--wait", "0")
			pages := git(t, bare, "ls-tree", "-r", "--name-only", "pages")
			if !strings.Contains(pages, "\nfeed.atom\n") || !strings.HasPrefix(pages, ".nojekyll\n") {
				t.Errorf("branch pages:\n%s", pages)
			}
			branch := git(t, dir, "symbolic-ref", "--short", "HEAD")
			if files := git(t, bare, "ls-tree", "-r", "--name-only", branch); strings.Contains(files, "public/") || strings.Contains(files, ".feedpub") || !strings.Contains(files, "feedpub.toml") {
				t.Errorf("branch %s:\n%s", branch, files)
			}
		})
	}
	t.Run("netlify", func(t *testing.T) {
		dir, bare := hostedSite(t, "--host", "netlify")
		ok(t, dir, "publish", "--wait", "0")
		// The host clones and builds: the same bytes as the author's build.
		clone := filepath.Join(t.TempDir(), "clone")
		git(t, filepath.Dir(clone), "clone", "-q", "-b", git(t, dir, "symbolic-ref", "--short", "HEAD"), bare, clone)
		if _, err := os.Stat(filepath.Join(clone, "netlify.toml")); err != nil {
			t.Fatalf("netlify.toml was not pushed: %v", err)
		}
		ok(t, clone, "build")
		for _, f := range []string{"feed.atom", "feed.rss", "feed.json", "index.html"} {
			if readFile(t, filepath.Join(clone, "public", f)) != readFile(t, filepath.Join(dir, "public", f)) {
				t.Errorf("the host's build of %s differs from the author's", f)
			}
		}
	})
	t.Run("rsync", func(t *testing.T) {
		if _, err := exec.LookPath("rsync"); err != nil {
			t.Skip("rsync not installed")
		}
		www := filepath.Join(t.TempDir(), "www")
		dir, _ := hostedSite(t, "--host", "rsync", "--rsync", www+"/")
		ok(t, dir, "publish", "--wait", "0")
		if readFile(t, filepath.Join(www, "feed.atom")) != readFile(t, filepath.Join(dir, "public", "feed.atom")) {
			t.Error("the web server's feed.atom is not public/feed.atom")
		}
	})
}
