package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rookery-social/rookery/internal/sqlitedb"
)

// component is the name of the hub's tables in schema_migrations.
const component = "hub"

var migrations = []string{`
CREATE TABLE hub_topics (
	id INTEGER PRIMARY KEY,
	url TEXT NOT NULL UNIQUE,
	etag TEXT NOT NULL DEFAULT '',
	last_modified TEXT NOT NULL DEFAULT '',
	content_hash TEXT NOT NULL DEFAULT '',
	content_id INTEGER,
	fetched_at INTEGER NOT NULL DEFAULT 0,
	fetch_status TEXT NOT NULL DEFAULT ''
);
CREATE TABLE hub_contents (
	id INTEGER PRIMARY KEY,
	topic_id INTEGER NOT NULL REFERENCES hub_topics(id),
	content_type TEXT NOT NULL,
	body BLOB NOT NULL,
	hash TEXT NOT NULL,
	fetched_at INTEGER NOT NULL
);
CREATE TABLE hub_subscriptions (
	id INTEGER PRIMARY KEY,
	topic_id INTEGER NOT NULL REFERENCES hub_topics(id),
	callback TEXT NOT NULL,
	callback_host TEXT NOT NULL,
	secret BLOB NOT NULL,
	lease_seconds INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	state TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	UNIQUE (topic_id, callback)
);
CREATE INDEX hub_subscriptions_host ON hub_subscriptions(callback_host) WHERE state = 'active';
CREATE INDEX hub_subscriptions_expiry ON hub_subscriptions(expires_at) WHERE state = 'active';
CREATE INDEX hub_subscriptions_topic ON hub_subscriptions(topic_id, id) WHERE state = 'active';
CREATE TABLE hub_verifications (
	id INTEGER PRIMARY KEY,
	mode TEXT NOT NULL,
	topic TEXT NOT NULL,
	callback TEXT NOT NULL,
	secret BLOB NOT NULL,
	lease_seconds INTEGER NOT NULL,
	state TEXT NOT NULL DEFAULT 'pending',
	result TEXT NOT NULL DEFAULT '',
	attempts INTEGER NOT NULL DEFAULT 0,
	next_at INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	finished_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX hub_verifications_due ON hub_verifications(next_at) WHERE state = 'pending';
CREATE INDEX hub_verifications_sub ON hub_verifications(topic, callback, id);
CREATE TABLE hub_fetches (
	topic_id INTEGER PRIMARY KEY REFERENCES hub_topics(id),
	next_at INTEGER NOT NULL,
	claimed_until INTEGER NOT NULL DEFAULT 0,
	gen INTEGER NOT NULL DEFAULT 1,
	attempts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE hub_deliveries (
	id INTEGER PRIMARY KEY,
	subscription_id INTEGER NOT NULL REFERENCES hub_subscriptions(id),
	content_id INTEGER NOT NULL REFERENCES hub_contents(id),
	state INTEGER NOT NULL DEFAULT 0,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_at INTEGER NOT NULL,
	claimed INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	finished_at INTEGER NOT NULL DEFAULT 0,
	last_status INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX hub_deliveries_due ON hub_deliveries(next_at) WHERE state = 0;
CREATE INDEX hub_deliveries_content ON hub_deliveries(content_id, subscription_id);
CREATE INDEX hub_contents_topic ON hub_contents(topic_id, id);
`, trackMigration, protocolMigration}

// protocolMigration (step 3) records how each subscriber is told of new
// content: 'websub' (the content, signed) or 'rsscloud' (a notify naming
// the topic). Both kinds share the topic's fetches and the delivery queue.
const protocolMigration = `ALTER TABLE hub_subscriptions ADD COLUMN protocol TEXT NOT NULL DEFAULT 'websub';`

// SQLite is the Store on an embedded SQLite file (WAL mode).
type SQLite struct {
	db   *sql.DB
	path string
	// wmu serializes this process's write transactions: waiting on a Go
	// mutex is prompt, while SQLite's busy handler sleeps in steps of
	// milliseconds, which would stall the delivery hot path.
	wmu sync.Mutex
	// stop ends the background checkpoints; done says they ended.
	stop, done chan struct{}
	closeOnce  sync.Once
	// contentSeq is the last content id given out (guarded by wmu). Ids
	// are never reused, even when a fan-out rolls back, so a delivery sent
	// before a failed commit can never be taken for a later one.
	contentSeq int64
	// hot holds the statements of the delivery hot path, prepared once.
	hot map[string]*sql.Stmt
	// lock is the flock held on the file beside the database while it is
	// open: a second hub on the same file refuses to start.
	lock *os.File
}

