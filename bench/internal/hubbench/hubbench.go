package hubbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rookery-social/rookery/bench/internal/measure"
	"github.com/rookery-social/rookery/hub"
	"github.com/rookery-social/rookery/hub/store"
	"github.com/rookery-social/rookery/internal/websub"
)

// section names the hub's figures in the report.
const section = "Hub"

// Config says what to measure.
type Config struct {
	FanOuts    []int  // subscriber counts of the fan-out comparison
	StoreSizes []int  // subscription counts of the store, memory and restart figures
	Runs       int    // restarts timed per store size
	FanOutRuns int    // paired rounds per fan-out size (median of them)
	Bin        string // directory of the built hub binary
	Work       string // scratch directory
	Log        io.Writer
}

// callbackServers is how many loopback servers share the subscribers; the
// hub's per-host limit applies to each (host:port).
const callbackServers = 8

// note explains the hub's figures in the report.
const note = "Hub: subscriptions are inserted directly through the hub's store package (`hub/store.FinishVerification` of a verified subscribe, " +
	"one transaction each), not through verified subscribe requests. Every subscription has a 30-byte `hub.secret`, so every delivery carries an HMAC-SHA256 signature. " +
	"Callbacks are 8 loopback `httptest` servers in the bench process (one path per subscriber, answering 204). " +
	"Fan-out: `hub.New` in-process with `hub.DefaultConfig()` (SQLite in WAL mode, synchronous=NORMAL — durability on; 64 deliveries in flight, 8 per callback host), " +
	"only `AllowPrivate`, a raised ping rate limit and no polling changed; timed from the publish ping (a POST to the hub, which then fetches the 7 KB Atom topic from a loopback server) " +
	"to the last delivery received. The bare loop POSTs the same body with the same headers (Content-Type, two Link headers, User-Agent) and a signature computed per subscriber, " +
	"from 64 goroutines over a transport limited to 8 connections per host: the hub's limits. Each round runs the hub and the bare loop (alternating which goes first) on fresh content, after one warm-up round of each. " +
	"Store, memory and restart: the `hub` binary on a database of N subscriptions; memory is its RSS from /proc (VmRSS idle after start; VmHWM, the peak, after one publish fanned out to all N); " +
	"restart is from exec until `GET /healthz` answers 200."

// Run takes every hub figure.
func Run(ctx context.Context, cfg Config) ([]measure.Figure, []string, error) {
	var figs []measure.Figure
	for _, n := range cfg.FanOuts {
		f, err := fanOut(ctx, cfg, n)
		if err != nil {
			return figs, nil, err
		}
		figs = append(figs, f...)
	}
	for _, n := range cfg.StoreSizes {
		f, err := scale(ctx, cfg, n)
		if err != nil {
			return figs, nil, err
		}
		figs = append(figs, f...)
	}
	return figs, []string{note}, nil
}

// subscribe records n verified subscriptions to topicURL directly in the
// hub's store at db (a SQLite path or a postgres:// URL), as a verified
// subscribe request would.
func subscribe(ctx context.Context, db, topicURL string, n int, cb *callbacks) error {
	return subscribeFrom(ctx, db, topicURL, 0, n, cb)
}

