// Package daemon runs `reader serve`: one HTTP server that receives WebSub
// deliveries (package subscriber) and Webmentions (package webmention),
// plus the schedules that poll followed feeds and keep subscriptions in
// line with what is followed. It depends on the reader's core only
// through the Store interface, which *aggregate.Reader satisfies.
//
// Every public URL (callbacks, the advertised Webmention endpoint) is
// built from Config.BaseURL, so the daemon works behind a reverse proxy
// or a tunnel that forwards BaseURL's paths to the daemon's root.
package daemon

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/robfig/cron/v3"

	"github.com/rookery-social/rookery/aggregate/rsscloud"
	"github.com/rookery-social/rookery/aggregate/subscriber"
	"github.com/rookery-social/rookery/aggregate/webmention"
	"github.com/rookery-social/rookery/internal/ratelimit"
	"github.com/rookery-social/rookery/internal/safehttp"
	"github.com/rookery-social/rookery/internal/schedule"
)

// Store is what the reader's core (*aggregate.Reader) provides to the
// daemon: what the subscriber and the Webmention receiver need, and the
// polling of due feeds.
type Store interface {
	subscriber.Store
	webmention.Store
	// PollDue fetches the feeds whose next poll is due and returns how
	// many it fetched. It treats a feed in store.ModePush as due only
	// every PushPollEvery, as a safety net.
	PollDue(ctx context.Context) (int, error)
}

// Defaults and the push safety net.
const (
	DefaultAddr = "127.0.0.1:7070"
	// DefaultPoll is the default Config.Poll: every 15 minutes.
	DefaultPoll      = "@every 15m"
	DefaultSyncEvery = 10 * time.Second
	// PushPollEvery is how rarely Store.PollDue should poll a feed whose
	// mode is store.ModePush: a safety net for lost deliveries.
	PushPollEvery = 6 * time.Hour
	// UserAgent names the project in every request the daemon makes.
	UserAgent       = "Rookery-reader/1 (+https://github.com/rookery-social/rookery)"
	shutdownTimeout = 10 * time.Second
)

// Config configures the daemon.
type Config struct {
	// Addr is the listen address; default 127.0.0.1:7070.
	Addr string
	// BaseURL is the public URL the daemon is reached at (--url); default
	// http://Addr. Callback and endpoint URLs are built from it.
	BaseURL string
	// AllowPrivate lets fetches and hub requests reach loopback and
	// private addresses (local use and tests only: strangers choose
	// these URLs).
	AllowPrivate bool
	// Poll is when Store.PollDue is called (besides once at start), as
	// ParseSchedule reads it: a cron expression or a duration; default
	// DefaultPoll. Store.PollDue decides which feeds are due (push feeds
	// only every PushPollEvery).
	Poll string
	// SyncEvery is how often subscriptions are synced with the followed
	// feeds; default 10 seconds (cheap when nothing changed).
	SyncEvery time.Duration
	// Lease is the WebSub lease requested; default 10 days.
	Lease time.Duration
	// WebmentionRate and WebmentionBurst limit the Webmentions accepted
	// per source address: default 1 per second in bursts of 20.
	WebmentionRate  float64
	WebmentionBurst int
	// MentionsPerHostPerHour bounds the Webmentions kept (queued or
	// stored) per source host in any hour; default 20.
	MentionsPerHostPerHour int
	// Logger receives the daemon's logs; default discards.
	Logger *slog.Logger
	// Tracks, when set, makes the subscriber also subscribe to tracked
	// topics and store their deliveries (see subscriber.Tracks).
	Tracks subscriber.Tracks
	// FetchFeed, when set, does a conditional GET of one followed feed
	// and stores it; it turns on the rssCloud subscriber (package
	// rsscloud), which calls it when a cloud notifies a feed.
	FetchFeed func(ctx context.Context, feedURL string) error
	// Now is the clock of leases, renewals and Webmention retries;
	// default time.Now. The schedules' timers run on real time.
	Now func() time.Time
	// Web, when set, is the reader's web view, mounted at / beside the
	// daemon's endpoints (package web); it applies its own login.
	Web interface{ Routes(chi.Router) }
}

// Daemon is a configured `reader serve`.
type Daemon struct {
	cfg     Config
	pollAt  cron.Schedule
	store   Store
	db      *sql.DB
	sub     *subscriber.Subscriber
	cloud   *rsscloud.Subscriber // nil without Config.FetchFeed
	wm      *webmention.Receiver
	log     *slog.Logger
	syncNow chan struct{}
	limiter *ratelimit.PerIP
}

// New checks cfg, migrates the subscriber's and receiver's tables in db
// and returns a Daemon ready to Run.
func New(db *sql.DB, store Store, cfg Config) (*Daemon, error) {
	cfg, err := withDefaults(cfg)
	if err != nil {
		return nil, err
	}
	poll, err := ParseSchedule(cfg.Poll)
	if err != nil {
		return nil, err
	}
	client := safehttp.NewClient(safehttp.Options{AllowPrivate: cfg.AllowPrivate, UserAgent: UserAgent})
	d := &Daemon{cfg: cfg, pollAt: poll, store: store, db: db, log: cfg.Logger, syncNow: make(chan struct{}, 1),
		limiter: ratelimit.New(cfg.WebmentionRate, cfg.WebmentionBurst)}
	d.sub, err = subscriber.New(db, store, subscriber.Config{BaseURL: cfg.BaseURL, Client: client,
		Lease: cfg.Lease, Logger: cfg.Logger, Tracks: cfg.Tracks, Now: cfg.Now})
	if err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	if cfg.FetchFeed != nil {
		d.cloud, err = rsscloud.New(db, store, rsscloud.Config{BaseURL: cfg.BaseURL, Client: client,
			Fetch: cfg.FetchFeed, Logger: cfg.Logger, Now: cfg.Now})
		if err != nil {
			return nil, fmt.Errorf("daemon: %w", err)
		}
	}
	d.wm, err = webmention.New(db, store, webmention.Config{Client: client, Logger: cfg.Logger,
		PerHostPerHour: cfg.MentionsPerHostPerHour, Now: cfg.Now})
	if err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	return d, nil
}

