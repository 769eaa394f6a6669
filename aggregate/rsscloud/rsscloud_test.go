package rsscloud_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/aggregate/rsscloud"
	"github.com/rookery-social/rookery/aggregate/store"
	"github.com/rookery-social/rookery/hub"
	"github.com/rookery-social/rookery/internal/safehttp"
	"github.com/rookery-social/rookery/internal/testwait"
)

// epoch is the tests' time, far from today.
var epoch = time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)

// clock starts at epoch and is moved by hand.
type clock struct{ ahead atomic.Int64 }

func (c *clock) Now() time.Time      { return epoch.Add(time.Duration(c.ahead.Load())) }
func (c *clock) add(d time.Duration) { c.ahead.Add(int64(d)) }

// site serves one RSS feed, counting its GETs and the conditional ones.
type site struct {
	*httptest.Server
	mu         sync.Mutex
	body       string
	gets, cond int
}

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gets++
	etag := fmt.Sprintf(`"%d"`, len(s.body))
	if r.Header.Get("If-None-Match") != "" {
		s.cond++
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "application/rss+xml")
	io.WriteString(w, s.body)
}

func (s *site) set(body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body = body
}

func (s *site) counts() (int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gets, s.cond
}

func rss(cloud, hub string, items ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>A</title><link>http://a/</link><description>d</description>`)
	b.WriteString(cloud)
	if hub != "" {
		b.WriteString(`<atom:link rel="hub" href="` + hub + `"/>`)
	}
	for _, it := range items {
		fmt.Fprintf(&b, `<item><title>%s</title><guid>%s</guid><description>%s</description></item>`, it, it, it)
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

type world struct {
	hubURL, cloudElem string
	reader            *aggregate.Reader
	sub               *rsscloud.Subscriber
	base              string
	clock             *clock
}

// newWorld runs a Rookery hub, a reader and its rssCloud subscriber on
// loopback, the reader's notify endpoint served at base.
func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{clock: &clock{}}
	cfg := hub.DefaultConfig()
	cfg.DBPath, cfg.AllowPrivate, cfg.Now, cfg.PollInterval = filepath.Join(t.TempDir(), "hub.db"), true, w.clock.Now, 0
	cfg.IdleInterval, cfg.RateLimit, cfg.RateBurst = 20*time.Millisecond, 1000, 1000
	cfg.Logger = slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	cfg.PublicURL = hs.URL + "/"
	h, err := hub.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/", h.Handler())
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	w.hubURL = hs.URL + "/"
	u, _ := url.Parse(hs.URL)
	w.cloudElem = fmt.Sprintf(`<cloud domain="%s" port="%s" path="/pleaseNotify" registerProcedure="" protocol="http-post"/>`, u.Hostname(), u.Port())

	w.reader, err = aggregate.Open(context.Background(), filepath.Join(t.TempDir(), "reader.db"),
		aggregate.Options{Now: w.clock.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.reader.Close() })
	r := chi.NewRouter()
	rs := httptest.NewServer(r)
	t.Cleanup(rs.Close)
	w.base = rs.URL
	w.sub, err = rsscloud.New(w.reader.DB(), w.reader, rsscloud.Config{BaseURL: rs.URL,
		Client: safehttp.NewClient(safehttp.Options{AllowPrivate: true}), Now: w.clock.Now,
		Fetch: func(ctx context.Context, feed string) error { _, err := w.reader.FetchFeed(ctx, feed); return err }})
	if err != nil {
		t.Fatal(err)
	}
	w.sub.Routes(r)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.sub.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return w
}

func (w *world) site(t *testing.T, body string) *site {
	s := &site{body: body}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (w *world) follow(t *testing.T, feed string) {
	t.Helper()
	if _, err := w.reader.Follow(context.Background(), feed, "", nil); err != nil {
		t.Fatal(err)
	}
}

func (w *world) registration(t *testing.T, feed string) rsscloud.Registration {
	t.Helper()
	regs, err := w.sub.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range regs {
		if r.FeedURL == feed {
			return r
		}
	}
	return rsscloud.Registration{}
}

func (w *world) ping(t *testing.T, feed string) string {
	t.Helper()
	resp, err := http.PostForm(w.hubURL+"ping", url.Values{"url": {feed}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func (w *world) titles(t *testing.T) []string {
	t.Helper()
	posts, err := w.reader.Timeline(context.Background(), aggregate.TimelineOptions{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range posts {
		out = append(out, p.Title)
	}
	return out
}

// A feed with a cloud and no hub is registered with its cloud; a ping to
// the cloud makes the reader fetch it (conditionally) at once; the
// registration is renewed after 24 hours.
func TestFollowThroughRSSCloud(t *testing.T) {
	w := newWorld(t)
	feed := w.site(t, "")
	feed.set(rss(w.cloudElem, "", "one"))
	w.follow(t, feed.URL)
	if err := w.sub.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	reg := w.registration(t, feed.URL)
	if reg.State != rsscloud.StateActive || reg.Cloud != w.hubURL+"pleaseNotify" || !reg.Expires.Equal(epoch.Add(25*time.Hour)) {
		t.Fatalf("registration %+v", reg)
	}
	if f, _ := w.reader.FollowedFeeds(context.Background()); f[0].Mode != store.ModePush {
		t.Fatalf("feed mode %q, want push", f[0].Mode)
	}

	feed.set(rss(w.cloudElem, "", "one", "two"))
	_, condBefore := feed.counts()
	if reply := w.ping(t, feed.URL); !strings.Contains(reply, `success="true"`) {
		t.Fatalf("ping: %s", reply)
	}
	testwait.Until(t, 20*time.Second, "the notified post", func() bool { return strings.Contains(strings.Join(w.titles(t), ","), "two") })
	if _, cond := feed.counts(); cond <= condBefore {
		t.Fatalf("the notified fetch was not conditional")
	}

	w.clock.add(24*time.Hour + time.Minute)
	if err := w.sub.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := w.registration(t, feed.URL); !r.Registered.After(reg.Registered) || r.State != rsscloud.StateActive {
		t.Fatalf("not renewed after 24 hours: %+v", r)
	}
}

// Where a feed offers both, WebSub is used: no rssCloud registration.
func TestWebSubWins(t *testing.T) {
	w := newWorld(t)
	feed := w.site(t, "")
	feed.set(rss(w.cloudElem, w.hubURL, "one"))
	w.follow(t, feed.URL)
	if err := w.sub.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := w.registration(t, feed.URL); r.State != rsscloud.StateNone {
		t.Fatalf("a feed with a hub was registered with its cloud: %+v", r)
	}
}

// The notify endpoint answers challenges and notifications only for feeds
// it registered.
func TestNotifyEndpointRefusesStrangers(t *testing.T) {
	w := newWorld(t)
	resp, err := http.Get(w.base + rsscloud.NotifyPath + "?url=http://x/feed.rss&challenge=abc")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("challenge for a feed never registered: %d", resp.StatusCode)
	}
	resp, err = http.PostForm(w.base+rsscloud.NotifyPath, url.Values{"url": {"http://x/feed.rss"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusGone {
		t.Fatalf("notify of a feed not followed: %d, want 410", resp.StatusCode)
	}
}

func TestCloudURL(t *testing.T) {
	for doc, want := range map[string]string{
		rss(`<cloud domain="rpc.rsscloud.io" port="5337" path="/pleaseNotify" registerProcedure="" protocol="http-post"/>`, ""): "http://rpc.rsscloud.io:5337/pleaseNotify",
		rss(`<cloud domain="hub.example" port="443" path="/pleaseNotify" registerProcedure="" protocol="http-post"/>`, ""):      "https://hub.example:443/pleaseNotify",
		rss(`<cloud domain="hub.example" port="80" path="/RPC2" registerProcedure="x.y" protocol="xml-rpc"/>`, ""):              "",
		rss("", ""): "",
		`<feed xmlns="http://www.w3.org/2005/Atom"><cloud domain="a" port="1" path="/p" protocol="http-post"/></feed>`: "",
	} {
		if got := rsscloud.CloudURL([]byte(doc)); got != want {
			t.Errorf("CloudURL(%s) = %q, want %q", doc, got, want)
		}
	}
}
