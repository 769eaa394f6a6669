package webmention_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rookery-social/rookery/aggregate/daemon/daemontest"
	"github.com/rookery-social/rookery/aggregate/webmention"
	"github.com/rookery-social/rookery/internal/safehttp"
	"github.com/rookery-social/rookery/internal/sqlitedb"
	"github.com/rookery-social/rookery/internal/testwait"
)

const me = "https://me.example/feed.atom"
const target = "https://me.example/posts/abc/"

// site is a stranger's site on loopback: path → (content type, body);
// "{{base}}" in a body is replaced by the server's URL.
type site struct {
	*httptest.Server
	mu    sync.Mutex
	pages map[string][2]string
	codes map[string][]int // statuses to answer first, one per request
}

func newSite(t *testing.T) *site {
	s := &site{pages: map[string][2]string{}, codes: map[string][]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *site) page(path, contentType, body string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[path] = [2]string{contentType, body}
	return s.URL + path
}

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p, ok := s.pages[r.URL.Path]
	var code int
	if c := s.codes[r.URL.Path]; len(c) > 0 {
		code, s.codes[r.URL.Path] = c[0], c[1:]
	}
	s.mu.Unlock()
	switch {
	case code != 0:
		w.WriteHeader(code)
	case !ok:
		http.NotFound(w, r)
	default:
		w.Header().Set("Content-Type", p[0])
		io.WriteString(w, strings.ReplaceAll(p[1], "{{base}}", s.URL))
	}
}

