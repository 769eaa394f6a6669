// Package hub is a W3C WebSub hub (Recommendation of 2018-01-23): it takes
// subscription requests, verifies the subscriber's intent, fetches topics
// when their publisher pings (and on a schedule), and delivers each new
// version of a topic to every subscriber with signatures and durable
// retries. All state lives in a store.Store (SQLite by default), so a hub
// killed mid-fan-out resumes where it stopped.
//
// Use New, then Handler to serve HTTP, Start to run the workers and Close
// to drain them; Serve does all of it for the hub command.
//
// It is not a WebSub subscriber or publisher: those live with the reader
// and feedpub.
package hub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/rookery-social/rookery/hub/store"
	"github.com/rookery-social/rookery/internal/ratelimit"
	"github.com/rookery-social/rookery/internal/safehttp"
)

// userAgent names the hub in every outbound request.
const userAgent = "Rookery-WebSub-Hub/1 (+https://github.com/rookery-social/rookery)"

// resultsBuffer is how many delivery results may wait for the committer, so
// that delivery workers never wait for the database.
const resultsBuffer = 1 << 16

// Hub is a running WebSub hub. Its methods are safe for concurrent use.
type Hub struct {
	cfg      Config
	log      *slog.Logger
	store    store.Store
	metrics  *metrics
	limiter  *ratelimit.PerIP // publish pings and the public GETs
	subLimit *ratelimit.PerIP // subscribe and unsubscribe requests
	contents *contentCache
	counts   *countsCache
	errs     *taskErrors // of the repeating tasks, logged once a minute

	verifyClient, fetchClient, deliverClient *http.Client

	verifyWake, fetchWake, deliverWake chan struct{}
	dist                               *distributor
	track                              *tracker // nil when tracking is off
	results                            chan store.DeliveryResult
	waiters                            *fetchWaiters // rssCloud pings waiting for their fetch
	cloudSlots                         chan struct{} // bounds rssCloud registrations in progress

	cron *cron.Cron

	mu        sync.Mutex
	started   bool
	closed    bool
	stopLoops context.CancelFunc // stops claiming new work
	stopWork  context.CancelFunc // aborts in-flight requests
	loops     sync.WaitGroup     // the claim loops
	work      sync.WaitGroup     // in-flight verifications and fetches
	committer sync.WaitGroup
}

// New opens the store (unless cfg.Store is set) and prepares a Hub. Zero
// fields of cfg take DefaultConfig's values; the whole configuration is
// checked before the store is opened.
func New(cfg Config) (*Hub, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	st, err := openStore(cfg)
	if err != nil {
		return nil, err
	}
	if err := releaseClaims(st, cfg.Now()); err != nil {
		if cfg.Store == nil {
			st.Close()
		}
		return nil, err
	}
	h := &Hub{
		cfg:         cfg,
		log:         cfg.Logger,
		store:       st,
		limiter:     ratelimit.New(cfg.RateLimit, cfg.RateBurst),
		subLimit:    ratelimit.New(cfg.SubscribeRateLimit, cfg.SubscribeRateBurst),
		verifyWake:  make(chan struct{}, 1),
		fetchWake:   make(chan struct{}, 1),
		deliverWake: make(chan struct{}, 1),
		results:     make(chan store.DeliveryResult, resultsBuffer),
		errs:        newTaskErrors(cfg.Logger, cfg.Now),
		waiters:     newFetchWaiters(),
		cloudSlots:  make(chan struct{}, cfg.VerifyConcurrency),
	}
	h.contents = newContentCache(st)
	h.counts = &countsCache{st: st, now: cfg.Now}
	h.metrics = newMetrics(h)
	h.verifyClient = h.newClient(cfg.VerifyTimeout, -1)
	h.fetchClient = h.newClient(cfg.FetchTimeout, 5)
	// The distributor bounds connections per host itself; the transport's
	// own per-host limit would only add locking to the hot path.
	h.deliverClient = h.newClient(cfg.DeliveryTimeout, -1)
	h.deliverClient.Timeout = 0 // post sets a deadline on each request
	h.dist = newDistributor(h)
	h.track = newTracker(h)
	return h, nil
}

