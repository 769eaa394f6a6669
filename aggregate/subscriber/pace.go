package subscriber

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Pacing of the requests to each hub. A reader that follows hundreds of
// feeds on one hub must not send them all at once: the hub limits each
// address and answers 429 with Retry-After; the reader waits that long
// before it sends that hub anything more.
const (
	// PerHubInFlight is how many requests may be in flight to one hub.
	PerHubInFlight = 4
	// hubsAtOnce is how many hubs one Sync works on at a time.
	hubsAtOnce = 8
	// maxInlineWait is how long a Sync waits for a hub that asked to
	// wait; a longer wait is left to the Sync after it (the subscription's
	// next action is then the hub's time).
	maxInlineWait = 15 * time.Second
	// maxBusyTries is how many times one request is sent to a hub that
	// keeps answering 429 within one Sync.
	maxBusyTries = 5
	// defaultWait is the wait after a 429 without a usable Retry-After.
	defaultWait = 5 * time.Second
	// maxWait bounds the Retry-After honoured.
	maxWait = deniedRetry
)

// pacer holds, per hub, the requests in flight and the time before which
// nothing is sent to it. Its waits run on the real clock: they are
// in-process pauses, not recorded times. One entry per hub host a
// followed feed names, so its size follows what is followed.
type pacer struct {
	mu   sync.Mutex
	hubs map[string]*hubGate
}

type hubGate struct {
	slots chan struct{} // one per request in flight
	mu    sync.Mutex
	until time.Time // real clock: no request before
}

func newPacer() *pacer { return &pacer{hubs: map[string]*hubGate{}} }

// hubKey is what hub requests are paced by: scheme and host of the hub URL
// (one server, one limit, whatever its paths).
func hubKey(hub string) string {
	u, err := url.Parse(hub)
	if err != nil || u.Host == "" {
		return hub
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

func (p *pacer) gate(hub string) *hubGate {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := hubKey(hub)
	g, ok := p.hubs[key]
	if !ok {
		g = &hubGate{slots: make(chan struct{}, PerHubInFlight)}
		p.hubs[key] = g
	}
	return g
}

// errWaiting is returned by acquire when the hub asked to be left alone
// for longer than a Sync waits; wait is what is left of it.
type errWaiting struct{ wait time.Duration }

func (e errWaiting) Error() string {
	return fmt.Sprintf("subscriber: the hub asked to wait; next request in %s", e.wait.Round(time.Second))
}

// acquire takes one of the hub's request slots once the hub's pause is
// over, waiting at most maxInlineWait for it; it returns the release.
func (p *pacer) acquire(ctx context.Context, hub string) (func(), error) {
	g := p.gate(hub)
	deadline := time.Now().Add(maxInlineWait)
	select {
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release := func() { <-g.slots }
	for {
		g.mu.Lock()
		until := g.until
		g.mu.Unlock()
		wait := time.Until(until)
		if wait <= 0 {
			return release, nil
		}
		if until.After(deadline) {
			release()
			return nil, errWaiting{wait}
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			release()
			return nil, ctx.Err()
		}
	}
}

// pause holds every request to hub for d (a later pause wins).
func (p *pacer) pause(hub string, d time.Duration) {
	g := p.gate(hub)
	g.mu.Lock()
	defer g.mu.Unlock()
	if until := time.Now().Add(d); until.After(g.until) {
		g.until = until
	}
}

// retryAfter reads Retry-After: delay-seconds, or an HTTP date taken
// relative to the response's Date (the hub's own clock) or else to now.
// It reports false when the header is absent or unreadable.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return min(time.Duration(min(n, int64(maxWait/time.Second)))*time.Second, maxWait), true
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		now = date
	}
	return min(max(at.Sub(now), 0), maxWait), true
}

// job is one request-bearing piece of a Sync, paced by its hub.
type job struct {
	hub string
	run func(ctx context.Context) error
}

// runJobs runs jobs grouped by hub: up to hubsAtOnce hubs at a time, and
// up to PerHubInFlight jobs of one hub at a time (the pacer enforces the
// same bound on the requests themselves). It returns every job's error.
func runJobs(ctx context.Context, jobs []job) []error {
	groups := map[string][]job{}
	var order []string
	for _, j := range jobs {
		k := hubKey(j.hub)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], j)
	}
	var mu sync.Mutex
	var errs []error
	record := func(err error) {
		if err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	}
	queue := make(chan []job, len(order))
	for _, k := range order {
		queue <- groups[k]
	}
	close(queue)
	var wg sync.WaitGroup
	for range min(hubsAtOnce, len(order)) {
		wg.Go(func() {
			for g := range queue {
				runGroup(ctx, g, record)
			}
		})
	}
	wg.Wait()
	return errs
}

// runGroup runs one hub's jobs, PerHubInFlight at a time.
func runGroup(ctx context.Context, jobs []job, record func(error)) {
	next := make(chan job, len(jobs))
	for _, j := range jobs {
		next <- j
	}
	close(next)
	var wg sync.WaitGroup
	for range min(PerHubInFlight, len(jobs)) {
		wg.Go(func() {
			for j := range next {
				if ctx.Err() != nil {
					return
				}
				record(j.run(ctx))
			}
		})
	}
	wg.Wait()
}
