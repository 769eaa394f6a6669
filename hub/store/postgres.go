package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgMigrations are the steps of the hub's PostgreSQL schema, recorded in
// schema_migrations as SQLite's are (component "hub"). Append-only: never
// edit a released step. Times are Unix milliseconds, as in SQLite.
var pgMigrations = []string{`
CREATE TABLE hub_topics (
	id BIGSERIAL PRIMARY KEY,
	url TEXT NOT NULL UNIQUE,
	etag TEXT NOT NULL DEFAULT '',
	last_modified TEXT NOT NULL DEFAULT '',
	content_hash TEXT NOT NULL DEFAULT '',
	content_id BIGINT,
	fetched_at BIGINT NOT NULL DEFAULT 0,
	fetch_status TEXT NOT NULL DEFAULT ''
);
CREATE TABLE hub_contents (
	id BIGSERIAL PRIMARY KEY,
	topic_id BIGINT NOT NULL REFERENCES hub_topics(id),
	content_type TEXT NOT NULL,
	body BYTEA NOT NULL,
	hash TEXT NOT NULL,
	fetched_at BIGINT NOT NULL
);
CREATE TABLE hub_subscriptions (
	id BIGSERIAL PRIMARY KEY,
	topic_id BIGINT NOT NULL REFERENCES hub_topics(id),
	callback TEXT NOT NULL,
	callback_host TEXT NOT NULL,
	secret BYTEA NOT NULL,
	lease_seconds BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	state TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	UNIQUE (topic_id, callback)
);
CREATE INDEX hub_subscriptions_host ON hub_subscriptions(callback_host) WHERE state = 'active';
CREATE INDEX hub_subscriptions_expiry ON hub_subscriptions(expires_at) WHERE state = 'active';
CREATE INDEX hub_subscriptions_topic ON hub_subscriptions(topic_id, id) WHERE state = 'active';
CREATE TABLE hub_verifications (
	id BIGSERIAL PRIMARY KEY,
	mode TEXT NOT NULL,
	topic TEXT NOT NULL,
	callback TEXT NOT NULL,
	secret BYTEA NOT NULL,
	lease_seconds BIGINT NOT NULL,
	state TEXT NOT NULL DEFAULT 'pending',
	result TEXT NOT NULL DEFAULT '',
	attempts INTEGER NOT NULL DEFAULT 0,
	next_at BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	finished_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX hub_verifications_due ON hub_verifications(next_at) WHERE state = 'pending';
CREATE INDEX hub_verifications_sub ON hub_verifications(topic, callback, id);
CREATE TABLE hub_fetches (
	topic_id BIGINT PRIMARY KEY REFERENCES hub_topics(id),
	next_at BIGINT NOT NULL,
	claimed_until BIGINT NOT NULL DEFAULT 0,
	gen BIGINT NOT NULL DEFAULT 1,
	attempts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE hub_deliveries (
	id BIGSERIAL PRIMARY KEY,
	subscription_id BIGINT NOT NULL REFERENCES hub_subscriptions(id),
	content_id BIGINT NOT NULL REFERENCES hub_contents(id),
	state SMALLINT NOT NULL DEFAULT 0,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_at BIGINT NOT NULL,
	claimed BOOLEAN NOT NULL DEFAULT false,
	created_at BIGINT NOT NULL,
	finished_at BIGINT NOT NULL DEFAULT 0,
	last_status INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX hub_deliveries_due ON hub_deliveries(next_at) WHERE state = 0;
CREATE INDEX hub_deliveries_content ON hub_deliveries(content_id, subscription_id);
CREATE INDEX hub_deliveries_subscription ON hub_deliveries(subscription_id) WHERE state = 0;
CREATE INDEX hub_contents_topic ON hub_contents(topic_id, id);
`, `
CREATE TABLE hub_track_entries (
	id BIGSERIAL PRIMARY KEY,
	origin TEXT NOT NULL,
	entry_id TEXT NOT NULL,
	sort_at BIGINT NOT NULL,
	data BYTEA NOT NULL,
	UNIQUE (origin, entry_id)
);
CREATE INDEX hub_track_entries_sort ON hub_track_entries(sort_at);
CREATE INDEX hub_track_entries_id ON hub_track_entries(entry_id);
CREATE TABLE hub_track_terms (
	term TEXT NOT NULL,
	entry BIGINT NOT NULL REFERENCES hub_track_entries(id) ON DELETE CASCADE,
	PRIMARY KEY (term, entry)
);
CREATE INDEX hub_track_terms_entry ON hub_track_terms(entry);
CREATE TABLE hub_track_sent (
	topic_id BIGINT NOT NULL REFERENCES hub_topics(id),
	origin TEXT NOT NULL,
	entry_id TEXT NOT NULL,
	sent_at BIGINT NOT NULL,
	PRIMARY KEY (topic_id, origin, entry_id)
);
`, `ALTER TABLE hub_subscriptions ADD COLUMN protocol TEXT NOT NULL DEFAULT 'websub';`}