// openStore returns cfg.Store, or else opens the PostgreSQL database or
// the SQLite file cfg.DBPath names.
func openStore(cfg Config) (store.Store, error) {
	if cfg.Store != nil {
		return cfg.Store, nil
	}
	if store.IsPostgresURL(cfg.DBPath) {
		st, err := store.OpenPostgres(context.Background(), cfg.DBPath, store.PostgresOptions{
			PoolSize: cfg.DBPoolSize, StatementTimeout: cfg.DBStatementTimeout})
		if err != nil {
			return nil, fmt.Errorf("hub: %w", err)
		}
		return st, nil
	}
	st, err := store.OpenSQLite(context.Background(), cfg.DBPath)
	if err != nil {
		return nil, fmt.Errorf("hub: %w", err)
	}
	return st, nil
}

// claimReleaser is a store whose claims can only be this process's (one
// SQLite file serves one hub), so those left by a previous process are
// released when the hub starts, and its work resumes at once.
type claimReleaser interface {
	ReleaseClaims(ctx context.Context, now time.Time) error
}

func releaseClaims(st store.Store, now time.Time) error {
	r, ok := st.(claimReleaser)
	if !ok {
		return nil
	}
	if err := r.ReleaseClaims(context.Background(), now); err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	return nil
}

// now reads the hub's clock (Config.Now).
func (h *Hub) now() time.Time { return h.cfg.Now() }

// newClient returns a guarded client that keeps enough idle connections to
// reuse them under full concurrency.
func (h *Hub) newClient(timeout time.Duration, redirects int) *http.Client {
	c := safehttp.NewClient(safehttp.Options{
		AllowPrivate: h.cfg.AllowPrivate,
		DialTimeout:  h.cfg.DialTimeout,
		Timeout:      timeout,
		MaxRedirects: redirects,
	})
	if tr, ok := c.Transport.(*http.Transport); ok {
		tr.MaxIdleConns = 2 * h.cfg.DeliveryConcurrency
		tr.MaxIdleConnsPerHost = max(h.cfg.HostConcurrency, 2)
	}
	return c
}

// Config returns the effective configuration (defaults filled in).
func (h *Hub) Config() Config { return h.cfg }

// Start runs the verification, fetch and delivery workers and the poll
// schedule until Close. It returns at once.
func (h *Hub) Start(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.started {
		return errors.New("hub: already started")
	}
	h.started = true
	loopCtx, stopLoops := context.WithCancel(context.WithoutCancel(ctx))
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	h.stopLoops, h.stopWork = stopLoops, stopWork
	h.committer.Add(1)
	go h.commitResults()
	h.startLoop(func() { h.verifyLoop(loopCtx, workCtx) })
	h.startLoop(func() { h.fetchLoop(loopCtx, workCtx) })
	h.startLoop(func() { h.dist.run(loopCtx, workCtx) })
	if h.track != nil {
		h.track.start(workCtx)
	}
	h.cron = h.schedule()
	h.cron.Start()
	h.log.Info("hub: started", "url", h.cfg.PublicURL, "allow_private", h.cfg.AllowPrivate)
	return nil
}

func (h *Hub) startLoop(f func()) {
	h.loops.Add(1)
	go func() {
		defer h.loops.Done()
		f()
	}()
}

// Close stops taking new work, waits for in-flight work until ctx ends
// (then aborts it; aborted deliveries stay pending), writes the last
// results and closes the store. Later calls do nothing.
func (h *Hub) Close(ctx context.Context) error {
	h.mu.Lock()
	started, closed := h.started, h.closed
	h.closed = true
	h.mu.Unlock()
	if closed {
		return nil
	}
	if started {
		h.drain(ctx)
	}
	if err := h.store.Close(); err != nil {
		return fmt.Errorf("hub: close: %w", err)
	}
	return nil
}

func (h *Hub) drain(ctx context.Context) {
	<-h.cron.Stop().Done()
	h.stopLoops()
	done := make(chan struct{})
	go func() {
		h.loops.Wait()
		h.work.Wait()
		if h.track != nil {
			h.track.stop() // it hands deliveries to the distributor
		}
		h.dist.wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		h.log.Warn("hub: drain deadline reached, aborting in-flight requests")
		h.stopWork()
		<-done
	}
	h.stopWork()
	close(h.results)
	h.committer.Wait()
	h.log.Info("hub: stopped")
}

// wake nudges a worker loop without blocking.
func wake(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// idle waits for a wake-up, the idle interval or the end of ctx, and
// reports whether to go on.
func (h *Hub) idle(ctx context.Context, c chan struct{}) bool {
	t := time.NewTimer(h.cfg.IdleInterval)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-c:
	case <-t.C:
	}
	return true
}
