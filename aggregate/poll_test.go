package aggregate_test

import (
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/aggregate/fetch"
	"github.com/rookery-social/rookery/aggregate/store"
)

func simpleFeed(s *server, path string, entries ...entry) string {
	return atomFeed(s.URL+path, "Feed", "", entries...)
}

func TestConditionalGetSendsValidatorsVerbatim(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	const etag = `W/"v1-weird etag"`
	const lastMod = "Tue, 02 Mar 2021 23:39:15 GMT"
	body := simpleFeed(s, "/feed.atom", entry{id: "1", content: "hello"})
	full := 0
	s.handle("/feed.atom", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == etag && r.Header.Get("If-Modified-Since") == lastMod {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full++
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		fmt.Fprint(w, body)
	})
	r, _ := openReader(t, aggregate.Options{})
	must[aggregate.FeedInfo](t)(r.Follow(ctx, s.URL+"/feed.atom", "a", nil))
	res, err := r.FetchFeed(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if !res.NotModified || res.New != 0 || full != 1 {
		t.Fatalf("second fetch: %+v, full responses %d; want a 304", res, full)
	}
	if ua := s.lastRequest("/feed.atom").Header.Get("User-Agent"); ua != fetch.UserAgent {
		t.Errorf("User-Agent %q", ua)
	}
	f := followed(t, r)["a"]
	if f.Posts != 1 || f.LastError != "" {
		t.Fatalf("after 304: %+v", f)
	}
}

func TestBackoffOnServerErrorShowsErrorAndWaits(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	s.serve("/feed.atom", "application/atom+xml", simpleFeed(s, "/feed.atom", entry{id: "1", content: "x"}))
	clock := newClock()
	r, _ := openReader(t, aggregate.Options{PollInterval: time.Hour, Now: clock.Now})
	must[aggregate.FeedInfo](t)(r.Follow(ctx, s.URL+"/feed.atom", "a", nil))
	s.handle("/feed.atom", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	var delays []time.Duration
	for i := 0; i < 3; i++ {
		before := clock.Now()
		if _, err := r.FetchFeed(ctx, "a"); err == nil || !strings.Contains(err.Error(), "500") {
			t.Fatalf("fetch %d: err = %v, want the 500", i, err)
		}
		f := followed(t, r)["a"]
		if !strings.Contains(f.LastError, "500 Internal Server Error") {
			t.Fatalf("following shows error %q", f.LastError)
		}
		delays = append(delays, parseTime(t, f.NextFetch).Sub(before))
	}
	// Backoff doubles per failure, with ±20% jitter: about 10m, 20m, 40m.
	if delays[0] < 7*time.Minute || delays[0] > 13*time.Minute || delays[2] < 31*time.Minute || delays[2] > 49*time.Minute {
		t.Errorf("backoff delays %v, want about 10m, 20m, 40m", delays)
	}
	// The third failure put the next fetch 31 to 49 minutes away.
	hits := s.count("/feed.atom")
	clock.Add(30 * time.Minute)
	n, err := r.PollDue(ctx)
	if err != nil || n != 0 || s.count("/feed.atom") != hits {
		t.Fatalf("PollDue fetched a backed-off feed: n=%d err=%v", n, err)
	}
	clock.Add(20 * time.Minute)
	if n, err := r.PollDue(ctx); err != nil || n != 1 || s.count("/feed.atom") != hits+1 {
		t.Fatalf("PollDue once the backoff is over: n=%d err=%v, %d requests (want 1 more than %d)", n, err, s.count("/feed.atom"), hits)
	}
	// Recovery clears the error.
	s.serve("/feed.atom", "application/atom+xml", simpleFeed(s, "/feed.atom", entry{id: "1", content: "x"}))
	if _, err := r.FetchFeed(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if f := followed(t, r)["a"]; f.LastError != "" {
		t.Fatalf("error not cleared: %q", f.LastError)
	}
}

func TestRetryAfterOn429AndCacheControl(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	s.serve("/feed.atom", "application/atom+xml", simpleFeed(s, "/feed.atom", entry{id: "1", content: "x"}))
	r, _ := openReader(t, aggregate.Options{PollInterval: time.Minute})
	must[aggregate.FeedInfo](t)(r.Follow(ctx, s.URL+"/feed.atom", "a", nil))

	s.handle("/feed.atom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7200")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	start := fakeNow()
	if _, err := r.FetchFeed(ctx, "a"); err == nil {
		t.Fatal("429 not reported")
	}
	next := parseTime(t, followed(t, r)["a"].NextFetch)
	if next.Sub(start) != 2*time.Hour {
		t.Fatalf("next fetch in %s after 429 Retry-After 7200, want 2h", next.Sub(start))
	}

	s.handle("/feed.atom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=10800")
		fmt.Fprint(w, simpleFeed(s, "/feed.atom", entry{id: "1", content: "x"}))
	})
	start = fakeNow()
	must[aggregate.FetchResult](t)(r.FetchFeed(ctx, "a"))
	next = parseTime(t, followed(t, r)["a"].NextFetch)
	if next.Sub(start) != 3*time.Hour {
		t.Fatalf("next fetch in %s after max-age=10800, want 3h", next.Sub(start))
	}

	s.serve("/feed.atom", "application/rss+xml", `<rss version="2.0"><channel><title>t</title><ttl>300</ttl><item><guid>1</guid><description>x</description></item></channel></rss>`)
	start = fakeNow()
	must[aggregate.FetchResult](t)(r.FetchFeed(ctx, "a"))
	next = parseTime(t, followed(t, r)["a"].NextFetch)
	if next.Sub(start) != 5*time.Hour {
		t.Fatalf("next fetch in %s after RSS ttl 300, want 5h", next.Sub(start))
	}
}

func TestPermanentRedirectUpdatesURLTemporaryDoesNot(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	s.serve("/old.atom", "application/atom+xml", simpleFeed(s, "/old.atom", entry{id: "1", content: "x"}))
	s.serve("/new.atom", "application/atom+xml", simpleFeed(s, "/new.atom", entry{id: "1", content: "x"}, entry{id: "2", content: "y"}))
	s.serve("/tmp.atom", "application/atom+xml", simpleFeed(s, "/tmp.atom", entry{id: "1", content: "x"}))
	r, _ := openReader(t, aggregate.Options{})
	must[aggregate.FeedInfo](t)(r.Follow(ctx, s.URL+"/old.atom", "a", nil))
	must[aggregate.FeedInfo](t)(r.Follow(ctx, s.URL+"/tmp.atom", "b", nil))
	s.handle("/old.atom", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new.atom", http.StatusMovedPermanently)
	})
	s.handle("/tmp.atom", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new.atom", http.StatusFound)
	})
	must[[]aggregate.FetchResult](t)(r.FetchAll(ctx, nil))
	f := followed(t, r)
	if f["a"].URL != s.URL+"/new.atom" || f["a"].Posts != 2 {
		t.Errorf("after 301: %+v", f["a"])
	}
	if f["b"].URL != s.URL+"/tmp.atom" {
		t.Errorf("after 302 the URL changed: %+v", f["b"])
	}
}

