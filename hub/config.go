package hub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/rookery-social/rookery/hub/store"
	"github.com/rookery-social/rookery/internal/schedule"
)

// Config is everything a Hub needs. Zero fields take the defaults of
// DefaultConfig when passed to New.
type Config struct {
	// Addr is where Serve listens, e.g. 127.0.0.1:8080.
	Addr string
	// PublicURL is the hub's public base URL: the rel=hub of every delivery.
	// Default http://ADDR/.
	PublicURL string
	// DBPath is the SQLite file, or the URL of a PostgreSQL database
	// (postgres://…), which any number of hub processes may share.
	// Ignored when Store is set.
	DBPath string
	// DBPoolSize is the most PostgreSQL connections one hub process opens,
	// and DBStatementTimeout bounds each statement (PostgreSQL only).
	DBPoolSize         int
	DBStatementTimeout time.Duration
	// Store replaces the SQLite store (e.g. a PostgreSQL one). The Hub
	// closes it on Close.
	Store store.Store
	// AllowPrivate permits loopback and private topic and callback
	// addresses. For local use and tests only.
	AllowPrivate bool

	// Leases: "hub.lease_seconds" is clamped to [LeaseMin, LeaseMax];
	// LeaseDefault applies when the subscriber gives none.
	LeaseDefault, LeaseMin, LeaseMax time.Duration

	// RetryBase and RetryMax bound the exponential backoff (with jitter) of
	// failed deliveries; a delivery is retried until its lease ends.
	RetryBase, RetryMax time.Duration
	// FetchAttempts is how many times a failing topic fetch is tried.
	FetchAttempts int

	// MaxTopicBytes limits a fetched topic's body.
	MaxTopicBytes int64
	// MaxRequestBytes limits the body of a request to the hub.
	MaxRequestBytes int64
	// DialTimeout bounds connecting to topics and callbacks.
	DialTimeout time.Duration
	// FetchTimeout bounds a whole topic fetch.
	FetchTimeout time.Duration
	// DeliveryTimeout bounds one delivery POST.
	DeliveryTimeout time.Duration
	// VerifyTimeout bounds one verification GET.
	VerifyTimeout time.Duration

	// MaxConnections caps the open connections to the hub (Serve), and
	// MaxConnectionsPerIP those from one source address; a connection
	// over a cap is answered 503 and closed.
	MaxConnections, MaxConnectionsPerIP int

	// RateLimit is the number of publish pings (and other POSTs that are
	// no subscription request) and of GETs of /subscription and /track per
	// second one source IP may make (with bursts of RateBurst).
	RateLimit float64
	RateBurst int
	// SubscribeRateLimit is the number of subscribe and unsubscribe
	// requests per second one source IP may make (with bursts of
	// SubscribeRateBurst), counted apart from RateLimit: a reader starting
	// with a thousand follows on this hub sends them all at once.
	SubscribeRateLimit float64
	SubscribeRateBurst int
	// MaxSubscriptionsPerHost caps active subscriptions per callback host.
	MaxSubscriptionsPerHost int

	// DeliveryConcurrency bounds deliveries in flight; HostConcurrency bounds
	// them per callback host (host:port). A zero HostConcurrency in a Config
	// passed to New means DeliveryConcurrency (DefaultConfig, and so the
	// command, sets 8).
	DeliveryConcurrency, HostConcurrency int
	// VerifyConcurrency and FetchConcurrency bound verifications and topic
	// fetches in flight.
	VerifyConcurrency, FetchConcurrency int

	// PollInterval is how often every subscribed topic is fetched even
	// without a publish ping; 0 disables polling.
	PollInterval time.Duration
	// PollSchedule, when set, replaces PollInterval with a cron expression
	// ("*/15 * * * *", "@hourly") or a duration, read by internal/schedule.
	PollSchedule string
	// ClaimTimeout is how long a worker holds a claimed job before another
	// may take it (a crashed worker's jobs come back after it).
	ClaimTimeout time.Duration
	// IdleInterval is how often idle workers look for due work (retries).
	IdleInterval time.Duration
	// CommitInterval is how long delivery results are collected before they
	// are written in one transaction.
	CommitInterval time.Duration
	// ShutdownTimeout is how long Serve drains in-flight work on SIGTERM.
	ShutdownTimeout time.Duration
	// Keep is how long finished deliveries and verifications are kept.
	Keep time.Duration

	// NoTrack turns tracked topics (GET /track and its subscriptions) off.
	NoTrack bool
	// TrackMaxPerHost caps active subscriptions to tracked topics per
	// callback host.
	TrackMaxPerHost int
	// TrackKeep is how long fetched entries are kept for tracked topics;
	// older entries are neither shown nor delivered.
	TrackKeep time.Duration

	// Now is the clock: every time the hub records or decides on (leases
	// and their end, retry and poll due times, claims, entry dates, the
	// pages) is read from it. Default time.Now; tests run on a fake one.
	Now func() time.Time `json:"-"`
	// Logger receives structured logs; default slog.Default().
	Logger *slog.Logger `json:"-"`
	// OnContent, when set, is called after new content of a topic has been
	// fetched and stored (the hook of tracked topics).
	OnContent ContentHook `json:"-"`
}

