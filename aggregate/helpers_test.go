package aggregate_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rookery-social/rookery/aggregate"
)

// server is an httptest server whose documents tests can change, counting
// the requests each path gets.
type server struct {
	*httptest.Server
	mu   sync.Mutex
	docs map[string]http.HandlerFunc
	hits map[string]int
	reqs map[string][]*http.Request
}

func newServer(t *testing.T) *server {
	t.Helper()
	s := &server{docs: map[string]http.HandlerFunc{}, hits: map[string]int{}, reqs: map[string][]*http.Request{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		h := s.docs[r.URL.Path]
		s.hits[r.URL.Path]++
		s.reqs[r.URL.Path] = append(s.reqs[r.URL.Path], r.Clone(context.Background()))
		s.mu.Unlock()
		if h == nil {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) handle(path string, h http.HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.docs[path] = h
}

// serve serves body with a content type at path.
func (s *server) serve(path, ctype, body string) {
	s.handle(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		fmt.Fprint(w, body)
	})
}

// serveFile serves a real-world sample from testdata/feeds.
func (s *server) serveFile(t *testing.T, path, name, ctype string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "feeds", name))
	if err != nil {
		t.Fatal(err)
	}
	s.handle(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.Write(b)
	})
}

func (s *server) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func (s *server) lastRequest(path string) *http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.reqs[path]
	if len(r) == 0 {
		return nil
	}
	return r[len(r)-1]
}

// fakeNow is the tests' clock, fixed far from today, so that a code path
// that reads the wall clock instead of Options.Now shows at once.
func fakeNow() time.Time { return time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC) }

// clock is a test clock that starts at fakeNow and moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: fakeNow()} }

// Now returns the clock's time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock forward by d.
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// openReader opens a reader on a fresh database, on the fake clock unless
// opts has its own.
func openReader(t *testing.T, opts aggregate.Options) (*aggregate.Reader, string) {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fakeNow
	}
	path := filepath.Join(t.TempDir(), "reader.db")
	r, err := aggregate.Open(context.Background(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, path
}

// entry is one Atom entry of the wire profile.
type entry struct {
	id, title, content, published string
	link                          string
	replyRef, replyHref, replySrc string
	mentioned                     []string
	tags                          []string
}

// atomFeed writes an Atom feed as feedpub does.
func atomFeed(self, title string, extra string, entries ...entry) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
<title>%s</title><id>%s</id><updated>2026-01-01T00:00:00Z</updated>
<link rel="self" href="%s"/>%s
`, title, self, self, extra)
	for _, e := range entries {
		pub := e.published
		if pub == "" {
			pub = "2026-01-01T00:00:00Z"
		}
		fmt.Fprintf(&b, "<entry><id>%s</id><title>%s</title><published>%s</published><updated>%s</updated>\n", e.id, e.title, pub, pub)
		if e.link != "" {
			fmt.Fprintf(&b, `<link rel="alternate" href="%s"/>`, e.link)
		}
		for _, m := range e.mentioned {
			fmt.Fprintf(&b, `<link rel="mentioned" href="%s"/>`, m)
		}
		for _, tg := range e.tags {
			fmt.Fprintf(&b, `<category term="%s"/>`, tg)
		}
		if e.replyRef != "" || e.replyHref != "" {
			fmt.Fprintf(&b, `<thr:in-reply-to ref="%s" href="%s" source="%s" type="text/html"/>`, e.replyRef, e.replyHref, e.replySrc)
		}
		fmt.Fprintf(&b, "<content type=\"html\">%s</content></entry>\n", escape(e.content))
	}
	b.WriteString("</feed>\n")
	return b.String()
}

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func texts(posts []aggregate.Post) []string {
	out := make([]string, 0, len(posts))
	for _, p := range posts {
		out = append(out, p.Text)
	}
	return out
}

func hasText(posts []aggregate.Post, sub string) bool {
	for _, p := range posts {
		if strings.Contains(p.Text, sub) || strings.Contains(p.Title, sub) {
			return true
		}
	}
	return false
}

func followed(t *testing.T, r *aggregate.Reader) map[string]aggregate.FeedInfo {
	t.Helper()
	feeds, err := r.FollowedFeeds(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]aggregate.FeedInfo{}
	for _, f := range feeds {
		out[f.Nick] = f
	}
	return out
}

func parseTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return tm
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

var noTime time.Time
