package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Cursor is a place in a newest-first listing: the arrival rowid and the
// publication time of the last post shown. A listing asked for the posts
// before a cursor continues strictly after that post in its own order
// (publication time then rowid, or rowid alone for the listings in
// arrival order), so pages never overlap and none is skipped, whatever
// arrives meanwhile. The zero Cursor is the top of a listing.
type Cursor struct {
	RowID     int64
	Published int64 // Unix seconds
}

// CursorOf is the cursor just after p.
func CursorOf(p Post) Cursor { return Cursor{RowID: p.RowID, Published: p.Published.Unix()} }

// String is the cursor as listings print it: ROWID.PUBLISHED.
func (c Cursor) String() string {
	if c.IsZero() {
		return ""
	}
	return strconv.FormatInt(c.RowID, 10) + "." + strconv.FormatInt(c.Published, 10)
}

// IsZero reports whether c is the top of a listing.
func (c Cursor) IsZero() bool { return c.RowID == 0 }

// ParseCursor reads a cursor printed by String ("" is the zero Cursor).
func ParseCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	id, pub, ok := strings.Cut(s, ".")
	c := Cursor{}
	var err1, err2 error
	c.RowID, err1 = strconv.ParseInt(id, 10, 64)
	c.Published, err2 = strconv.ParseInt(pub, 10, 64)
	if !ok || err1 != nil || err2 != nil || c.RowID <= 0 {
		return Cursor{}, fmt.Errorf("store: %q is not a cursor (the cursor of a listed post, such as 4711.1924992000)", s)
	}
	return c, nil
}

// bounds are the cursor as query parameters: (published, rowid), or the
// largest values for the top of a listing.
func (c Cursor) bounds() (int64, int64) {
	if c.IsZero() {
		return math.MaxInt64, math.MaxInt64
	}
	return c.Published, c.RowID
}

// ReadQuery says which unread posts MarkRead marks read. Its conditions
// add up; the zero ReadQuery marks nothing.
type ReadQuery struct {
	RowIDs []int64   // these posts
	Before time.Time // posts published before this
	All    bool      // every unread post
	UpTo   int64     // with All or Before: only posts arrived at or before this rowid (0: no bound)
}

// MarkRead marks posts read and returns how many were unread.
func (s *Store) MarkRead(ctx context.Context, q ReadQuery) (int, error) {
	where, args := []string{"unread = 1"}, []any{}
	switch {
	case q.RowIDs != nil:
		ids, _ := json.Marshal(q.RowIDs)
		where, args = append(where, "id IN (SELECT value FROM json_each(?))"), append(args, string(ids))
	case !q.Before.IsZero():
		where, args = append(where, "published < ?"), append(args, q.Before.Unix())
	case !q.All:
		return 0, nil
	}
	if q.UpTo > 0 && q.RowIDs == nil {
		where, args = append(where, "id <= ?"), append(args, q.UpTo)
	}
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE posts SET unread = 0 WHERE `+strings.Join(where, " AND "), args...)
		if err != nil {
			return fmt.Errorf("store: mark posts read: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}

// Unread counts the unread posts of followed feeds, up to max (0: no
// bound), blocked feeds left out (mutes are not applied: counting them
// would read every post).
func (s *Store) Unread(ctx context.Context, f Filter, max int) (int, error) {
	limit := int64(max)
	if max <= 0 {
		limit = -1
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM posts p JOIN feeds f ON f.id = p.feed_id
		WHERE p.unread = 1 AND f.followed = 1 AND p.feed_id NOT IN (SELECT value FROM json_each(?)) LIMIT ?)`,
		f.blockedJSON(), limit).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count unread posts: %w", err)
	}
	return n, nil
}

// ArrivedSince counts the posts of followed feeds that arrived after the
// post with rowid after, blocked feeds left out: the "new posts" of an
// open timeline. It reads the rowid range only.
func (s *Store) ArrivedSince(ctx context.Context, after int64, f Filter) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM posts p JOIN feeds f ON f.id = p.feed_id
		WHERE p.id > ? AND f.followed = 1 AND p.feed_id NOT IN (SELECT value FROM json_each(?))`,
		after, f.blockedJSON()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count posts arrived after #%d: %w", after, err)
	}
	return n, nil
}

// Arrived lists up to limit posts of followed feeds that arrived after
// the post with rowid after, newest arrival first, blocks and mutes
// applied. It walks the rowid range only.
func (s *Store) Arrived(ctx context.Context, after int64, limit int, f Filter) ([]Post, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+postCols+postFrom+`
		WHERE p.id > ? AND f.followed = 1 AND p.feed_id NOT IN (SELECT value FROM json_each(?))
		ORDER BY p.id DESC`, after, f.blockedJSON())
	if err != nil {
		return nil, fmt.Errorf("store: posts arrived after #%d: %w", after, err)
	}
	return collect(rows, limit, f.keep, nil)
}

// LastRowID is the rowid of the newest arrival, 0 when no post is stored.
func (s *Store) LastRowID(ctx context.Context) (int64, error) {
	var n sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT max(id) FROM posts`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: newest post: %w", err)
	}
	return n.Int64, nil
}

// Arrivals returns a channel closed when a save of this Store next
// inserts a post (saves by other processes are not seen).
func (s *Store) Arrivals() <-chan struct{} { return s.arrivals.wait() }

// signal is a broadcast: every waiter's channel is closed by the next fire.
type signal struct {
	mu sync.Mutex
	ch chan struct{}
}

func (s *signal) wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

func (s *signal) fire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}
