package hub

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/testwait"

	"github.com/rookery-social/rookery/hub/store"
	"github.com/rookery-social/rookery/internal/pgtest"
	"github.com/rookery-social/rookery/internal/websub"
)

// pgServer is the throwaway PostgreSQL of these tests; nil when
// PostgreSQL is not installed.
var pgServer *pgtest.Server

func TestMain(m *testing.M) { pgtest.Main(m, &pgServer) }

// pair runs the tests on two hub instances sharing one PostgreSQL
// database behind one public URL, as behind a load balancer: requests go
// to the first (testHub.URL), publish pings to the second (testHub.publish).
// TestProtocolAcrossInstances runs the protocol tests so.
var pair = flag.Bool("pair", false, "run each test on two hub instances sharing a PostgreSQL database: subscribe to one, publish to the other")

// epoch sets the hub's time when a test starts: far from the wall clock,
// so that a code path reading time.Now instead of Config.Now shows up.
// Try another with go test ./hub -args -epoch=2001-01-01T00:00:00Z.
var epoch = flag.String("epoch", "2031-01-01T00:00:00Z", "the hub's time (RFC 3339) when each test starts")

// testEpoch is the time -epoch names.
func testEpoch() time.Time {
	t, err := time.Parse(time.RFC3339, *epoch)
	if err != nil {
		panic(fmt.Sprintf("hub tests: -epoch %q: %v", *epoch, err))
	}
	return t
}

// fakeClock is a hub's clock in tests: it starts at testEpoch and runs at
// the pace of the wall clock (the workers' timers are real), and a test
// moves it forward with advance (a lease ends, an entry grows old).
type fakeClock struct {
	epoch time.Time
	start time.Time // on the monotonic clock
	ahead atomic.Int64
}

func newFakeClock() *fakeClock { return &fakeClock{epoch: testEpoch(), start: time.Now()} }

// Now is testEpoch plus the time elapsed since the clock was made plus
// what advance added.
func (c *fakeClock) Now() time.Time {
	return c.epoch.Add(time.Since(c.start) + time.Duration(c.ahead.Load()))
}

func (c *fakeClock) advance(d time.Duration) { c.ahead.Add(int64(d)) }

// ago formats the time d before testEpoch as Atom does (RFC 3339): the
// dates of fixture entries.
func ago(d time.Duration) string { return testEpoch().Add(-d).Format(time.RFC3339) }

// testHub is a hub served on loopback with a real SQLite file, on a fake
// clock.
type testHub struct {
	*Hub
	URL   string
	clock *fakeClock
	// pubURL is where publish pings go: the second instance under -pair,
	// else URL.
	pubURL string
}

// fastConfig returns a config whose intervals suit tests.
func fastConfig(t *testing.T) Config {
	cfg := DefaultConfig()
	cfg.DBPath = t.TempDir() + "/hub.db"
	cfg.AllowPrivate = true
	cfg.RetryBase = 20 * time.Millisecond
	cfg.RetryMax = 100 * time.Millisecond
	cfg.IdleInterval = 20 * time.Millisecond
	cfg.ClaimTimeout = 2 * time.Second
	// Loopback servers answer at once; on a loaded machine under -race an
	// answer may still take seconds, and a timed-out verification is not
	// retried.
	cfg.DeliveryTimeout = 10 * time.Second
	cfg.VerifyTimeout = 10 * time.Second
	cfg.FetchTimeout = 10 * time.Second
	cfg.PollInterval = 0
	cfg.RateLimit = 1000
	cfg.RateBurst = 1000
	cfg.SubscribeRateLimit, cfg.SubscribeRateBurst = 1000, 1000
	cfg.Logger = testLogger(t)
	return cfg
}

func startHub(t *testing.T, change func(*Config)) *testHub {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := fastConfig(t)
	cfg.PublicURL = "http://" + ln.Addr().String() + "/"
	clock := newFakeClock()
	cfg.Now = clock.Now
	if *pair {
		cfg.DBPath = pgtest.Need(t, pgServer).DB(t)
	}
	if change != nil {
		change(&cfg)
	}
	th := &testHub{Hub: serveHub(t, cfg, ln), URL: cfg.PublicURL, clock: clock}
	th.pubURL = th.URL
	if *pair {
		ln2, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		serveHub(t, cfg, ln2)
		th.pubURL = "http://" + ln2.Addr().String() + "/"
	}
	return th
}

// serveHub runs a hub with cfg on ln until the test ends.
func serveHub(t *testing.T, cfg Config, ln net.Listener) *Hub {
	t.Helper()
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h.Handler())
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := h.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	return h
}