// PostgresOptions tune the PostgreSQL store.
type PostgresOptions struct {
	// PoolSize is the most connections one hub process opens (default 16).
	PoolSize int
	// StatementTimeout bounds every statement (default 30s).
	StatementTimeout time.Duration
	// ConnectTimeout bounds opening a connection (default 5s) unless the
	// URL sets connect_timeout.
	ConnectTimeout time.Duration
}

// Default PostgreSQL settings.
const (
	DefaultPoolSize         = 16
	DefaultStatementTimeout = 30 * time.Second
	defaultConnectTimeout   = 5 * time.Second
)

// Postgres is the Store on a PostgreSQL 15+ database, shared by any
// number of hub processes: work is claimed with FOR UPDATE SKIP LOCKED and
// leased (a killed process's claims come back when their lease ends), and
// every change of a subscription is announced with NOTIFY so that each
// process can refresh what it holds in memory (see WatchSubscriptions).
type Postgres struct {
	pool *pgxpool.Pool
	url  string // redacted, for messages
}

var (
	_ Store      = (*Postgres)(nil)
	_ TrackStore = (*Postgres)(nil)
)

// IsPostgresURL reports whether dsn names a PostgreSQL database
// (postgres:// or postgresql://) rather than an SQLite file.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// RedactURL returns a PostgreSQL URL with its password replaced by xxxxx.
func RedactURL(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(an unparsable URL)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// redacted is an error whose text never holds the password.
type redacted struct {
	msg string
	err error
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.err }

// redact rewrites err's text without password (a parse error is not
// kept: it holds the whole connection string).
func redact(what string, err error, password string) error {
	msg := err.Error()
	if password != "" {
		msg = strings.ReplaceAll(msg, password, "xxxxx")
	}
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		err = nil
	}
	return &redacted{msg: what + ": " + msg, err: err}
}

func urlPassword(dsn string) string {
	if u, err := url.Parse(dsn); err == nil {
		if p, ok := u.User.Password(); ok {
			return p
		}
		return u.Query().Get("password")
	}
	return ""
}

// CheckPostgresURL reports whether dsn is a PostgreSQL URL pgx accepts,
// without connecting; the error never holds the password.
func CheckPostgresURL(dsn string) error {
	if _, err := pgxpool.ParseConfig(dsn); err != nil {
		return redact("store: the PostgreSQL URL is not valid", err, urlPassword(dsn))
	}
	return nil
}

// OpenPostgres connects to the database at dsn (postgres://…), checks that
// it answers and brings the hub's schema up to date. The error never holds
// the password.
func OpenPostgres(ctx context.Context, dsn string, opt PostgresOptions) (*Postgres, error) {
	pw, where := urlPassword(dsn), RedactURL(dsn)
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, redact("store: the PostgreSQL URL is not valid", err, pw)
	}
	cfg.MaxConns = int32(cmpOr(opt.PoolSize, DefaultPoolSize))
	cfg.MinConns = 0
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = cmpOr(opt.ConnectTimeout, defaultConnectTimeout)
	}
	st := cmpOr(opt.StatementTimeout, DefaultStatementTimeout)
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(st.Milliseconds(), 10)
	cfg.ConnConfig.RuntimeParams["application_name"] = "rookery-hub"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, redact("store: PostgreSQL at "+where, err, pw)
	}
	p := &Postgres{pool: pool, url: where}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, redact("store: cannot reach PostgreSQL at "+where, err, pw)
	}
	if err := p.migrate(ctx); err != nil {
		pool.Close()
		return nil, redact("store: PostgreSQL at "+where, err, pw)
	}
	return p, nil
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// migrateLock is the advisory lock key under which hub processes starting
// together migrate one at a time.
const migrateLock = 0x726f6f6b_68756201 // "rookhub\x01"