// ContentHook is called once for each new version of a topic's content,
// after it is stored and its deliveries are queued.
type ContentHook func(ctx context.Context, c store.Content)

// DefaultConfig returns the defaults documented in `hub --help`.
func DefaultConfig() Config {
	return Config{
		Addr:                    "127.0.0.1:8080",
		LeaseDefault:            10 * 24 * time.Hour,
		LeaseMin:                5 * time.Minute,
		LeaseMax:                30 * 24 * time.Hour,
		RetryBase:               30 * time.Second,
		RetryMax:                time.Hour,
		FetchAttempts:           5,
		MaxTopicBytes:           4 << 20,
		MaxRequestBytes:         64 << 10,
		DialTimeout:             5 * time.Second,
		FetchTimeout:            30 * time.Second,
		DeliveryTimeout:         15 * time.Second,
		VerifyTimeout:           10 * time.Second,
		MaxConnections:          4096,
		MaxConnectionsPerIP:     256,
		RateLimit:               1,
		RateBurst:               30,
		SubscribeRateLimit:      30,
		SubscribeRateBurst:      100,
		MaxSubscriptionsPerHost: 5000,
		DeliveryConcurrency:     64,
		HostConcurrency:         8,
		VerifyConcurrency:       8,
		FetchConcurrency:        4,
		PollInterval:            15 * time.Minute,
		ClaimTimeout:            2 * time.Minute,
		IdleInterval:            time.Second,
		CommitInterval:          10 * time.Millisecond,
		ShutdownTimeout:         20 * time.Second,
		Keep:                    7 * 24 * time.Hour,
		TrackMaxPerHost:         100,
		TrackKeep:               7 * 24 * time.Hour,
		DBPoolSize:              store.DefaultPoolSize,
		DBStatementTimeout:      store.DefaultStatementTimeout,
	}
}

// withDefaults fills zero fields from DefaultConfig and checks the result.
func (c Config) withDefaults() (Config, error) {
	d := DefaultConfig()
	fill(&c.Addr, d.Addr)
	fill(&c.LeaseDefault, d.LeaseDefault)
	fill(&c.LeaseMin, d.LeaseMin)
	fill(&c.LeaseMax, d.LeaseMax)
	fill(&c.RetryBase, d.RetryBase)
	fill(&c.RetryMax, d.RetryMax)
	fill(&c.FetchAttempts, d.FetchAttempts)
	fill(&c.MaxTopicBytes, d.MaxTopicBytes)
	fill(&c.MaxRequestBytes, d.MaxRequestBytes)
	fill(&c.DialTimeout, d.DialTimeout)
	fill(&c.FetchTimeout, d.FetchTimeout)
	fill(&c.DeliveryTimeout, d.DeliveryTimeout)
	fill(&c.VerifyTimeout, d.VerifyTimeout)
	fill(&c.MaxConnections, d.MaxConnections)
	fill(&c.MaxConnectionsPerIP, d.MaxConnectionsPerIP)
	fill(&c.RateLimit, d.RateLimit)
	fill(&c.RateBurst, d.RateBurst)
	fill(&c.SubscribeRateLimit, d.SubscribeRateLimit)
	fill(&c.SubscribeRateBurst, d.SubscribeRateBurst)
	fill(&c.MaxSubscriptionsPerHost, d.MaxSubscriptionsPerHost)
	fill(&c.DeliveryConcurrency, d.DeliveryConcurrency)
	fill(&c.HostConcurrency, c.DeliveryConcurrency)
	fill(&c.VerifyConcurrency, d.VerifyConcurrency)
	fill(&c.FetchConcurrency, d.FetchConcurrency)
	fill(&c.ClaimTimeout, d.ClaimTimeout)
	fill(&c.IdleInterval, d.IdleInterval)
	fill(&c.CommitInterval, d.CommitInterval)
	fill(&c.ShutdownTimeout, d.ShutdownTimeout)
	fill(&c.Keep, d.Keep)
	fill(&c.TrackMaxPerHost, d.TrackMaxPerHost)
	fill(&c.TrackKeep, d.TrackKeep)
	fill(&c.DBPoolSize, d.DBPoolSize)
	fill(&c.DBStatementTimeout, d.DBStatementTimeout)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.PublicURL == "" {
		c.PublicURL = defaultURL(c.Addr)
	}
	c.HostConcurrency = min(c.HostConcurrency, c.DeliveryConcurrency)
	return c, c.check()
}

