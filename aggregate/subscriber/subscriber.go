// Package subscriber is the reader daemon's W3C WebSub subscriber: it
// subscribes to the hubs that followed feeds advertise, answers the hubs'
// verification of intent only for subscriptions it asked for, accepts
// signed content deliveries and hands them to the store at once, renews
// leases before they end and falls back to polling when a subscription
// is denied or lapses.
//
// It keeps its state in its own tables of the reader's database. It does
// not fetch or parse feeds for the timeline: that is the store's job.
package subscriber

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/rookery-social/rookery/aggregate/store"
	"github.com/rookery-social/rookery/internal/backoff"
	"github.com/rookery-social/rookery/internal/sqlitedb"
)

// Subscription states.
const (
	StatePending       = "pending"       // requested, waiting for the hub's verification
	StateActive        = "active"        // verified; deliveries accepted
	StateFailed        = "failed"        // the hub refused or could not be reached; retried later
	StateDenied        = "denied"        // the hub sent hub.mode=denied; retried after a day
	StateUnsubscribing = "unsubscribing" // unsubscribe requested, waiting for verification
)

// Timing rules. The hub decides the lease; these decide when we act.
const (
	defaultLease     = 10 * 24 * time.Hour
	renewFrom        = 0.75           // renew at a random point from 75%…
	renewTo          = 0.85           // …to 85% of the granted lease: renewals spread out
	verifyWait       = time.Hour      // re-request when a hub has not verified by then
	deniedRetry      = 24 * time.Hour // ask a denying hub again after this
	rediscoverEvery  = 24 * time.Hour // look again for a hub in a feed that had none
	maxBackoff       = 6 * time.Hour
	maxHubRedirects  = 5
	maxDeliveryBytes = 8 << 20
	maxFetchBytes    = 8 << 20
)

// Config configures a Subscriber.
type Config struct {
	// BaseURL is the daemon's public base URL; callbacks are
	// BaseURL + "/websub/" + id, so it must be reachable by the hubs.
	BaseURL string
	// Client makes hub requests and discovery fetches. Use a
	// safehttp client: hub and topic URLs come from strangers' feeds.
	Client *http.Client
	// Lease is the lease requested from hubs (hub.lease_seconds);
	// default 10 days. Hubs may grant another.
	Lease time.Duration
	// Logger receives one line per event; default discards.
	Logger *slog.Logger
	// Now is the clock; default time.Now. Tests move it forward.
	Now func() time.Time
	// Tracks names the tracked topics to subscribe to besides followed
	// feeds, and takes their deliveries; nil: none.
	Tracks Tracks
}

// TrackedTopic is a tracked topic (a hub's track URL) to subscribe to.
type TrackedTopic struct {
	Topic string // the canonical track URL at Hub
	Hub   string
}

// Tracks is the reader's side of tracked topics.
type Tracks interface {
	// TrackedTopics lists the tracked topics wanted.
	TrackedTopics(ctx context.Context) ([]TrackedTopic, error)
	// DeliverTracked stores a verified delivery of a tracked topic and
	// returns how many entries it stored.
	DeliverTracked(ctx context.Context, topic, contentType string, body []byte) (int, error)
}

// Store is what the subscriber needs of the reader's core; the core
// (*aggregate.Reader) provides it.
type Store interface {
	// Ingest parses a delivered feed document for feedURL and upserts
	// its entries.
	Ingest(ctx context.Context, feedURL, contentType string, body []byte) (store.IngestResult, error)
	// SubscribableFeeds lists the followed feeds to subscribe to.
	SubscribableFeeds(ctx context.Context) ([]store.Feed, error)
	// SetMode records whether feedURL arrives by push (store.ModePush)
	// or is polled (store.ModePoll).
	SetMode(ctx context.Context, feedURL, mode string) error
}

// Subscriber is a WebSub subscriber backed by the reader's database.
type Subscriber struct {
	db    *sql.DB
	store Store
	cfg   Config
	log   *slog.Logger
	pace  *pacer
}

