package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/testbin"
	"github.com/rookery-social/rookery/internal/testwait"
)

// feedpub is the binary built once for the whole test run.
var feedpub string

func TestMain(m *testing.M) {
	testbin.Main(m, map[string]*string{".": &feedpub})
}

type result struct {
	code           int
	stdout, stderr string
}

// feedpubRun runs feedpub with args in dir, with stdin and extra environment.
func feedpubRun(t *testing.T, dir, stdin string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(feedpub, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

// ok runs feedpub and fails the test unless it exits 0.
func ok(t *testing.T, dir string, args ...string) string {
	t.Helper()
	r := feedpubRun(t, dir, "", nil, args...)
	if r.code != 0 {
		t.Fatalf("feedpub %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

func fails(t *testing.T, r result, wants ...string) {
	t.Helper()
	if r.code == 0 {
		t.Fatalf("want a failure, got success:\n%s", r.stdout)
	}
	for _, w := range wants {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr does not say %q:\n%s", w, r.stderr)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// newSite runs feedpub init in a fresh directory and returns the site dir.
func newSite(t *testing.T, base string, extra ...string) string {
	t.Helper()
	root := t.TempDir()
	ok(t, root, append([]string{"init", "site", "--title", "Alice's notes", "--author", "Alice", "--url", base}, extra...)...)
	return filepath.Join(root, "site")
}

func TestInitPostBuild(t *testing.T) {
	root := t.TempDir()
	out := ok(t, root, "init", "site", "--title", "Alice's notes", "--author", "Alice", "--url", "https://alice.example/",
		"--hub", "https://hub.example/", "--hub", "https://hub2.example/")
	dir := filepath.Join(root, "site")
	if !strings.Contains(out, "feedpub.toml") {
		t.Errorf("init says %q", out)
	}
	cfg := readFile(t, filepath.Join(dir, "feedpub.toml"))
	for _, w := range []string{`title = "Alice's notes"`, `url = "https://alice.example/"`, `hubs = ["https://hub.example/", "https://hub2.example/"]`, "[following]"} {
		if !strings.Contains(cfg, w) {
			t.Errorf("feedpub.toml lacks %s:\n%s", w, cfg)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "posts")); err != nil || !fi.IsDir() {
		t.Errorf("no posts/ directory: %v", err)
	}
	fails(t, feedpubRun(t, root, "", nil, "init", "site", "--title", "T", "--author", "A", "--url", "https://a.example/"), "already exists")

	// Flags after the text, and --dir before it.
	path := filepath.Join(root, strings.TrimSpace(ok(t, root, "post", "--dir", "site", "hello from the command line", "--tag", "Go", "--tag", "#web")))
	post := readFile(t, path)
	if !strings.HasPrefix(post, "+++\nkey = \"") || !strings.Contains(post, `tags = ["go", "web"]`) || !strings.HasSuffix(post, "+++\nhello from the command line\n") {
		t.Errorf("post file %s:\n%s", path, post)
	}
	// Text from stdin; --dir defaults to the current directory.
	r := feedpubRun(t, dir, "from *stdin*\n", nil, "post")
	if r.code != 0 || !strings.Contains(readFile(t, filepath.Join(dir, strings.TrimSpace(r.stdout))), "from *stdin*") {
		t.Fatalf("post from stdin: %+v", r)
	}
	// Text from $EDITOR when stdin is not piped.
	editor := filepath.Join(t.TempDir(), "editor.sh")
	os.WriteFile(editor, []byte("#!/bin/sh\necho 'written in the editor' > \"$1\"\n"), 0o755)
	r = feedpubRun(t, dir, "", []string{"EDITOR=" + editor}, "post")
	if r.code != 0 || !strings.Contains(readFile(t, filepath.Join(dir, strings.TrimSpace(r.stdout))), "written in the editor") {
		t.Fatalf("post from $EDITOR: %+v", r)
	}
	fails(t, feedpubRun(t, dir, "", []string{"EDITOR=true"}, "post"), "no text")
	fails(t, feedpubRun(t, dir, "", nil, "post", "hi @carol"), "unknown nick @carol", "[following]")

	out = ok(t, root, "build", "--dir", "site")
	if !strings.Contains(out, "built 3 posts") {
		t.Errorf("build says %q", out)
	}
	atom := readFile(t, filepath.Join(dir, "public", "feed.atom"))
	if strings.Count(atom, "<entry>") != 3 || !strings.Contains(atom, `<link href="https://hub2.example/" rel="hub">`) {
		t.Errorf("feed.atom:\n%s", atom)
	}
	// --out elsewhere, flags in any order, gives the same bytes.
	other := filepath.Join(t.TempDir(), "out")
	ok(t, root, "build", "--out", other, "--dir", "site")
	for _, f := range []string{"feed.atom", "feed.rss", "feed.json", "index.html"} {
		if readFile(t, filepath.Join(other, f)) != readFile(t, filepath.Join(dir, "public", f)) {
			t.Errorf("%s differs between two builds", f)
		}
	}
	if again := ok(t, dir, "build"); !strings.Contains(again, "0 files written") {
		t.Errorf("an unchanged rebuild: %q", again)
	}
	// A post page deleted by hand inside its kept directory is only
	// noticed by build --verify; its whole directory, by any build.
	pages, _ := filepath.Glob(filepath.Join(dir, "public", "posts", "*", "index.html"))
	if len(pages) != 3 {
		t.Fatalf("post pages: %v", pages)
	}
	want := readFile(t, pages[0])
	os.Remove(pages[0])
	if again := ok(t, dir, "build"); !strings.Contains(again, "0 files written") {
		t.Errorf("a build without --verify after deleting a page: %q", again)
	}
	if again := ok(t, dir, "build", "--verify"); !strings.Contains(again, "1 files written") || readFile(t, pages[0]) != want {
		t.Errorf("build --verify after deleting a page: %q", again)
	}
	os.RemoveAll(filepath.Dir(pages[1]))
	if again := ok(t, dir, "build"); !strings.Contains(again, "1 files written") {
		t.Errorf("a build after deleting a page's directory: %q", again)
	}
}

func TestBadInput(t *testing.T) {
	dir := newSite(t, "https://alice.example/")
	ok(t, dir, "post", "first")
	ok(t, dir, "build")
	before := readFile(t, filepath.Join(dir, "public", "feed.atom"))
	os.WriteFile(filepath.Join(dir, "posts", "bad.md"), []byte("+++\nkey = \"bad\"\npublished = 2026-01-01T00:00:00Z\nmood = \"happy\"\n+++\ntext\n"), 0o644)
	fails(t, feedpubRun(t, dir, "", nil, "build"), filepath.Join("posts", "bad.md")+":4: unknown front-matter key \"mood\"")
	if readFile(t, filepath.Join(dir, "public", "feed.atom")) != before {
		t.Error("a failed build changed the output")
	}
	os.Remove(filepath.Join(dir, "posts", "bad.md"))
	fails(t, feedpubRun(t, t.TempDir(), "", nil, "init", "x", "--title", "T", "--author", "A", "--url", "alice.example"), "is not an absolute http(s) URL")
	fails(t, feedpubRun(t, dir, "", nil, "frobnicate"), `unknown command "frobnicate"`)
	if r := feedpubRun(t, dir, "", nil); r.code != 2 || !strings.Contains(r.stderr, "feedpub post [--dir DIR]") {
		t.Errorf("no arguments: %+v", r)
	}
}

// hubServer records publish pings and answers with status and text.
func hubServer(t *testing.T, status int, text string) (*httptest.Server, func() []url.Values) {
	var mu sync.Mutex
	var got []url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		mu.Lock()
		got = append(got, r.PostForm)
		mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, text)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []url.Values { mu.Lock(); defer mu.Unlock(); return append([]url.Values(nil), got...) }
}

func TestPing(t *testing.T) {
	good, pings := hubServer(t, http.StatusAccepted, "")
	bad, _ := hubServer(t, http.StatusForbidden, "publisher not allowed")
	dir := newSite(t, "https://alice.example/", "--hub", good.URL+"/")
	ok(t, dir, "post", "hi")
	r := feedpubRun(t, t.TempDir(), "", nil, "ping", "--dir", dir)
	if r.code != 0 || len(pings()) != 1 || pings()[0]["hub.url"][0] != "https://alice.example/feed.atom" {
		t.Fatalf("ping: %+v, hub got %v", r, pings())
	}
	dir = newSite(t, "https://alice.example/", "--hub", bad.URL+"/")
	fails(t, feedpubRun(t, dir, "", nil, "ping"), "refused the ping: HTTP 403: publisher not allowed")
}

func TestReplyTo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path != "/posts/x/" {
			io.WriteString(w, "<!doctype html><p>nothing here</p>")
			return
		}
		io.WriteString(w, `<!doctype html><article class="h-entry"><data class="u-uid" value="tag:bob.example,2026:posts/x"></data><a class="u-url" href="/posts/x/">x</a></article>`)
	}))
	defer srv.Close()
	dir := newSite(t, "https://alice.example/")
	path := filepath.Join(dir, strings.TrimSpace(ok(t, dir, "post", "I agree", "--reply-to", srv.URL+"/posts/x/")))
	if p := readFile(t, path); !strings.Contains(p, `ref = "tag:bob.example,2026:posts/x"`) || !strings.Contains(p, `href = "`+srv.URL+`/posts/x/"`) {
		t.Errorf("reply post:\n%s", p)
	}
	fails(t, feedpubRun(t, dir, "", nil, "post", "--reply-to", srv.URL+"/about", "hmm"), "has no entry")
	fails(t, feedpubRun(t, dir, "", nil, "post", "--reply-to", "http://127.0.0.1:1/x", "hmm"), "cannot fetch the reply target")
	entries, _ := os.ReadDir(filepath.Join(dir, "posts"))
	if len(entries) != 1 {
		t.Errorf("failed posts left files: %d files", len(entries))
	}
}

func TestPublish(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	hub, pings := hubServer(t, http.StatusNoContent, "")
	root := t.TempDir()
	live := httptest.NewServer(http.FileServer(http.Dir(filepath.Join(root, "site", "public"))))
	defer live.Close()
	ok(t, root, "init", "site", "--title", "A", "--author", "A", "--url", live.URL+"/", "--hub", hub.URL)
	dir := filepath.Join(root, "site")
	bare := filepath.Join(root, "remote.git")
	for _, args := range [][]string{{"init", "-q", dir}, {"init", "-q", "--bare", bare}, {"-C", dir, "remote", "add", "origin", bare},
		{"-C", dir, "config", "user.email", "a@a.example"}, {"-C", dir, "config", "user.name", "A"}} {
		if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
	}
	ok(t, dir, "post", "published!")
	r := feedpubRun(t, dir, "", nil, "publish", "--interval", "10ms", "--wait", "10s")
	if r.code != 0 || !strings.Contains(r.stderr, "pushed to origin") || !strings.Contains(r.stderr, "live: "+live.URL+"/feed.atom") {
		t.Fatalf("publish: %+v", r)
	}
	if len(pings()) != 1 {
		t.Errorf("hub pings %v", pings())
	}
	out, _ := exec.Command("git", "-C", bare, "ls-tree", "-r", "--name-only", "HEAD").CombinedOutput()
	if !strings.Contains(string(out), "public/feed.atom") {
		t.Errorf("remote tree:\n%s", out)
	}
}

func TestServe(t *testing.T) {
	dir := newSite(t, "http://127.0.0.1:8000/")
	ok(t, dir, "post", "first")
	cmd := exec.Command(feedpub, "serve", "--addr", "127.0.0.1:0", "--dir", dir)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	urls := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`url=(http://\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	var base string
	select {
	case base = <-urls:
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not say where it listens")
	}
	path := strings.TrimSpace(ok(t, dir, "post", "second, seen live"))
	key := strings.TrimSuffix(filepath.Base(path)[len("2006-01-02-"):], ".md")
	testwait.Until(t, 10*time.Second, "the new post to appear at "+base, func() bool {
		resp, err := http.Get(base + "posts/" + key + "/")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode == 200 && strings.Contains(string(b), "second, seen live")
	})
}

func TestHelpAndVersion(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		r := feedpubRun(t, dir, "", nil, args...)
		for _, want := range []string{"feedpub init DIR", "feedpub post [--dir DIR]", "feedpub publish", "feedpub help [COMMAND]", "feedpub version"} {
			if r.code != 0 || !strings.Contains(r.stdout, want) {
				t.Errorf("feedpub %v: exit %d, stdout lacks %q:\n%s%s", args, r.code, want, r.stdout, r.stderr)
			}
		}
	}
	for _, cmd := range []string{"init", "post", "build", "ping", "publish", "serve"} {
		for _, args := range [][]string{{"help", cmd}, {cmd, "-h"}, {cmd, "--help"}} {
			r := feedpubRun(t, dir, "", nil, args...)
			if r.code != 0 || !strings.Contains(r.stdout, "usage: feedpub "+cmd) || !strings.Contains(r.stdout, "examples:\n  feedpub "+cmd) {
				t.Errorf("feedpub %v: exit %d:\n%s%s", args, r.code, r.stdout, r.stderr)
			}
		}
	}
	r := feedpubRun(t, dir, "", nil, "help", "post")
	for _, want := range []string{"TEXT\n", "--dir DIR\n    \tsite DIRectory (default \".\")", "--reply-to URL", "--tag TAG", `feedpub post "Hello, world #intro"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("feedpub help post lacks %q:\n%s", want, r.stdout)
		}
	}
	if r := feedpubRun(t, dir, "", nil, "help", "publish"); !strings.Contains(r.stdout, "--wait duration") || !strings.Contains(r.stdout, "(default 2m0s)") {
		t.Errorf("feedpub help publish does not show --wait's default:\n%s", r.stdout)
	}
	for _, args := range [][]string{{"version"}, {"--version"}} {
		r := feedpubRun(t, dir, "", nil, args...)
		if r.code != 0 || !regexp.MustCompile(`^feedpub \S+.* go1\.`).MatchString(r.stdout) {
			t.Errorf("feedpub %v: exit %d, %q", args, r.code, r.stdout)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"post", "--frobnicate"}, "feedpub: flag provided but not defined: -frobnicate\nsee `feedpub help post`\n"},
		{[]string{"init"}, "feedpub: init takes one directory: feedpub init DIR --title TITLE --author NAME --url BASE_URL\nsee `feedpub help init`\n"},
		{[]string{"publish", "--wait", "soon"}, "see `feedpub help publish`\n"},
		{[]string{"frobnicate"}, "feedpub: unknown command \"frobnicate\"\nsee `feedpub help`\n"},
	}
	for _, c := range cases {
		r := feedpubRun(t, dir, "", nil, c.args...)
		if r.code != 2 || !strings.HasSuffix(r.stderr, c.want) {
			t.Errorf("feedpub %v: exit %d, stderr %q; want 2 and %q", c.args, r.code, r.stderr, c.want)
		}
	}
	// A failure is one line, "feedpub: " and the message, exit 1.
	r := feedpubRun(t, dir, "", nil, "build", "--dir", filepath.Join(dir, "none"))
	if r.code != 1 || !strings.HasPrefix(r.stderr, "feedpub: ") || strings.Count(r.stderr, "\n") != 1 || strings.Contains(r.stderr, "publish: ") {
		t.Errorf("build of a missing site: exit %d, stderr %q", r.code, r.stderr)
	}
}
