package hub

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/pgtest"
)

// benchSubscribers is the fan-out size of BenchmarkFanOut.
const benchSubscribers = 1000

// benchConcurrency is the delivery concurrency of both benchmarks.
const benchConcurrency = 32

// counter counts deliveries and signals when a target is reached.
type counter struct {
	n       atomic.Int64
	target  atomic.Int64
	reached chan struct{}
}

// countingServer answers verifications and counts deliveries.
func countingServer(b *testing.B, c *counter) *httptest.Server {
	c.reached = make(chan struct{}, 1)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			io.WriteString(w, r.URL.Query().Get("hub.challenge"))
			return
		}
		io.Copy(io.Discard, r.Body)
		if c.n.Add(1) == c.target.Load() {
			c.reached <- struct{}{}
		}
	}))
	b.Cleanup(s.Close)
	return s
}

// BenchmarkFanOut measures one publish delivered to 1,000 subscribers,
// from the ping to the last delivery.
func BenchmarkFanOut(b *testing.B) { benchFanOut(b, b.TempDir()+"/hub.db", 1) }

// BenchmarkFanOutPostgres is BenchmarkFanOut on PostgreSQL (the tests'
// throwaway server), with one hub instance and with two sharing the
// database (the ping goes to the first; both deliver).
func BenchmarkFanOutPostgres(b *testing.B) {
	for _, n := range []int{1, 2} {
		b.Run(strconv.Itoa(n)+"-instances", func(b *testing.B) {
			benchFanOut(b, pgtest.Need(b, pgServer).DB(b), n)
		})
	}
}

// benchFanOut runs BenchmarkFanOut on the database dbPath with instances
// hubs sharing it.
func benchFanOut(b *testing.B, dbPath string, instances int) {
	body := bytes.Repeat([]byte("<entry>x</entry>"), 256)
	var version atomic.Int64
	topic := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write(body)
		io.WriteString(w, strconv.FormatInt(version.Load(), 10))
	}))
	b.Cleanup(topic.Close)
	cfg := DefaultConfig()
	cfg.DBPath = dbPath
	cfg.AllowPrivate = true
	cfg.DeliveryConcurrency, cfg.HostConcurrency = benchConcurrency, benchConcurrency
	cfg.RateLimit, cfg.RateBurst = 1e6, 1e6
	cfg.SubscribeRateLimit, cfg.SubscribeRateBurst = 1e6, 1e6
	cfg.VerifyConcurrency = 32
	cfg.PollInterval = 0
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	hubSrv := httptest.NewUnstartedServer(nil)
	cfg.PublicURL = "http://" + hubSrv.Listener.Addr().String() + "/"
	h, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	hubSrv.Config.Handler = h.Handler()
	hubSrv.Start()
	b.Cleanup(hubSrv.Close)
	h.Start(context.Background())
	b.Cleanup(func() { h.Close(context.Background()) })
	for range instances - 1 {
		other, err := New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		other.Start(context.Background())
		b.Cleanup(func() { other.Close(context.Background()) })
	}

	var n counter
	sub := countingServer(b, &n)
	for i := range benchSubscribers {
		resp, err := http.PostForm(hubSrv.URL, url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic.URL},
			"hub.callback": {sub.URL + "/cb/" + strconv.Itoa(i)}})
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
	for {
		c, _ := h.store.Counts(context.Background(), h.now())
		if c.ActiveSubscriptions == benchSubscribers {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		n.target.Store(n.n.Load() + benchSubscribers)
		version.Add(1)
		resp, err := http.PostForm(hubSrv.URL, url.Values{"hub.mode": {"publish"}, "hub.url": {topic.URL}})
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		<-n.reached
	}
	b.ReportMetric(float64(b.N*benchSubscribers)/b.Elapsed().Seconds(), "deliveries/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBareLoop is the yardstick: the same POSTs (body and headers)
// from a plain Go loop with the same concurrency. The hub's target is at
// least 75% of its rate.
func BenchmarkBareLoop(b *testing.B) {
	body := bytes.Repeat([]byte("<entry>x</entry>"), 256)
	var n counter
	sub := countingServer(b, &n)
	tr := &http.Transport{MaxIdleConnsPerHost: benchConcurrency}
	c := &http.Client{Transport: tr}
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		jobs := make(chan int)
		var wg sync.WaitGroup
		for range benchConcurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range jobs {
					req, _ := http.NewRequest(http.MethodPost, sub.URL+"/cb/"+strconv.Itoa(i), bytes.NewReader(body))
					// the headers a delivery carries
					req.Header.Set("Content-Type", "application/atom+xml")
					req.Header.Set("User-Agent", userAgent)
					req.Header["Link"] = []string{`<http://127.0.0.1:1/>; rel="hub"`, `<http://127.0.0.1:2/feed>; rel="self"`}
					resp, err := c.Do(req)
					if err != nil {
						b.Error(err)
						continue
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}()
		}
		for i := range benchSubscribers {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
	}
	b.ReportMetric(float64(b.N*benchSubscribers)/b.Elapsed().Seconds(), "deliveries/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
}
