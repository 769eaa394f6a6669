package workflow_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/testbin"
	"github.com/rookery-social/rookery/internal/testsite"
	"github.com/rookery-social/rookery/publish/workflow"
)

func gitRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	testbin.Tool(t, "git", "apt-get install git")
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// liveSite serves DIR/public as the static host would, answering 404 to
// the first `lag` requests for feed.atom as if the deploy were still running.
func liveSite(t *testing.T, dir string, lag int32) *httptest.Server {
	t.Helper()
	var n atomic.Int32
	files := http.FileServer(http.Dir(filepath.Join(dir, "public")))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/feed.atom" && n.Add(1) <= lag {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// publishRepo makes a site in a git repository whose BASE_URL is a live
// server over its output, with a hub, a post replying to bob's page, one
// mentioning him and one replying to a page without an endpoint.
func publishRepo(t *testing.T, lag int32, remote bool) (dir string, live *httptest.Server, h, recv *testsite.Recorder) {
	t.Helper()
	recv, h = testsite.NewRecorder(t), testsite.NewRecorder(t)
	bob := testsite.MentionTarget(t, recv.URL+"/webmention")
	dir = t.TempDir()
	live = liveSite(t, dir, lag)
	reply := func(path string) string {
		return "[reply_to]\nref = \"tag:bob.example,2026:" + path + "\"\nhref = \"" + bob.URL + path + "\"\nsource = \"" + bob.URL + "/nofeed\"\n"
	}
	testsite.Add(t, dir, testsite.Config(live.URL+"/", `hubs = ["`+h.URL+`/"]`+"\n[following]\nbob = \""+bob.URL+"/feed.atom\"\n")+
		testsite.Post("r1", "2026-02-01T10:00:00Z", reply("/posts/one/"), "Reply one.")+
		testsite.Post("m2", "2026-02-02T10:00:00Z", "", "Hi @bob!")+
		testsite.Post("r3", "2026-02-03T10:00:00Z", reply("/plain/"), "Reply to a page without endpoint."))
	gitRun(t, dir, "init", "-q")
	gitRun(t, dir, "config", "user.email", "alice@alice.example")
	gitRun(t, dir, "config", "user.name", "Alice")
	if remote {
		bare := filepath.Join(t.TempDir(), "site.git")
		gitRun(t, filepath.Dir(bare), "init", "-q", "--bare", bare)
		gitRun(t, dir, "remote", "add", "origin", bare)
	}
	return dir, live, h, recv
}

// fakeNow is the tests' clock, fixed far from today, so that a code path
// that reads the wall clock instead shows at once.
func fakeNow() time.Time { return time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC) }

func options(dir string, client *http.Client, log *bytes.Buffer) workflow.Options {
	return workflow.Options{Dir: dir, Now: fakeNow, Wait: 10 * time.Second, Interval: 10 * time.Millisecond, Client: client, Log: log}
}

func TestPublish(t *testing.T) {
	dir, live, h, recv := publishRepo(t, 3, true)
	var log bytes.Buffer
	if err := workflow.Publish(context.Background(), options(dir, live.Client(), &log)); err != nil {
		t.Fatalf("publish: %v\n%s", err, log.String())
	}
	// Committed and pushed: the remote has the posts and the output.
	bare := gitRun(t, dir, "remote", "get-url", "origin")
	files := gitRun(t, bare, "ls-tree", "-r", "--name-only", "HEAD")
	for _, want := range []string{"feedpub.toml", "posts/2026-02-03-r3.md", "public/feed.atom", "public/posts/r3/index.html"} {
		if !strings.Contains(files, want) {
			t.Errorf("the pushed commit lacks %s:\n%s", want, files)
		}
	}
	if st := gitRun(t, dir, "status", "--porcelain", "--", "posts", "public"); st != "" {
		t.Errorf("posts or output left uncommitted:\n%s", st)
	}
	// Waited with progress for the live feed, then pinged and sent.
	out := log.String()
	if !strings.Contains(out, "waiting for "+live.URL+"/feed.atom") || !strings.Contains(out, "HTTP 404") || !strings.Contains(out, "live: ") {
		t.Errorf("no progress while waiting for the live feed:\n%s", out)
	}
	if p := h.Received(); len(p) != 1 || p[0].Get("hub.url") != live.URL+"/feed.atom" {
		t.Errorf("hub pings: %v", p)
	}
	if got := recv.Webmentions(); len(got) != 2 || !strings.HasPrefix(got[0], live.URL+"/posts/r1/ -> ") {
		t.Errorf("Webmentions received: %v", got)
	}

	// Publishing again with nothing new commits nothing and sends no
	// Webmention twice, but pings the hubs again.
	commits := gitRun(t, dir, "rev-list", "--count", "HEAD")
	log.Reset()
	if err := workflow.Publish(context.Background(), options(dir, live.Client(), &log)); err != nil {
		t.Fatalf("second publish: %v\n%s", err, log.String())
	}
	if c := gitRun(t, dir, "rev-list", "--count", "HEAD"); c != commits {
		t.Errorf("a publish with nothing new made a commit (%s -> %s)", commits, c)
	}
	if len(recv.Webmentions()) != 2 || len(h.Received()) != 2 {
		t.Errorf("second publish: %d Webmentions in all (want 2), %d pings in all (want 2)", len(recv.Webmentions()), len(h.Received()))
	}
}