func TestGoneStopsPolling(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	s.serve("/feed.atom", "application/atom+xml", simpleFeed(s, "/feed.atom", entry{id: "1", content: "x"}))
	r, _ := openReader(t, aggregate.Options{PollInterval: time.Nanosecond})
	must[aggregate.FeedInfo](t)(r.Follow(ctx, s.URL+"/feed.atom", "a", nil))
	s.handle("/feed.atom", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) })
	if _, err := r.FetchFeed(ctx, "a"); err == nil {
		t.Fatal("410 not reported")
	}
	f := followed(t, r)["a"]
	if !f.Gone || !strings.Contains(f.LastError, "gone") {
		t.Fatalf("after 410: %+v", f)
	}
	hits := s.count("/feed.atom")
	must[[]aggregate.FetchResult](t)(r.FetchAll(ctx, nil))
	if n := must[int](t)(r.PollDue(ctx)); n != 0 || s.count("/feed.atom") != hits {
		t.Fatalf("a gone feed was polled again")
	}
}

func TestGzipAndSizeCap(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	body := simpleFeed(s, "/feed.atom", entry{id: "1", content: strings.Repeat("compressible ", 2000)})
	s.handle("/feed.atom", func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			fmt.Fprint(w, body)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		fmt.Fprint(zw, body)
		zw.Close()
	})
	r, _ := openReader(t, aggregate.Options{})
	f, err := r.Follow(ctx, s.URL+"/feed.atom", "a", nil)
	if err != nil || f.Posts != 1 {
		t.Fatalf("gzip feed: %v %+v", err, f)
	}
	if !strings.Contains(s.lastRequest("/feed.atom").Header.Get("Accept-Encoding"), "gzip") {
		t.Error("gzip not asked for")
	}
	small, _ := openReader(t, aggregate.Options{MaxFeedBytes: 1000})
	if _, err := small.Follow(ctx, s.URL+"/feed.atom", "a", nil); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("oversized feed: %v", err)
	}
}