// Check reports the first setting of cfg that New would refuse: an
// address that is not HOST:PORT, a base URL that is not an absolute
// http(s) URL, a poll schedule ParseSchedule refuses, a negative
// duration. It opens nothing, so a program can check its whole
// configuration before it takes a port or a database.
func (cfg Config) Check() error {
	cfg, err := withDefaults(cfg)
	if err != nil {
		return err
	}
	_, err = ParseSchedule(cfg.Poll)
	return err
}

func withDefaults(cfg Config) (Config, error) {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if err := checkAddr(cfg.Addr); err != nil {
		return cfg, err
	}
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"--sync", cfg.SyncEvery}, {"Lease", cfg.Lease}} {
		if d.v < 0 {
			return cfg, fmt.Errorf("daemon: %s %s must not be negative", d.flag, d.v)
		}
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://" + cfg.Addr
	}
	if _, err := safehttp.ParseURL(cfg.BaseURL); err != nil {
		return cfg, fmt.Errorf("daemon: --url %q must be an absolute http(s) URL such as https://reader.example.org: %w", cfg.BaseURL, err)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Poll == "" {
		cfg.Poll = DefaultPoll
	}
	if cfg.SyncEvery <= 0 {
		cfg.SyncEvery = DefaultSyncEvery
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.WebmentionRate <= 0 {
		cfg.WebmentionRate = 1
	}
	if cfg.WebmentionBurst <= 0 {
		cfg.WebmentionBurst = 20
	}
	return cfg, nil
}

// checkAddr checks that addr is HOST:PORT with a port number (0: any).
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		_, err = net.LookupPort("tcp", port)
	}
	if err != nil {
		return fmt.Errorf("daemon: --addr %q must be HOST:PORT such as 127.0.0.1:7070: %w", addr, err)
	}
	return nil
}

// Serve runs the daemon on ln until ctx ends: the HTTP server, the
// Webmention worker, and the poll and sync schedules.
func (d *Daemon) Serve(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv := &http.Server{
		Handler:           d.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	var wg sync.WaitGroup
	wg.Go(func() { d.wm.Run(ctx) })
	if w, ok := d.cfg.Tracks.(interface{ Run(context.Context) error }); ok {
		wg.Go(func() { w.Run(ctx) }) // confirms tracked entries with their origins
	}
	if d.cloud != nil {
		wg.Go(func() { d.cloud.Run(ctx) }) // fetches the feeds clouds notify
	}
	wg.Go(func() { d.syncLoop(ctx) })
	wg.Go(func() { d.poll(ctx) })
	sched := d.schedule(ctx)
	sched.Start()
	d.log.Info("reader serve listening", "addr", ln.Addr().String(), "url", d.cfg.BaseURL)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	cancel()
	sctx, scancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer scancel()
	if serr := srv.Shutdown(sctx); serr != nil && err == nil {
		err = serr
	}
	<-sched.Stop().Done()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("daemon: %w", err)
	}
	return nil
}

// ParseSchedule reads a poll schedule: a standard cron expression of five
// fields ("*/15 * * * *"), a descriptor ("@hourly", "@every 15m"), or a
// bare duration ("15m"), which means "@every 15m".
func ParseSchedule(spec string) (cron.Schedule, error) {
	return schedule.Parse("poll schedule", spec)
}

// schedule polls due feeds on the poll schedule (and once at start) and
// asks for a subscription sync every SyncEvery.
func (d *Daemon) schedule(ctx context.Context) *cron.Cron {
	c := cron.New(cron.WithChain(cron.SkipIfStillRunning(cron.DiscardLogger)))
	poll := cron.FuncJob(func() { d.poll(ctx) })
	c.Schedule(d.pollAt, poll)
	c.Schedule(cron.Every(d.cfg.SyncEvery), cron.FuncJob(d.TriggerSync))
	return c
}

func (d *Daemon) poll(ctx context.Context) {
	n, err := d.store.PollDue(ctx)
	if err != nil && ctx.Err() == nil {
		d.log.Error("polling feeds", "err", err)
		return
	}
	if n > 0 {
		d.log.Info("polled feeds", "fetched", n)
	}
}

// TriggerSync asks for a subscription sync soon; requests made while one
// is pending coalesce.
func (d *Daemon) TriggerSync() {
	select {
	case d.syncNow <- struct{}{}:
	default:
	}
}

// syncLoop runs subscriber.Sync, one at a time, at start and whenever asked.
func (d *Daemon) syncLoop(ctx context.Context) {
	d.TriggerSync()
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.syncNow:
			if err := d.sub.Sync(ctx); err != nil && ctx.Err() == nil {
				d.log.Warn("syncing subscriptions", "err", err)
			}
			if d.cloud == nil {
				continue
			}
			if err := d.cloud.Sync(ctx); err != nil && ctx.Err() == nil {
				d.log.Warn("syncing rssCloud registrations", "err", err)
			}
		}
	}
}
