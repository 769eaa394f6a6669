// Package store keeps the reader's feeds, posts, tags, mentions, replies,
// blocks and mutes in one SQLite file, with an FTS5 index over posts. Post
// rowids are arrival order, so newest-first listings and searches are index
// walks. It knows nothing of HTTP or feed formats beyond feedparse.Entry.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rookery-social/rookery/internal/sqlitedb"
)

// ErrNotFound is returned (wrapped) when a feed or post is not stored.
var ErrNotFound = errors.New("store: not found")

// Store is the reader's database. It is safe for concurrent use; writes from
// one process are serialized, and other processes wait on SQLite's busy
// timeout.
type Store struct {
	db        *sql.DB
	wmu       sync.Mutex
	saveStmts []*sql.Stmt
	// checkpoints copy the WAL into the database file after a SaveFeed,
	// in the background (see SaveFeedWait); one at a time.
	checkpoints   sync.WaitGroup
	checkpointing atomic.Bool
	now           func() time.Time
	arrivals      signal
}

// Options configures a Store.
type Options struct {
	// Now is the clock that stamps when feeds, blocks, mutes and
	// mentions were added; default time.Now.
	Now func() time.Time
}

// Open opens (creating and migrating) the database at path.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	db, err := sqlitedb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := sqlitedb.Migrate(ctx, db, "reader", migrations); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	stmts, err := prepareSaver(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store{db: db, saveStmts: stmts, now: opts.Now}, nil
}

// DB returns the database handle, so that the tables of the reader's
// daemon (subscriptions, Webmentions, tracked queries) live in the same
// file through the same connection pool.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the database.
func (s *Store) Close() error {
	s.checkpoints.Wait()
	closeAll(s.saveStmts)
	return s.db.Close()
}

// write runs fn in one short immediate transaction.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// GetMeta returns a stored setting, or "" when unset.
func (s *Store) GetMeta(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: meta %s: %w", key, err)
	}
	return v, nil
}

// SetMeta stores a setting.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES(?, ?)
			ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value)
		if err != nil {
			return fmt.Errorf("store: meta %s: %w", key, err)
		}
		return nil
	})
}

// checkpointSoon copies the WAL into the database file in the background,
// unless a checkpoint is running. A passive checkpoint waits for no one:
// writers go on appending to the WAL meanwhile.
func (s *Store) checkpointSoon() {
	if !s.checkpointing.CompareAndSwap(false, true) {
		return
	}
	s.checkpoints.Go(func() {
		defer s.checkpointing.Store(false)
		// A failure leaves the frames in the WAL for the next checkpoint
		// (or SQLite's own when the last connection closes).
		s.db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
	})
}