// migrate runs, each in one transaction, the steps after the version
// recorded for the hub in schema_migrations.
func (p *Postgres) migrate(ctx context.Context) error {
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrateLock)); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			component TEXT PRIMARY KEY, version INTEGER NOT NULL)`); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		var have int
		err := tx.QueryRow(ctx, `SELECT version FROM schema_migrations WHERE component = $1`, component).Scan(&have)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("migrate: %w", err)
		}
		if have > len(pgMigrations) {
			return fmt.Errorf("migrate: %s schema is version %d, newer than this program knows (%d): upgrade the program",
				component, have, len(pgMigrations))
		}
		for v := have; v < len(pgMigrations); v++ {
			if _, err := tx.Exec(ctx, pgMigrations[v]); err != nil {
				return fmt.Errorf("migrate %s to %d: %w", component, v+1, err)
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO schema_migrations(component, version) VALUES ($1, $2)
			ON CONFLICT (component) DO UPDATE SET version = excluded.version`, component, len(pgMigrations))
		return err
	})
}

// Close closes the pool.
func (p *Postgres) Close() error {
	p.pool.Close()
	return nil
}

// Ping checks that the schema is at this hub's version and that each
// table the hub works on answers a bounded read, in one round trip: the
// statements go as one simple-protocol message, which PostgreSQL runs in
// turn (under the statement timeout) and stops at the first that fails,
// so the count of results says which one it was. The error names the
// table or the version, or says the database cannot be reached.
func (p *Postgres) Ping(ctx context.Context) error {
	c, err := p.pool.Acquire(ctx)
	if err != nil {
		return p.unreachable(err)
	}
	defer c.Release()
	results, err := c.Conn().PgConn().Exec(ctx, pgPingScript).ReadAll()
	if err != nil {
		return p.pingFailed(ctx, results, err)
	}
	have, err := pgVersion(results[0])
	if err != nil {
		return unreadable("PostgreSQL", "schema_migrations", err)
	}
	return checkVersion("PostgreSQL", have, len(pgMigrations))
}

// pgPingScript is the version query, then the reads of pingReads.
var pgPingScript = pingScript()

// pingFailed names what failed in the ping script: the statement that
// answered no complete result, or the connection.
func (p *Postgres) pingFailed(ctx context.Context, results []*pgconn.Result, err error) error {
	var pe *pgconn.PgError
	if ctx.Err() != nil || !errors.As(err, &pe) || pe.Severity == "FATAL" || pe.Severity == "PANIC" {
		return p.unreachable(err)
	}
	failed := len(results)
	if failed > 0 && results[failed-1].Err != nil {
		failed--
	}
	if failed == 0 {
		return unreadable("PostgreSQL", "schema_migrations", err)
	}
	return unreadable("PostgreSQL", pingReads[min(failed, len(pingReads))-1].table, err)
}

// pgVersion is the version the ping script read (0 when none is recorded).
func pgVersion(r *pgconn.Result) (int, error) {
	if len(r.Rows) == 0 {
		return 0, nil
	}
	return strconv.Atoi(string(r.Rows[0][0]))
}

// unreachable is the error of a database that does not answer, without
// the password.
func (p *Postgres) unreachable(err error) error {
	return redact("store: PostgreSQL at "+p.url, err, p.pool.Config().ConnConfig.Password)
}

// txRetries is how often a transaction that lost a deadlock or a
// serialization conflict to another hub process is run again.
const txRetries = 3

// withTx runs f in a transaction, again when PostgreSQL aborted it for a
// deadlock or serialization failure.
func (p *Postgres) withTx(ctx context.Context, what string, f func(pgx.Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := pgx.BeginFunc(ctx, p.pool, f)
		if err == nil {
			return nil
		}
		if attempt < txRetries && retryable(err) && ctx.Err() == nil {
			continue
		}
		return fmt.Errorf("store: %s: %w", what, err)
	}
}

func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

// subscriptionsChannel is the NOTIFY channel of subscription changes; the
// payload is the topic.
const subscriptionsChannel = "hub_subscriptions"

// SubscriptionWatcher is a store shared by several hub processes that
// tells each when any of them changed a subscription.
type SubscriptionWatcher interface {
	// WatchSubscriptions calls f with the topic of every subscription
	// change committed by any process, until ctx ends. It calls f("")
	// when it (re)connects, as changes may have been missed meanwhile.
	WatchSubscriptions(ctx context.Context, f func(topic string))
}

var _ SubscriptionWatcher = (*Postgres)(nil)

// WatchSubscriptions listens on its own connection, reconnecting after a
// second when it is lost.
func (p *Postgres) WatchSubscriptions(ctx context.Context, f func(topic string)) {
	for ctx.Err() == nil {
		p.listen(ctx, f)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (p *Postgres) listen(ctx context.Context, f func(topic string)) {
	conn, err := pgx.ConnectConfig(ctx, p.pool.Config().ConnConfig.Copy())
	if err != nil {
		return
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+subscriptionsChannel); err != nil {
		return
	}
	f("")
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return
		}
		f(n.Payload)
	}
}
