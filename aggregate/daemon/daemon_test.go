package daemon_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/aggregate/daemon"
	"github.com/rookery-social/rookery/aggregate/daemon/daemontest"
	"github.com/rookery-social/rookery/aggregate/store"
	"github.com/rookery-social/rookery/internal/sqlitedb"
	"github.com/rookery-social/rookery/internal/testwait"
	"github.com/rookery-social/rookery/internal/websub"
)

const post = `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Alice</title><id>urn:alice</id><updated>2026-11-21T00:00:00Z</updated>
<entry><id>tag:alice.test,2026:posts/p1</id><title>first</title><updated>2026-11-21T00:00:00Z</updated>
<link href="{{base}}/posts/p1/"/><content type="html">&lt;a href="https://me.example/posts/abc/"&gt;hi&lt;/a&gt;</content></entry></feed>`

// fakeNow is the daemon's clock in the tests, fixed far from today, so
// that a code path that reads the wall clock instead shows at once.
func fakeNow() time.Time { return time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC) }

// alice is a publisher's site on loopback whose feed advertises hub.
func alice(t *testing.T, hub string) *httptest.Server {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed.atom":
			w.Header().Add("Link", websub.FormatLink(hub, "hub"))
			w.Header().Add("Link", websub.FormatLink(srv.URL+"/feed.atom", "self"))
			w.Header().Set("Content-Type", "application/atom+xml")
			io.WriteString(w, strings.ReplaceAll(post, "{{base}}", srv.URL))
		case "/posts/p1/":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<!doctype html><html><head><link rel="alternate" type="application/atom+xml" href="/feed.atom"></head>
<body><div class="h-entry"><a class="u-in-reply-to" href="https://me.example/posts/abc/">re</a></div></body></html>`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

type running struct {
	base  string
	store *daemontest.Store
	stop  func()
}

// start runs a daemon on a loopback port with long schedules, so that
// only the /-/sync trigger can make it subscribe.
func start(t *testing.T, base string) *running { return startPolling(t, base, "@every 1h") }

// startPolling is start with the poll schedule poll.
func startPolling(t *testing.T, base, poll string) *running {
	t.Helper()
	db, err := sqlitedb.Open(filepath.Join(t.TempDir(), "reader.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	store := daemontest.New("https://me.example/feed.atom")
	d, err := daemon.New(db, store, daemon.Config{Addr: ln.Addr().String(), BaseURL: base, AllowPrivate: true,
		Poll: poll, SyncEvery: time.Hour, Now: fakeNow})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Serve(ctx, ln) }()
	r := &running{base: "http://" + ln.Addr().String(), store: store}
	r.stop = func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("daemon did not stop after cancel")
		}
	}
	t.Cleanup(r.stop)
	return r
}

func TestHomeAdvertisesWebmention(t *testing.T) {
	r := start(t, "https://reader.example.org/")
	resp, err := http.Get(r.base + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	links := websub.LinksWithRel(websub.ParseLinks(resp.Header), "webmention")
	if len(links) != 1 || links[0] != "https://reader.example.org/webmention" {
		t.Errorf("Link header webmention = %v, want the endpoint under --url", links)
	}
	if !strings.Contains(string(body), `<link rel="webmention" href="https://reader.example.org/webmention">`) {
		t.Errorf("home page lacks the <link rel=webmention>: %s", body)
	}
	resp, err = http.Get(r.base + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	testwait.Until(t, 10*time.Second, "a poll at start", func() bool { return r.store.Polls() >= 1 })
}

func TestPushAndWebmentionEndToEnd(t *testing.T) {
	hub := daemontest.NewHub(t, 3600)
	site := alice(t, hub.URL)
	r := start(t, "")
	testwait.Until(t, 10*time.Second, "the sync at start", func() bool { return r.store.Listed() >= 1 })
	feed := site.URL + "/feed.atom"
	r.store.Follow(store.Feed{URL: feed}) // a follow while the daemon runs

	resp, err := http.Post(r.base+"/-/sync", "text/plain", nil)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /-/sync: %v %v", resp, err)
	}
	resp.Body.Close()
	testwait.Until(t, 10*time.Second, "push subscription", func() bool { return r.store.Mode(feed) == store.ModePush })
	if reqs := hub.Requests(); len(reqs) != 1 || !strings.HasPrefix(reqs[0].Callback, r.base+"/websub/") {
		t.Fatalf("hub requests %+v, want one with a callback under %s/websub/", reqs, r.base)
	}
	// The subscriber turns push on when it answers the verification; the
	// hub records the subscription once it has read that answer.
	testwait.Until(t, 10*time.Second, "the hub's record of the subscription", func() bool { return hub.Active(hub.Requests()[0].Callback) })
	if codes, err := hub.Publish(feed, "application/atom+xml", []byte(strings.ReplaceAll(post, "{{base}}", site.URL))); err != nil || len(codes) != 1 {
		t.Fatalf("publish: delivered %v, %v; want one delivery", codes, err)
	}
	if got := r.store.Posts(feed); len(got) != 1 || got[0].ID != "tag:alice.test,2026:posts/p1" {
		t.Fatalf("pushed post not stored: %+v", got)
	}

	form := url.Values{"source": {site.URL + "/posts/p1/"}, "target": {"https://me.example/posts/abc/"}}
	resp, err = http.PostForm(r.base+"/webmention", form)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("webmention: %v %v", resp, err)
	}
	resp.Body.Close()
	testwait.Until(t, 10*time.Second, "verified mention", func() bool { return len(r.store.Mentions()) == 1 })
	if m := r.store.Mentions()[0]; m.Feed != feed || m.PostID != "tag:alice.test,2026:posts/p1" {
		t.Fatalf("mention %+v", m)
	}
}

func TestCallbacksUseBaseURL(t *testing.T) {
	hub := daemontest.NewHub(t, 3600)
	site := alice(t, hub.URL)
	r := start(t, "https://tunnel.example/reader/")
	r.store.Follow(store.Feed{URL: site.URL + "/feed.atom"})
	resp, err := http.Post(r.base+"/-/sync", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	testwait.Until(t, 10*time.Second, "subscribe request", func() bool { return len(hub.Requests()) == 1 })
	if cb := hub.Requests()[0].Callback; !strings.HasPrefix(cb, "https://tunnel.example/reader/websub/") {
		t.Fatalf("callback %q is not under --url", cb)
	}
}

func TestSyncTriggerIsLocalOnly(t *testing.T) {
	db, err := sqlitedb.Open(filepath.Join(t.TempDir(), "reader.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d, err := daemon.New(db, daemontest.New(""), daemon.Config{BaseURL: "https://reader.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/-/sync", nil)
	req.RemoteAddr = "198.51.100.7:40000"
	w := httptest.NewRecorder()
	d.Handler().ServeHTTP(w, req)
	if w.Code != http.StatusForbidden {
		t.Fatalf("remote sync trigger: %d, want 403", w.Code)
	}
}

func TestBadBaseURL(t *testing.T) {
	db, err := sqlitedb.Open(filepath.Join(t.TempDir(), "reader.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = daemon.New(db, daemontest.New(""), daemon.Config{BaseURL: "reader.example.org"})
	if err == nil || !strings.Contains(err.Error(), "--url") {
		t.Fatalf("err = %v, want a message about --url", err)
	}
}

func TestWebmentionsAreRateLimitedPerAddress(t *testing.T) {
	r := start(t, "")
	codes := map[int]int{}
	for i := 0; i < 25; i++ { // the default burst is 20
		resp, err := http.PostForm(r.base+"/webmention", url.Values{
			"source": {fmt.Sprintf("https://stranger.example/%d", i)}, "target": {"https://elsewhere.example/"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes[resp.StatusCode]++
	}
	if codes[http.StatusTooManyRequests] == 0 || codes[http.StatusTooManyRequests] > 5 {
		t.Errorf("answers to 25 quick Webmentions: %v; want the burst served and the rest 429", codes)
	}
}

func TestPollFollowsItsSchedule(t *testing.T) {
	r := startPolling(t, "", "@every 1s")
	testwait.Until(t, 10*time.Second, "a poll at start and two on the schedule", func() bool { return r.store.Polls() >= 3 })
}

func TestParseSchedule(t *testing.T) {
	at := time.Date(2031, 1, 1, 0, 7, 0, 0, time.UTC)
	for spec, want := range map[string]time.Time{
		"15m":          at.Add(15 * time.Minute), // the --poll duration of old
		"@every 15m":   at.Add(15 * time.Minute),
		"*/15 * * * *": time.Date(2031, 1, 1, 0, 15, 0, 0, time.UTC),
		"@hourly":      time.Date(2031, 1, 1, 1, 0, 0, 0, time.UTC),
		"30 6 * * 1-5": time.Date(2031, 1, 1, 6, 30, 0, 0, time.UTC), // a Wednesday
	} {
		s, err := daemon.ParseSchedule(spec)
		if err != nil {
			t.Errorf("%q: %v", spec, err)
			continue
		}
		if got := s.Next(at); !got.Equal(want) {
			t.Errorf("%q: next after %s is %s, want %s", spec, at, got, want)
		}
	}
	for _, bad := range []string{"every minute", "0s", "-5m", "* * * *", "61 * * * *"} {
		if _, err := daemon.ParseSchedule(bad); err == nil || !strings.Contains(err.Error(), "poll schedule") {
			t.Errorf("%q: err = %v, want one about the poll schedule", bad, err)
		}
	}
}