func TestPublishNoRemote(t *testing.T) {
	dir, live, h, _ := publishRepo(t, 0, false)
	var log bytes.Buffer
	if err := workflow.Publish(context.Background(), options(dir, live.Client(), &log)); err != nil {
		t.Fatalf("publish: %v\n%s", err, log.String())
	}
	if !strings.Contains(log.String(), "no git remote configured; not pushing") {
		t.Errorf("log: %s", log.String())
	}
	if files := gitRun(t, dir, "ls-tree", "-r", "--name-only", "HEAD"); !strings.Contains(files, "public/feed.json") {
		t.Errorf("output not committed: %s", files)
	}
	if len(h.Received()) != 1 {
		t.Errorf("hub pings: %d", len(h.Received()))
	}
}

func TestPublishLiveFeedNeverUpdates(t *testing.T) {
	dir, live, h, recv := publishRepo(t, 1<<30, true)
	o := options(dir, live.Client(), &bytes.Buffer{})
	o.Wait = 200 * time.Millisecond
	err := workflow.Publish(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "did not show") || !strings.Contains(err.Error(), "feedpub ping") {
		t.Fatalf("want an error saying the live feed did not update and what to do: %v", err)
	}
	if len(h.Received()) != 0 || len(recv.Webmentions()) != 0 {
		t.Errorf("hubs or Webmention targets were told before the feed was live")
	}
}

func TestPublishNotARepo(t *testing.T) {
	dir := t.TempDir()
	testsite.Add(t, dir, testsite.Config("https://alice.example/", "")+testsite.Post("k1", "2026-02-01T10:00:00Z", "", "hello"))
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	err := workflow.Publish(context.Background(), options(dir, nil, &bytes.Buffer{}))
	if err == nil || !strings.Contains(err.Error(), "is not inside a git repository") {
		t.Fatalf("error %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "public", "feed.atom")); err != nil {
		t.Errorf("the build should still have been written: %v", err)
	}
}

// On a fresh machine git has no identity; publishing commits as the author.
func TestPublishWithoutGitIdentity(t *testing.T) {
	testbin.Tool(t, "git", "apt-get install git")
	t.Setenv("GIT_CONFIG_GLOBAL", filepath.Join(t.TempDir(), "none"))
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	for _, k := range []string{"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	dir := t.TempDir()
	live := liveSite(t, dir, 0)
	testsite.Add(t, dir, testsite.Config(live.URL+"/", "")+testsite.Post("k1", "2026-02-01T10:00:00Z", "", "hello"))
	created, err := workflow.InitRepo(context.Background(), dir)
	if err != nil || !created {
		t.Fatalf("InitRepo = %v, %v; want a new repository", created, err)
	}
	if again, err := workflow.InitRepo(context.Background(), dir); again || err != nil {
		t.Fatalf("second InitRepo = %v, %v; want nothing done", again, err)
	}
	var log bytes.Buffer
	if err := workflow.Publish(context.Background(), options(dir, live.Client(), &log)); err != nil {
		t.Fatalf("publish without a git identity: %v\n%s", err, log.String())
	}
	if who := gitRun(t, dir, "log", "-1", "--format=%an <%ae>"); !strings.HasPrefix(who, "Alice A") || !strings.HasSuffix(who, " <feedpub@127.0.0.1>") {
		t.Errorf("committed as %q", who)
	}
}
