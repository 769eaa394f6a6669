package act_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/act"
	"github.com/rookery-social/rookery/internal/testsite"
	siteact "github.com/rookery-social/rookery/publish/act"
)

// bob serves Bob's site: a feed of one post and its page, and returns
// the post's permalink.
func bob(t *testing.T) string {
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	post := "http://" + srv.Listener.Addr().String() + "/posts/p1/"
	feed := "http://" + srv.Listener.Addr().String() + "/feed.atom"
	mux.HandleFunc("GET /feed.atom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		io.WriteString(w, `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Bob</title><id>`+feed+`</id>
<updated>2031-01-01T00:00:00Z</updated><link rel="self" href="`+feed+`"/><author><name>Bob</name></author>
<entry><id>tag:bob.test,2031:posts/p1</id><title></title><updated>2031-01-01T00:00:00Z</updated><link href="`+post+`"/>
<content type="html">&lt;p&gt;Hello&lt;/p&gt;</content></entry></feed>`)
	})
	mux.HandleFunc("GET /posts/p1/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, `<!doctype html><link rel="alternate" type="application/atom+xml" href="`+feed+`">
<article class="h-entry"><a class="u-url" href="`+post+`">link</a><p class="e-content">Hello</p></article>`)
	})
	srv.Start()
	t.Cleanup(srv.Close)
	return post
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

var now = func() time.Time { return time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC) }

// A reply is written with feedpub and published: built, committed.
func TestReplyIsWrittenAndPublished(t *testing.T) {
	post := bob(t)
	dir := testsite.Write(t, testsite.Config("https://me.example/", ""))
	git(t, dir, "init", "-q")
	git(t, dir, "config", "user.email", "me@example.com")
	git(t, dir, "config", "user.name", "Me")
	site := siteact.Open(act.Config{Dir: dir, Now: now})
	res, err := site.Do(context.Background(), act.Action{Kind: act.Reply, Text: "Quite right", Target: post, Publish: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Published || !strings.HasPrefix(res.Path, filepath.Join(dir, "posts", "2031-01-02-")) {
		t.Errorf("result %+v", res)
	}
	b, _ := os.ReadFile(res.Path)
	if !strings.Contains(string(b), "Quite right") || !strings.Contains(string(b), post) {
		t.Errorf("the reply's file:\n%s", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "public", "feed.atom")); err != nil {
		t.Errorf("the site was not built: %v", err)
	}
	if log := git(t, dir, "log", "--oneline"); strings.Count(log, "\n") != 1 {
		t.Errorf("commits:\n%s", log)
	}
}

// A repost, a quote and a like are written as feedpub writes them: each
// post file names the post it cites.
func TestRepostQuoteLike(t *testing.T) {
	post := bob(t)
	dir := testsite.Write(t, testsite.Config("https://me.example/", ""))
	site := siteact.Open(act.Config{Dir: dir, Now: now})
	for _, a := range []act.Action{{Kind: act.Repost}, {Kind: act.Quote, Text: "Read this"}, {Kind: act.Like}} {
		a.Target = post
		res, err := site.Do(context.Background(), a)
		if err != nil {
			t.Fatalf("%s: %v", a.Kind, err)
		}
		b, _ := os.ReadFile(res.Path)
		if !strings.Contains(string(b), string(a.Kind)+"_of") || !strings.Contains(string(b), post) || !strings.Contains(string(b), a.Text) {
			t.Errorf("the %s's file:\n%s", a.Kind, b)
		}
	}
}

func TestNoSite(t *testing.T) {
	_, err := siteact.Open(act.Config{}).Do(context.Background(), act.Action{Kind: act.Post, Text: "hi"})
	if !errors.Is(err, act.ErrNoSite) || !strings.Contains(err.Error(), `site = "/path/to/site"`) {
		t.Errorf("without a site: %v", err)
	}
	if _, err := siteact.Open(act.Config{Dir: t.TempDir()}).Do(context.Background(), act.Action{Kind: act.Reply, Text: "x"}); err == nil {
		t.Error("a reply without a target was written")
	}
}