// subscribeFrom records subscribers first … first+n-1 (callbacks and
// secrets by index). PostgreSQL takes them from several connections at
// once, with synchronous_commit off for the load only: the load is set-up,
// not a figure.
func subscribeFrom(ctx context.Context, db, topicURL string, first, n int, cb *callbacks) error {
	if n == 0 {
		return nil
	}
	workers := 1
	var st store.Store
	var err error
	if store.IsPostgresURL(db) {
		workers = loadWorkers
		st, err = store.OpenPostgres(ctx, withParam(db, "synchronous_commit", "off"), store.PostgresOptions{PoolSize: workers})
	} else {
		st, err = store.OpenSQLite(ctx, db)
	}
	if err != nil {
		return fmt.Errorf("hubbench: %w", err)
	}
	defer st.Close()
	now := time.Now()
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := first + w; i < first+n && errs[w] == nil; i += workers {
				v := store.Verification{Mode: websub.ModeSubscribe, Topic: topicURL, Callback: cb.url(i),
					Secret: secret(i), LeaseSeconds: int64((10 * 24 * time.Hour) / time.Second), CreatedAt: now}
				if err := st.FinishVerification(ctx, v, store.VerifyVerified, "", now); err != nil {
					errs[w] = fmt.Errorf("hubbench: subscription %d: %w", i, err)
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// loadWorkers is how many connections load subscriptions into PostgreSQL.
const loadWorkers = 8

// hubConfig is the hub's default configuration (durable SQLite store,
// default delivery concurrency), opened to loopback and without rate
// limits on the bench's own pings.
func hubConfig(dbPath string) hub.Config {
	c := hub.DefaultConfig()
	c.DBPath = dbPath
	c.AllowPrivate = true
	c.RateLimit, c.RateBurst = 1e6, 1e6
	c.PollInterval = 0
	c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	return c
}

// ping sends a publish ping for topicURL.
func ping(ctx context.Context, hubURL, topicURL string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hubURL,
		strings.NewReader(url.Values{"hub.mode": {"publish"}, "hub.url": {topicURL}}.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("hubbench: publish ping: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("hubbench: publish ping answered %s", resp.Status)
	}
	return nil
}

// await waits for the armed number of deliveries, or fails after timeout.
func (c *callbacks) await(timeout time.Duration) error {
	select {
	case <-c.reached:
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("hubbench: only %d of %d deliveries arrived within %s", c.received.Load(), c.target.Load(), timeout)
	}
}

// deliveryTimeout bounds the wait for a fan-out of n.
func deliveryTimeout(n int) time.Duration {
	return 30*time.Second + time.Duration(n)*2*time.Millisecond
}

// rig is an in-process hub on loopback with n subscribers.
type rig struct {
	cb     *callbacks
	tp     *topic
	srv    *httptest.Server
	h      *hub.Hub
	others []*hub.Hub // instances sharing h's database, without an HTTP server
	hubURL string
}

func newRig(ctx context.Context, dbPath string, n int) (*rig, error) {
	return newRigWith(ctx, dbPath, n, rigOptions{})
}

// rigOptions vary the rig's hub.
type rigOptions struct {
	noTrack   bool // turn tracked topics off
	instances int  // hub instances sharing the database (PostgreSQL); 0 is 1
	// before runs once the hub's public URL is known and its n subscribers
	// are stored, before the hub opens the store and starts.
	before func(ctx context.Context, dbPath, publicURL string) error
}

func newRigWith(ctx context.Context, dbPath string, n int, o rigOptions) (*rig, error) {
	g := &rig{cb: newCallbacks(callbackServers), tp: newTopic(), srv: httptest.NewUnstartedServer(nil)}
	publicURL := "http://" + g.srv.Listener.Addr().String() + "/"
	if err := subscribe(ctx, dbPath, g.tp.url(), n, g.cb); err != nil {
		g.close()
		return nil, err
	}
	if o.before != nil {
		if err := o.before(ctx, dbPath, publicURL); err != nil {
			g.close()
			return nil, err
		}
	}
	hc := hubConfig(dbPath)
	hc.PublicURL = publicURL
	hc.NoTrack = o.noTrack
	h, err := hub.New(hc)
	if err != nil {
		g.close()
		return nil, err
	}
	g.h = h
	g.srv.Config.Handler = h.Handler()
	g.srv.Start()
	g.hubURL = g.srv.URL
	if err := h.Start(ctx); err != nil {
		return g, err
	}
	for range o.instances - 1 {
		other, err := hub.New(hc)
		if err != nil {
			return g, err
		}
		g.others = append(g.others, other)
		if err := other.Start(ctx); err != nil {
			return g, err
		}
	}
	return g, nil
}

func (g *rig) close() {
	if g.srv != nil {
		g.srv.Close()
	}
	if g.h != nil {
		g.h.Close(context.Background())
	}
	for _, o := range g.others {
		o.Close(context.Background())
	}
	g.cb.close()
	g.tp.srv.Close()
}

// fanOut compares the in-process hub with the bare loop at n subscribers,
// round by round (alternating which goes first), after one warm-up round
// of each.
func fanOut(ctx context.Context, cfg Config, n int) ([]measure.Figure, error) {
	g, err := newRig(ctx, filepath.Join(cfg.Work, fmt.Sprintf("fanout-%d.db", n)), n)
	if err != nil {
		return nil, err
	}
	defer g.close()
	hc := g.h.Config()
	bare := newBareLoop(hc.DeliveryConcurrency, hc.HostConcurrency, hc.PublicURL)
	var hubRates, bareRates []float64
	for round := range cfg.FanOutRuns + 1 {
		hd, bd, err := pairedRound(ctx, g, bare, n, round%2 == 1)
		if err != nil {
			return nil, err
		}
		if round > 0 { // the first round warms connections and caches
			hubRates = append(hubRates, float64(n)/hd.Seconds())
			bareRates = append(bareRates, float64(n)/bd.Seconds())
		}
	}
	if u := g.cb.unsigned.Load(); u > 0 {
		return nil, fmt.Errorf("hubbench: %d deliveries arrived without a signature", u)
	}
	name := fmt.Sprintf("fan-out to %s subscribers", measure.Count(n))
	ratio := measure.FromSummary(section, name+": hub rate / bare-loop rate", "×", measure.Summarize(measure.Ratios(hubRates, bareRates)))
	if n == 1000 {
		ratio = ratio.AtLeast(0.75, "≥ 0.75")
	}
	fmt.Fprintf(cfg.Log, "hub: fan-out %d: ratio %.2f\n", n, ratio.Value)
	return []measure.Figure{
		measure.FromSummary(section, name+": hub (in-process, SQLite WAL)", "deliveries/s", measure.Summarize(hubRates)),
		measure.FromSummary(section, name+": bare Go loop, same concurrency", "deliveries/s", measure.Summarize(bareRates)),
		ratio,
	}, nil
}

// pairedRound times the hub and the bare loop delivering to n, in either
// order, so that neither always runs first.
func pairedRound(ctx context.Context, g *rig, bare *bareLoop, n int, bareFirst bool) (hub, loop time.Duration, err error) {
	if bareFirst {
		settle()
		if loop, err = bare.round(ctx, g.cb, g.tp, n); err != nil {
			return 0, 0, err
		}
	}
	settle()
	if hub, err = hubRound(ctx, g.cb, g.tp, g.hubURL, n); err != nil {
		return 0, 0, err
	}
	if !bareFirst {
		settle()
		loop, err = bare.round(ctx, g.cb, g.tp, n)
	}
	return hub, loop, err
}

// hubRound publishes new content and times ping to last delivery.
func hubRound(ctx context.Context, cb *callbacks, tp *topic, hubURL string, n int) (time.Duration, error) {
	tp.bump()
	cb.expect(n)
	start := time.Now()
	if err := ping(ctx, hubURL+"/", tp.url()); err != nil {
		return 0, err
	}
	if err := cb.await(deliveryTimeout(n)); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}
