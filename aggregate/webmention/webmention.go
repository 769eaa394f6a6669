// Package webmention is the reader daemon's W3C Webmention receiver. It
// accepts source and target for targets on the owner's own site, queues
// them durably, and verifies them asynchronously: the source must really
// link to the target. A verified source's entry is stored through the
// store (via the source page's feed, or a JSON Feed built from its
// h-entry) and marked as a mention of me, unless its author is blocked.
//
// It does not send Webmentions: that is feedpub's job.
package webmention

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/rookery-social/rookery/aggregate/store"
	"github.com/rookery-social/rookery/internal/sqlitedb"
)

// Statuses of a received Webmention.
const (
	StatusQueued  = "queued"  // waiting for (another) verification attempt
	StatusDone    = "done"    // verified and stored
	StatusDropped = "dropped" // refused after verification; Result says why
)

const (
	maxAttempts    = 5
	maxQueued      = 10000 // beyond this, new requests get 503
	maxFormBytes   = 64 << 10
	maxSourceBytes = 2 << 20
	maxFeedBytes   = 8 << 20
	fetchTimeout   = 30 * time.Second
	batchSize      = 20
	idleWait       = 15 * time.Second
)

// Config configures a Receiver.
type Config struct {
	// Client fetches sources and their feeds. Use a safehttp client:
	// strangers choose these URLs, so loopback and private addresses
	// must be refused unless the daemon runs for local use.
	Client *http.Client
	// Logger receives one line per event; default discards.
	Logger *slog.Logger
	// Now is the clock; default time.Now. Tests move it forward.
	Now func() time.Time
	// PerHostPerHour bounds the Webmentions kept (queued or stored) per
	// source host in any hour; the rest are refused and logged. Default 20.
	PerHostPerHour int
}

// Store is what the receiver needs of the reader's core; the core
// (*aggregate.Reader) provides it.
type Store interface {
	// Ingest parses a source's feed document fetched from feedURL and
	// upserts its entries.
	Ingest(ctx context.Context, feedURL, contentType string, body []byte) (store.IngestResult, error)
	// MarkMention records that the post postID of feedURL mentions or
	// replies to me, as a verified Webmention from source to target says.
	MarkMention(ctx context.Context, feedURL, postID, source, target string) error
	// ForgetMention removes what Webmentions from source stored (the
	// source is gone or no longer links to the target) and returns how
	// many posts it removed.
	ForgetMention(ctx context.Context, source string) (int, error)
	// Blocked reports whether a feed or page URL (or its domain) is blocked.
	Blocked(ctx context.Context, feedOrPageURL string) (bool, error)
	// Me returns my own feed URL, or "" when none is configured.
	Me(ctx context.Context) (string, error)
}

// Receiver receives and verifies Webmentions.
type Receiver struct {
	db    *sql.DB
	store Store
	cfg   Config
	log   *slog.Logger
	wake  chan struct{}
	drops dropLog
}

// Mention is one received Webmention as List reports it.
type Mention struct {
	ID       int64     `json:"id"`
	Source   string    `json:"source"`
	Target   string    `json:"target"`
	Status   string    `json:"status"`
	Attempts int       `json:"attempts"`
	Received time.Time `json:"received"`
	Updated  time.Time `json:"updated"`
	Result   string    `json:"result,omitempty"`
}

var migrations = []string{`
CREATE TABLE webmention_queue (
	id INTEGER PRIMARY KEY,
	source TEXT NOT NULL,
	target TEXT NOT NULL,
	status TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_at INTEGER NOT NULL,
	received_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	result TEXT NOT NULL DEFAULT '',  -- what was stored, or why it was dropped
	UNIQUE (source, target)
);
CREATE INDEX webmention_queue_due ON webmention_queue(status, next_at);`,
	// 2: bounds per source host, and variants of one page collapsed.
	`ALTER TABLE webmention_queue ADD COLUMN source_host TEXT NOT NULL DEFAULT '';
ALTER TABLE webmention_queue ADD COLUMN final_url TEXT NOT NULL DEFAULT '';
ALTER TABLE webmention_queue ADD COLUMN digest TEXT NOT NULL DEFAULT '';
CREATE INDEX webmention_queue_host ON webmention_queue(source_host, updated_at);
CREATE INDEX webmention_queue_page ON webmention_queue(target, status);`}

// New migrates the receiver's table in db and returns a Receiver.
func New(db *sql.DB, st Store, cfg Config) (*Receiver, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("webmention: no HTTP client configured")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PerHostPerHour <= 0 {
		cfg.PerHostPerHour = defaultPerHostPerHour
	}
	if err := sqlitedb.Migrate(context.Background(), db, "webmention", migrations); err != nil {
		return nil, fmt.Errorf("webmention: %w", err)
	}
	return &Receiver{db: db, store: st, cfg: cfg, log: cfg.Logger.With("component", "webmention"),
		wake: make(chan struct{}, 1)}, nil
}

// enqueue stores (or re-queues) a Webmention and wakes the worker.
func (r *Receiver) enqueue(ctx context.Context, source, target string) error {
	now := r.cfg.Now().Unix()
	_, err := r.db.ExecContext(ctx, `INSERT INTO webmention_queue
		(source, target, status, next_at, received_at, updated_at, source_host) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(source, target) DO UPDATE SET status = excluded.status, attempts = 0,
		next_at = excluded.next_at, updated_at = excluded.updated_at, result = ''`,
		source, target, StatusQueued, now, now, now, hostOf(source))
	if err != nil {
		return fmt.Errorf("webmention: queue: %w", err)
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
	return nil
}

func (r *Receiver) queued(ctx context.Context) (int, error) {
	var n int
	err := r.db.QueryRowContext(ctx, `SELECT count(*) FROM webmention_queue WHERE status = ?`, StatusQueued).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("webmention: count queue: %w", err)
	}
	return n, nil
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