// Subscription is one subscription as List reports it.
type Subscription struct {
	ID           string    `json:"id"`
	FeedURL      string    `json:"feed_url"`
	Topic        string    `json:"topic"`
	Hub          string    `json:"hub"`
	State        string    `json:"state"`
	Callback     string    `json:"callback"`
	LeaseSeconds int64     `json:"lease_seconds,omitempty"`
	Expires      time.Time `json:"expires,omitzero"`
	NextAction   time.Time `json:"next_action,omitzero"`
	LastDelivery time.Time `json:"last_delivery,omitzero"`
	LastError    string    `json:"last_error,omitempty"`
	// Kind is KindFeed for a followed feed, KindTrack for a tracked topic
	// (whose FeedURL is the topic URL).
	Kind     string `json:"kind"`
	secret   string
	attempts int
}

var migrations = []string{`
CREATE TABLE subscriber_subscriptions (
	id TEXT PRIMARY KEY,             -- unguessable callback path segment
	feed_url TEXT NOT NULL,          -- the followed feed (key in the store)
	topic TEXT NOT NULL,             -- hub.topic as requested
	hub TEXT NOT NULL,
	secret TEXT NOT NULL,            -- hub.secret, per subscription
	state TEXT NOT NULL,
	lease_seconds INTEGER NOT NULL DEFAULT 0,
	expires_at INTEGER NOT NULL DEFAULT 0,
	next_at INTEGER NOT NULL DEFAULT 0,
	attempts INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	last_delivery_at INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX subscriber_subscriptions_feed ON subscriber_subscriptions(feed_url);
CREATE TABLE subscriber_discovery (
	feed_url TEXT PRIMARY KEY,
	hubs TEXT NOT NULL,              -- newline-separated hub URLs
	self TEXT NOT NULL,
	checked_at INTEGER NOT NULL
);`, `ALTER TABLE subscriber_subscriptions ADD COLUMN kind TEXT NOT NULL DEFAULT 'feed';`,
	// 3: the (un)subscribe request sent and not yet verified: a hub's
	// verification is accepted only for it, once, until it expires.
	`ALTER TABLE subscriber_subscriptions ADD COLUMN pending_mode TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriber_subscriptions ADD COLUMN pending_until INTEGER NOT NULL DEFAULT 0;`}

// Subscription kinds.
const (
	KindFeed  = "feed"  // a followed feed: deliveries are stored under it
	KindTrack = "track" // a tracked topic: deliveries go to Config.Tracks
)

// New migrates the subscriber's tables in db and returns a Subscriber.
func New(db *sql.DB, st Store, cfg Config) (*Subscriber, error) {
	if cfg.BaseURL == "" {
		return nil, fmt.Errorf("subscriber: a public base URL is needed to build callback URLs (--url)")
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Client == nil {
		return nil, fmt.Errorf("subscriber: no HTTP client configured")
	}
	if cfg.Lease <= 0 {
		cfg.Lease = defaultLease
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := sqlitedb.Migrate(context.Background(), db, "subscriber", migrations); err != nil {
		return nil, fmt.Errorf("subscriber: %w", err)
	}
	return &Subscriber{db: db, store: st, cfg: cfg, log: cfg.Logger.With("component", "websub"), pace: newPacer()}, nil
}

func (s *Subscriber) callback(id string) string { return s.cfg.BaseURL + "/websub/" + id }

func (s *Subscriber) now() time.Time { return s.cfg.Now() }

// newID returns 160 random bits as lowercase base32, for callback paths.
func newID() string {
	b := make([]byte, 20)
	rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// newSecret returns 256 random bits as hex (64 bytes, under the 200-byte limit).
func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// renewAt is when a lease granted at now should be renewed: at a random
// point of the renewal window, so that subscriptions verified together
// (a reader's first start) are not all renewed together.
func renewAt(now time.Time, lease time.Duration) time.Time {
	f := renewFrom + mrand.Float64()*(renewTo-renewFrom)
	return now.Add(time.Duration(f * float64(lease)))
}

// retryBackoff is the wait before the n-th retry of a failed request:
// from a minute, doubling, at most maxBackoff, spread by ±20% so that
// requests that failed together (a hub down) are not retried together.
func retryBackoff(n int) time.Duration {
	return backoff.Policy{Base: time.Minute, Max: maxBackoff, Jitter: 0.2}.Delay(n)
}