type env struct {
	recv  *webmention.Receiver
	store *daemontest.Store
	srv   *httptest.Server
	now   time.Time
	mu    sync.Mutex
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

func setup(t *testing.T, allowPrivate bool) *env {
	t.Helper()
	db, err := sqlitedb.Open(filepath.Join(t.TempDir(), "reader.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{store: daemontest.New(me), now: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}
	client := safehttp.NewClient(safehttp.Options{AllowPrivate: allowPrivate, Timeout: 5 * time.Second})
	e.recv, err = webmention.New(db, e.store, webmention.Config{Client: client, Now: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(e.recv.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

func (e *env) post(t *testing.T, source, target string) (int, string) {
	t.Helper()
	resp, err := http.PostForm(e.srv.URL+"/webmention", url.Values{"source": {source}, "target": {target}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// send posts a Webmention, expects 202, runs the verification and
// returns the recorded result.
func (e *env) send(t *testing.T, source string) webmention.Mention {
	t.Helper()
	if code, body := e.post(t, source, target); code != http.StatusAccepted {
		t.Fatalf("POST: %d %s, want 202", code, body)
	}
	if _, err := e.recv.ProcessDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e.last(t)
}

func (e *env) last(t *testing.T) webmention.Mention {
	t.Helper()
	ms, err := e.recv.List(context.Background(), 1)
	if err != nil || len(ms) != 1 {
		t.Fatalf("List: %v %v", ms, err)
	}
	return ms[0]
}

const replyPage = `<!doctype html><html><head><title>Bob's reply</title>
<link rel="alternate" type="application/rss+xml" href="/feed.rss">
<link rel="alternate" type="application/atom+xml" href="/feed.atom"></head>
<body><article class="h-entry"><p class="e-content">Nice post, <a class="u-in-reply-to" href="https://me.example/posts/abc/">Alice</a>!</p>
<a class="u-url" href="/posts/r1/">permalink</a></article></body></html>`

const bobFeed = `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Bob</title><id>{{base}}/feed.atom</id><updated>2030-12-31T00:00:00Z</updated>
<link rel="self" href="{{base}}/feed.atom"/>
<entry><id>tag:bob.test,2026:posts/r1</id><title>re</title><updated>2030-12-31T00:00:00Z</updated>
<link rel="alternate" href="{{base}}/posts/r1/"/><content type="html">Nice post</content></entry>
<entry><id>tag:bob.test,2026:posts/old</id><title>old</title><updated>2030-12-30T00:00:00Z</updated>
<link rel="alternate" href="{{base}}/posts/old/"/></entry></feed>`

func TestReceiveValidation(t *testing.T) {
	e := setup(t, true)
	cases := map[string]struct {
		source, target string
		want           int
		why            string
	}{
		"mine":            {"https://bob.example/p/1", target, 202, "accepted"},
		"mine, site root": {"https://bob.example/p/1", "https://me.example/", 202, "accepted"},
		"not mine":        {"https://bob.example/p/1", "https://other.example/posts/abc/", 400, "not on this site"},
		"other port":      {"https://bob.example/p/1", "https://me.example:8443/posts/abc/", 400, "not on this site"},
		"same":            {target, target, 400, "same URL"},
		"no source":       {"", target, 400, "required"},
		"relative source": {"/p/1", target, 400, "source must be"},
		"ftp source":      {"ftp://bob.example/p", target, 400, "source must be"},
		"bad target":      {"https://bob.example/p/1", "me.example/posts", 400, "target must be"},
	}
	for name, c := range cases {
		code, body := e.post(t, c.source, c.target)
		if code != c.want || !strings.Contains(body, c.why) {
			t.Errorf("%s: %d %q, want %d with %q", name, code, body, c.want, c.why)
		}
	}
	resp, err := http.Get(e.srv.URL + "/webmention")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "Webmention") {
		t.Errorf("GET /webmention: %d %s", resp.StatusCode, b)
	}
	ms, _ := e.recv.List(context.Background(), 10)
	if len(ms) != 2 {
		t.Errorf("queued %d Webmentions, want the 2 accepted ones", len(ms))
	}
}

func TestVerifiedThroughTheSourcesFeed(t *testing.T) {
	e := setup(t, true)
	s := newSite(t)
	s.page("/feed.atom", "application/atom+xml", bobFeed)
	src := s.page("/posts/r1/", "text/html; charset=utf-8", replyPage)
	m := e.send(t, src)
	if m.Status != webmention.StatusDone {
		t.Fatalf("status %s (%s), want done", m.Status, m.Result)
	}
	got := e.store.Mentions()
	want := daemontest.Mention{Feed: s.URL + "/feed.atom", PostID: "tag:bob.test,2026:posts/r1", Source: src}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("mentions %+v, want %+v", got, want)
	}
}

func TestVerifiedFromHEntryWithoutFeed(t *testing.T) {
	e := setup(t, true)
	s := newSite(t)
	// The relative link resolves against the page's <base>, on my site.
	src := s.page("/notes/7", "text/html", `<!doctype html><html><head><base href="https://me.example/x/y/"></head><body>
<div class="h-entry"><span class="p-author h-card"><a class="u-url p-name" href="{{base}}/">Carol</a></span>
<div class="e-content">Agreed with <a href="../../posts/abc/">this</a>.</div>
<time class="dt-published" datetime="2030-12-31T10:00:00Z">yesterday</time></div></body></html>`)
	m := e.send(t, src)
	if m.Status != webmention.StatusDone {
		t.Fatalf("status %s (%s), want done", m.Status, m.Result)
	}
	posts := e.store.Posts(src)
	if len(posts) != 1 || posts[0].URL != src || !strings.Contains(posts[0].Content, "Agreed with") {
		t.Fatalf("posts under the source URL: %+v", posts)
	}
	if got := e.store.Mentions(); len(got) != 1 || got[0].Feed != src || got[0].Source != src {
		t.Fatalf("mentions %+v", got)
	}
}

func TestFeedSource(t *testing.T) {
	e := setup(t, true)
	s := newSite(t)
	src := s.page("/feed.atom", "application/atom+xml", `<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
<title>Dan</title><id>urn:dan</id><updated>2030-12-31T00:00:00Z</updated>
<entry><id>tag:dan.test,2026:posts/a</id><title>other</title><updated>2030-12-31T00:00:00Z</updated><link href="{{base}}/a"/></entry>
<entry><id>tag:dan.test,2026:posts/b</id><title>reply</title><updated>2030-12-31T00:00:00Z</updated><link href="{{base}}/b"/>
<thr:in-reply-to ref="tag:me.example,2026:posts/abc" href="https://me.example/posts/abc/"/></entry></feed>`)
	if m := e.send(t, src); m.Status != webmention.StatusDone {
		t.Fatalf("status %s (%s)", m.Status, m.Result)
	}
	if got := e.store.Mentions(); len(got) != 1 || got[0].PostID != "tag:dan.test,2026:posts/b" {
		t.Fatalf("mentions %+v, want the replying entry", got)
	}
}

func TestDropped(t *testing.T) {
	cases := map[string]struct {
		setup func(e *env, s *site) string
		why   string
	}{
		"no link to target": {func(e *env, s *site) string {
			s.page("/feed.atom", "application/atom+xml", bobFeed)
			return s.page("/posts/r1/", "text/html", strings.ReplaceAll(replyPage, "me.example/posts/abc/", "me.example/posts/other/"))
		}, "does not link"},
		"blocked feed": {func(e *env, s *site) string {
			s.page("/feed.atom", "application/atom+xml", bobFeed)
			e.store.Block(s.URL + "/feed.atom")
			return s.page("/posts/r1/", "text/html", replyPage)
		}, "is blocked"},
		"blocked page": {func(e *env, s *site) string {
			u := s.page("/posts/r1/", "text/html", replyPage)
			e.store.Block(u)
			return u
		}, "is blocked"},
		"gone": {func(e *env, s *site) string {
			s.codes["/posts/r1/"] = []int{410}
			return s.URL + "/posts/r1/"
		}, "gone"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			e := setup(t, true)
			src := c.setup(e, newSite(t))
			m := e.send(t, src)
			if m.Status != webmention.StatusDropped || !strings.Contains(m.Result, c.why) {
				t.Fatalf("status %s (%s), want dropped because %q", m.Status, m.Result, c.why)
			}
			if n := e.store.PostCount(); n != 0 || len(e.store.Mentions()) != 0 {
				t.Fatalf("stored %d posts and %d mentions, want none", n, len(e.store.Mentions()))
			}
		})
	}
}

func TestPrivateSourceRefused(t *testing.T) {
	e := setup(t, false)
	s := newSite(t)
	s.page("/feed.atom", "application/atom+xml", bobFeed)
	m := e.send(t, s.page("/posts/r1/", "text/html", replyPage))
	if m.Status != webmention.StatusDropped || !strings.Contains(m.Result, "not public") {
		t.Fatalf("loopback source: %s (%s), want dropped as not public", m.Status, m.Result)
	}
	if e.store.PostCount() != 0 {
		t.Fatal("a loopback source was stored")
	}
}

func TestTransientFailureRetried(t *testing.T) {
	e := setup(t, true)
	s := newSite(t)
	s.page("/feed.atom", "application/atom+xml", bobFeed)
	src := s.page("/posts/r1/", "text/html", replyPage)
	s.codes["/posts/r1/"] = []int{503, 503}
	if m := e.send(t, src); m.Status != webmention.StatusQueued || m.Attempts != 1 {
		t.Fatalf("after a 503: %+v, want queued for a retry", m)
	}
	if n, _ := e.recv.ProcessDue(context.Background()); n != 0 {
		t.Fatalf("retried %d at once, want a backoff", n)
	}
	for i := 0; i < 2; i++ {
		e.advance(10 * time.Minute)
		if _, err := e.recv.ProcessDue(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if m := e.last(t); m.Status != webmention.StatusDone || m.Attempts != 3 {
		t.Fatalf("after recovery: %+v, want done on the 3rd attempt", m)
	}
}

func TestRunWorker(t *testing.T) {
	e := setup(t, true)
	s := newSite(t)
	s.page("/feed.atom", "application/atom+xml", bobFeed)
	src := s.page("/posts/r1/", "text/html", replyPage)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error)
	go func() { stopped <- e.recv.Run(ctx) }()
	if code, body := e.post(t, src, target); code != 202 {
		t.Fatalf("POST: %d %s", code, body)
	}
	testwait.Until(t, 10*time.Second, "mention stored by the worker", func() bool { return len(e.store.Mentions()) == 1 })
	cancel()
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop on cancel")
	}
}