var _ Store = (*SQLite)(nil)

// OpenSQLite opens (creating if needed) the hub's SQLite database at path
// and brings its schema up to date. It first locks path+".lock" (flock):
// when another process holds it, it returns an error wrapping ErrLocked.
func OpenSQLite(ctx context.Context, path string) (*SQLite, error) {
	lock, err := lockFile(path)
	if err != nil {
		return nil, err
	}
	s, err := openSQLite(ctx, path)
	if err != nil {
		lock.Close()
		return nil, err
	}
	s.lock = lock
	return s, nil
}

func openSQLite(ctx context.Context, path string) (*SQLite, error) {
	db, err := sqlitedb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := quickCheck(ctx, db, path); err != nil {
		db.Close()
		return nil, err
	}
	if err := tunePool(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	if err := sqlitedb.Migrate(ctx, db, component, migrations); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	s := &SQLite{db: db, path: path, stop: make(chan struct{}), done: make(chan struct{})}
	if err := s.prepare(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM hub_contents`).Scan(&s.contentSeq); err != nil {
		s.closeHot()
		db.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	go s.checkpoint()
	return s, nil
}

// checkpointInterval is how often the WAL is copied back into the database.
const checkpointInterval = time.Second

// walLimit is the WAL size past which the background checkpoint stops
// being polite. It is also the journal_size_limit: a WAL that was reset
// is cut back to this size.
const walLimit = 16 << 20

// checkpoint copies the WAL into the database file every second, outside
// the transactions of the delivery hot path.
func (s *SQLite) checkpoint() {
	defer close(s.done)
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.checkpointOnce()
		}
	}
}

// checkpointOnce runs a PASSIVE checkpoint, which never waits. Under
// steady load a PASSIVE checkpoint alone never catches up, though: readers
// are always active, so the WAL is never started over and grows without
// bound. Once it passes walLimit, and the PASSIVE checkpoint has copied
// what it could without blocking anyone, the checkpoint takes the write
// mutex (between two write transactions, so that writers wait on the
// mutex rather than in SQLite's busy handler) and runs a TRUNCATE
// checkpoint: it waits for the readers of older snapshots, copies the
// frames left and empties the WAL.
func (s *SQLite) checkpointOnce() {
	s.db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
	if s.walSize() < walLimit {
		return
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
}

// walSize is the size of the WAL file (0 when there is none).
func (s *SQLite) walSize() int64 {
	fi, err := os.Stat(s.path + "-wal")
	if err != nil {
		return 0
	}
	return fi.Size()
}

// poolSize is the number of SQLite connections the hub keeps open.
const poolSize = 8

// tunePool opens every pooled connection once and sets what the fan-out
// needs beyond sqlitedb's settings: statement journals in memory (a
// multi-row INSERT in a transaction otherwise writes one to a temporary
// file), a page cache large enough not to spill mid-transaction, no
// automatic WAL checkpoint inside a committing transaction (checkpoint
// runs the checkpoints in the background instead), and a WAL file cut
// back to walLimit whenever it starts over. The connections are
// kept open so the settings stay.
func tunePool(ctx context.Context, db *sql.DB) error {
	db.SetMaxOpenConns(poolSize)
	db.SetMaxIdleConns(poolSize)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	conns := make([]*sql.Conn, 0, poolSize)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range poolSize {
		c, err := db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("store: opening connections: %w", err)
		}
		conns = append(conns, c)
		if _, err := c.ExecContext(ctx, `PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16000; PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = `+strconv.Itoa(walLimit)); err != nil {
			return fmt.Errorf("store: tuning connections: %w", err)
		}
	}
	return nil
}

// ReleaseClaims makes the work leased by a previous process due at now.
// One SQLite file serves one hub process, so when it starts nobody holds a
// claim: after a crash, pending deliveries, verifications and fetches
// resume without waiting for their leases. The hub calls it as it starts.
func (s *SQLite) ReleaseClaims(ctx context.Context, now time.Time) error {
	for _, q := range []string{
		`UPDATE hub_deliveries SET next_at = ?, claimed = 0 WHERE state = 0 AND claimed = 1`,
		`UPDATE hub_verifications SET next_at = min(next_at, ?) WHERE state = 'pending'`,
		`UPDATE hub_fetches SET claimed_until = 0, next_at = min(next_at, ?) WHERE claimed_until > 0`,
	} {
		if _, err := s.exec(ctx, q, ms(now)); err != nil {
			return fmt.Errorf("store: releasing claims: %w", err)
		}
	}
	return nil
}

// hotStatements are prepared once; lists of ids travel as one JSON array
// parameter (json_each), so the statement text never varies.
var hotStatements = map[string]string{
	"claimDeliveries": `SELECT d.id, d.subscription_id, d.content_id, d.attempts, d.created_at,
		t.url, s.callback, s.secret, s.expires_at, s.state = 'active', s.protocol
		FROM hub_deliveries d JOIN hub_subscriptions s ON s.id = d.subscription_id JOIN hub_topics t ON t.id = s.topic_id
		WHERE d.state = 0 AND d.next_at <= ? ORDER BY d.next_at LIMIT ?`,
	"leaseDeliveries": `UPDATE hub_deliveries SET next_at = ?, claimed = 1 WHERE id IN (SELECT value FROM json_each(?))`,
	// The unary + keeps SQLite from scanning the content's every delivery
	// through hub_deliveries_content: the ids are looked up by rowid.
	"markDone": `UPDATE hub_deliveries SET state = 1, attempts = attempts + 1, finished_at = ?, last_status = ?,
		last_error = '' WHERE state = 0 AND +content_id = ? AND id IN (SELECT value FROM json_each(?))`,
	"fanOut": `INSERT INTO hub_deliveries(subscription_id, content_id, next_at, created_at)
		SELECT s.id, ?, ?, ? FROM hub_subscriptions s
		WHERE s.topic_id = ? AND s.state = 'active' AND s.expires_at > ? AND s.id > ?`,
	"fanOutHanded": `INSERT INTO hub_deliveries(subscription_id, content_id, next_at, created_at, claimed)
		SELECT s.id, ?, ?, ?, 1 FROM hub_subscriptions s
		WHERE s.topic_id = ? AND s.state = 'active' AND s.expires_at > ? AND s.id > ? ORDER BY s.id LIMIT ?
		RETURNING id, subscription_id`,
	"subscribers": `SELECT id, callback, secret, expires_at, protocol FROM hub_subscriptions
		WHERE topic_id = ? AND state = 'active' AND id > ? AND id <= ?`,
}

func (s *SQLite) prepare(ctx context.Context) error {
	s.hot = map[string]*sql.Stmt{}
	for name, q := range hotStatements {
		st, err := s.db.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("store: prepare %s: %w", name, err)
		}
		s.hot[name] = st
	}
	return nil
}

func (s *SQLite) closeHot() {
	for _, st := range s.hot {
		st.Close()
	}
}

// stmt returns a hot statement bound to tx.
func (s *SQLite) stmt(ctx context.Context, tx *sql.Tx, name string) *sql.Stmt {
	return tx.StmtContext(ctx, s.hot[name])
}

// idList renders ids as a JSON array for json_each.
func idList(ids []int64) string {
	b := make([]byte, 0, len(ids)*8+2)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}

// Close closes the database.
func (s *SQLite) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
		s.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		s.closeHot()
		err = s.db.Close()
		s.lock.Close() // after the database: the next hub finds it closed
	})
	return err
}

// Ping checks that the schema is at this hub's version and that each
// table the hub works on answers a bounded read; the error names the
// table or the version.
func (s *SQLite) Ping(ctx context.Context) error {
	var have int
	err := s.db.QueryRowContext(ctx, versionQuery).Scan(&have)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return unreadable("SQLite", "schema_migrations", err)
	}
	if err := checkVersion("SQLite", have, len(migrations)); err != nil {
		return err
	}
	for _, r := range pingReads {
		if err := s.read(ctx, r.query); err != nil {
			return unreadable("SQLite", r.table, err)
		}
	}
	return nil
}

// read runs query and reads all its rows.
func (s *SQLite) read(ctx context.Context, query string) error {
	rows, err := s.db.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	return errors.Join(rows.Err(), rows.Close())
}

// quickCheck runs PRAGMA quick_check, so that a damaged file is refused at
// start rather than failing every claim afterwards.
func quickCheck(ctx context.Context, db *sql.DB, path string) error {
	rows, err := db.QueryContext(ctx, `PRAGMA quick_check(5)`)
	if err != nil {
		return fmt.Errorf("store: database %s is damaged (PRAGMA quick_check: %w): restore it from a backup, or move it away to start with an empty one", path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("store: checking database %s: %w", path, err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return fmt.Errorf("store: database %s is damaged (PRAGMA quick_check: %s): restore it from a backup, or move it away to start with an empty one",
			path, strings.Join(problems, "; "))
	}
	return nil
}

// withTx runs f in an immediate transaction.
func (s *SQLite) withTx(ctx context.Context, what string, f func(*sql.Tx) error) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

// exec runs one write statement outside a transaction, serialized with
// the write transactions.
func (s *SQLite) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.db.ExecContext(ctx, query, args...)
}