func fill[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// check validates the whole configuration (with defaults filled in), so
// that a mistake is reported before any database or port is opened.
func (c Config) check() error {
	return errors.Join(c.checkAddr(), c.checkURL(), c.checkDB(), c.checkDurations(), c.checkLimits())
}

func (c Config) checkAddr() error {
	_, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fmt.Errorf("hub: --addr %q is not host:port: %w", c.Addr, err)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || (n == 0 && port != "0") {
		return fmt.Errorf("hub: --addr %q: port %q is not a number from 0 to 65535", c.Addr, port)
	}
	return nil
}

func (c Config) checkURL() error {
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("hub: public URL %q is not an absolute http(s) URL: pass --url https://hub.example.org/", c.PublicURL)
	}
	return nil
}

// checkDB checks that the SQLite file can be created where it is asked,
// or that the PostgreSQL URL parses (unless another store is given).
func (c Config) checkDB() error {
	if c.Store != nil {
		return nil
	}
	if c.DBPath == "" {
		return errors.New("hub: no database: pass --db PATH")
	}
	if store.IsPostgresURL(c.DBPath) {
		if err := store.CheckPostgresURL(c.DBPath); err != nil {
			return fmt.Errorf("hub: --db: %w", err)
		}
		return nil
	}
	dir := filepath.Dir(c.DBPath)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("hub: database %s: directory %s does not exist: create it (`mkdir -p %s`) or pass another --db", c.DBPath, dir, dir)
	}
	if fi, err := os.Stat(c.DBPath); err == nil && fi.IsDir() {
		return fmt.Errorf("hub: database %s is a directory: pass the path of a file with --db", c.DBPath)
	}
	return nil
}

func (c Config) checkDurations() error {
	if c.LeaseMin < time.Second || c.LeaseMin > c.LeaseMax {
		return fmt.Errorf("hub: lease bounds min %s, max %s: need 1s <= min <= max", c.LeaseMin, c.LeaseMax)
	}
	if c.RetryBase > c.RetryMax {
		return fmt.Errorf("hub: retry base %s is above retry max %s", c.RetryBase, c.RetryMax)
	}
	if c.PollInterval < 0 {
		return fmt.Errorf("hub: poll interval %s is negative: use 0 to disable polling", c.PollInterval)
	}
	if c.PollSchedule != "" {
		if _, err := schedule.Parse("--poll-schedule", c.PollSchedule); err != nil {
			return fmt.Errorf("hub: %w", err)
		}
	}
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{
		{"lease-default", c.LeaseDefault}, {"retry-base", c.RetryBase}, {"dial-timeout", c.DialTimeout},
		{"fetch-timeout", c.FetchTimeout}, {"delivery-timeout", c.DeliveryTimeout}, {"verify-timeout", c.VerifyTimeout},
		{"claim-timeout", c.ClaimTimeout}, {"idle-interval", c.IdleInterval}, {"commit-interval", c.CommitInterval},
		{"shutdown-timeout", c.ShutdownTimeout}, {"keep", c.Keep}, {"track-keep", c.TrackKeep},
		{"db-statement-timeout", c.DBStatementTimeout},
	} {
		if d.v <= 0 {
			return fmt.Errorf("hub: --%s %s: must be positive", d.flag, d.v)
		}
	}
	return nil
}

func (c Config) checkLimits() error {
	if !(c.RateLimit > 0) {
		return fmt.Errorf("hub: --rate-limit %v: must be positive", c.RateLimit)
	}
	if !(c.SubscribeRateLimit > 0) {
		return fmt.Errorf("hub: --subscribe-rate-limit %v: must be positive", c.SubscribeRateLimit)
	}
	for _, n := range []struct {
		flag string
		v    int64
	}{
		{"fetch-attempts", int64(c.FetchAttempts)}, {"max-topic-bytes", c.MaxTopicBytes},
		{"max-request-bytes", c.MaxRequestBytes}, {"rate-burst", int64(c.RateBurst)},
		{"subscribe-rate-burst", int64(c.SubscribeRateBurst)},
		{"max-subscriptions-per-host", int64(c.MaxSubscriptionsPerHost)},
		{"delivery-concurrency", int64(c.DeliveryConcurrency)}, {"host-concurrency", int64(c.HostConcurrency)},
		{"verify-concurrency", int64(c.VerifyConcurrency)}, {"fetch-concurrency", int64(c.FetchConcurrency)},
		{"track-max-per-host", int64(c.TrackMaxPerHost)}, {"db-pool-size", int64(c.DBPoolSize)},
		{"max-connections", int64(c.MaxConnections)}, {"max-connections-per-ip", int64(c.MaxConnectionsPerIP)},
	} {
		if n.v < 1 {
			return fmt.Errorf("hub: --%s %d: must be at least 1", n.flag, n.v)
		}
	}
	return nil
}

// clampLease turns a requested hub.lease_seconds (0: none given) into the
// lease the hub grants.
func (c Config) clampLease(requested int64) int64 {
	lease := time.Duration(requested) * time.Second
	if requested <= 0 || requested > int64(c.LeaseMax/time.Second) {
		if requested <= 0 {
			lease = c.LeaseDefault
		} else {
			lease = c.LeaseMax
		}
	}
	lease = min(max(lease, c.LeaseMin), c.LeaseMax)
	return int64(lease / time.Second)
}