func TestPerHostConcurrencyLimit(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	var mu sync.Mutex
	inFlight, peak := 0, 0
	r, _ := openReader(t, aggregate.Options{PerHost: 2, Concurrency: 8})
	for i := 0; i < 8; i++ {
		path := fmt.Sprintf("/f%d.atom", i)
		body := simpleFeed(s, path, entry{id: "1", content: "x"})
		s.handle(path, func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			inFlight++
			peak = max(peak, inFlight)
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
			mu.Lock()
			inFlight--
			mu.Unlock()
			fmt.Fprint(w, body)
		})
		must[aggregate.FeedInfo](t)(r.Follow(ctx, s.URL+path, fmt.Sprintf("f%d", i), nil))
	}
	peak = 0
	res := must[[]aggregate.FetchResult](t)(r.FetchAll(ctx, nil))
	if len(res) != 8 {
		t.Fatalf("%d results", len(res))
	}
	if peak > 2 {
		t.Fatalf("%d requests in flight to one host, limit 2", peak)
	}
}

func TestPermanentRedirectOntoAKnownFeedMerges(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	s.serve("/old.atom", "application/atom+xml", simpleFeed(s, "/old.atom", entry{id: "1", content: "one"}))
	r, _ := openReader(t, aggregate.Options{})
	must[aggregate.FeedInfo](t)(r.Follow(ctx, s.URL+"/old.atom", "a", nil))
	// The new URL is already stored (unfollowed), e.g. from a thread.
	must[store.IngestResult](t)(r.Ingest(ctx, s.URL+"/new.atom", "", []byte(simpleFeed(s, "/new.atom", entry{id: "1", content: "one"}, entry{id: "0", content: "zero"}))))
	s.handle("/old.atom", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new.atom", http.StatusPermanentRedirect)
	})
	s.serve("/new.atom", "application/atom+xml", simpleFeed(s, "/new.atom", entry{id: "1", content: "one"}, entry{id: "2", content: "two"}))
	if _, err := r.FetchFeed(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	f := followed(t, r)
	if len(f) != 1 || f["a"].URL != s.URL+"/new.atom" || f["a"].Posts != 3 {
		t.Fatalf("after 308 onto a stored feed: %+v", f)
	}
	if tl := must[[]aggregate.Post](t)(r.Timeline(ctx, aggregate.TimelineOptions{})); len(tl) != 3 {
		t.Fatalf("timeline has %d posts, want 3 (one, zero, two)", len(tl))
	}
}