// post sends a form to the hub and returns the status and body.
func (th *testHub) post(t *testing.T, form url.Values) (int, string) {
	t.Helper()
	resp, err := http.PostForm(th.URL, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (th *testHub) mustPost(t *testing.T, form url.Values) {
	t.Helper()
	if code, body := th.post(t, form); code != http.StatusAccepted {
		t.Fatalf("POST %v: %d %s, want 202", form, code, body)
	}
}

func (th *testHub) subscribe(t *testing.T, topic, callback string, extra ...string) {
	t.Helper()
	f := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.callback": {callback}}
	for i := 0; i+1 < len(extra); i += 2 {
		f.Add(extra[i], extra[i+1])
	}
	th.mustPost(t, f)
}

// publish pings the hub (the second instance under -pair).
func (th *testHub) publish(t *testing.T, topics ...string) {
	t.Helper()
	form := url.Values{"hub.mode": {"publish"}, "hub.url": topics}
	resp, err := http.PostForm(th.pubURL, form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST %v: %d, want 202", form, resp.StatusCode)
	}
}

// get fetches a hub page.
func (th *testHub) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(strings.TrimSuffix(th.URL, "/") + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// state returns the subscription's state as the /subscription page shows it.
func (th *testHub) state(t *testing.T, topic, callback string) subscriptionView {
	t.Helper()
	resp, err := http.Get(th.URL + "subscription?" + url.Values{"hub.topic": {topic}, "hub.callback": {callback}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v subscriptionView
	if err := decodeJSON(resp.Body, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// counts reads the store's figures at the hub's time, past the cache of
// the pages.
func (th *testHub) counts(t *testing.T) store.Counts {
	t.Helper()
	c, err := th.store.Counts(t.Context(), th.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// settled waits until the subscription of callback to topic has n
// deliveries recorded as delivered and no delivery is pending anywhere:
// the fan-outs that reached callback are committed, and every delivery
// they made has been sent and answered. Tests that check that something
// was not delivered wait for it with a witness callback, then count.
func (th *testHub) settled(t *testing.T, topic, callback string, n int) {
	t.Helper()
	testwait.Until(t, waitLimit, fmt.Sprintf("%d deliveries to %s and none pending", n, callback), func() bool {
		delivered := 0
		for _, d := range th.state(t, topic, callback).Deliveries {
			if d.State == "delivered" {
				delivered++
			}
		}
		return delivered == n && th.counts(t).PendingDeliveries == 0
	})
}

// topicServer is a test publisher: it serves one topic document.
type topicServer struct {
	*httptest.Server
	mu          sync.Mutex
	body        []byte
	contentType string
	etag        string
	requests    []http.Header
}

func newTopic(t *testing.T, contentType, body string) *topicServer {
	ts := &topicServer{body: []byte(body), contentType: contentType}
	ts.Server = httptest.NewServer(http.HandlerFunc(ts.serve))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *topicServer) serve(w http.ResponseWriter, r *http.Request) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.requests = append(ts.requests, r.Header.Clone())
	if ts.etag != "" {
		w.Header().Set("ETag", ts.etag)
		if r.Header.Get("If-None-Match") == ts.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Header()["Content-Type"] = []string{ts.contentType}
	w.Write(ts.body)
}

func (ts *topicServer) set(body, etag string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.body, ts.etag = []byte(body), etag
}

func (ts *topicServer) fetches() []http.Header {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]http.Header(nil), ts.requests...)
}

// delivery is one content distribution request a subscriber received.
type delivery struct {
	Path   string
	Header http.Header
	Body   []byte
}

// subscriber is a test subscriber: it answers verifications (echoing the
// challenge unless told otherwise) and records deliveries.
type subscriber struct {
	*httptest.Server
	mu         sync.Mutex
	verifies   []*url.URL
	deliveries []delivery
	// verify answers a verification GET; default echoes the challenge.
	verify func(q url.Values) (int, string)
	// deliver answers the n-th delivery (from 0); default 204.
	deliver  func(n int, r *http.Request) int
	inFlight atomic.Int32
	maxSeen  atomic.Int32
}

func newSubscriber(t *testing.T) *subscriber {
	s := &subscriber{}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *subscriber) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		s.mu.Lock()
		s.verifies = append(s.verifies, r.URL)
		verify := s.verify
		s.mu.Unlock()
		code, body := http.StatusOK, r.URL.Query().Get(websub.ParamChallenge)
		if verify != nil {
			code, body = verify(r.URL.Query())
		}
		w.WriteHeader(code)
		io.WriteString(w, body)
		return
	}
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for m := s.maxSeen.Load(); n > m && !s.maxSeen.CompareAndSwap(m, n); m = s.maxSeen.Load() {
	}
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	i := len(s.deliveries)
	s.deliveries = append(s.deliveries, delivery{Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
	deliver := s.deliver
	s.mu.Unlock()
	code := http.StatusNoContent
	if deliver != nil {
		code = deliver(i, r)
	}
	w.WriteHeader(code)
}

func (s *subscriber) setVerify(f func(url.Values) (int, string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.verify = f
}

func (s *subscriber) got() []delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]delivery(nil), s.deliveries...)
}

func (s *subscriber) gotOn(path string) []delivery {
	var out []delivery
	for _, d := range s.got() {
		if d.Path == path {
			out = append(out, d)
		}
	}
	return out
}

func (s *subscriber) verifications() []*url.URL {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*url.URL(nil), s.verifies...)
}

// waitLimit bounds every wait for a positive signal in the hub's tests: long
// enough for a loaded 2-core machine, short enough to fail a stuck test.
const waitLimit = 30 * time.Second

// perInstance skips a test under -pair: what it checks is per instance.
func perInstance(t *testing.T, why string) {
	t.Helper()
	if *pair {
		t.Skip("per instance under -pair: " + why)
	}
}
