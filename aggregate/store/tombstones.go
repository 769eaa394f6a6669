package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/rookery-social/rookery/aggregate/feedparse"
)

// A tombstone (RFC 6721 at:deleted-entry) speaks only for the feed whose
// document carries it: it removes that feed's stored post, never another
// feed's post with the same id, and it is recorded under that feed, so
// that an older copy of the entry (a stale cache, an archive page, a
// tracked topic) does not bring the post back. An entry whose updated is
// later than the tombstone's when is a re-publication, and is stored.

// buryAll records a document's tombstones for the feed feedID and removes
// the feed's stored posts they name that are not newer than them (undated
// posts whatever their date, which is only when they were first seen). A
// tombstone without a date takes now, the first time it is seen. It
// returns how many posts it removed.
func buryAll(ctx context.Context, tx *sql.Tx, feedID int64, dead []feedparse.Tombstone, now time.Time) (int, error) {
	removed := 0
	for _, t := range dead {
		when, err := bury(ctx, tx, feedID, t, now)
		if err != nil {
			return removed, fmt.Errorf("store: record the tombstone of %q in feed #%d: %w", t.Ref, feedID, err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM posts WHERE id IN (
				SELECT id FROM posts WHERE feed_id = ?1 AND guid = ?2
				UNION SELECT id FROM posts WHERE entry_id = ?2 AND feed_id = ?1)
			AND (undated = 1 OR updated <= ?3)`, feedID, t.Ref, when)
		if err != nil {
			return removed, fmt.Errorf("store: remove post %q of feed #%d: %w", t.Ref, feedID, err)
		}
		n, _ := res.RowsAffected()
		removed += int(n)
	}
	if len(dead) > 0 {
		if err := pruneGraves(ctx, tx, feedID); err != nil {
			return removed, err
		}
	}
	return removed, nil
}

// maxGraves bounds the tombstones kept per feed: every save reads them
// all, and a hostile feed could publish thousands of new ones each
// fetch. Past it the oldest go; a stale copy of an entry deleted longer
// ago than the newest maxGraves deletions could come back.
const maxGraves = 10_000

// pruneGraves keeps the newest maxGraves tombstones of the feed.
func pruneGraves(ctx context.Context, tx *sql.Tx, feedID int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM tombstones WHERE feed_id = ?1 AND ref NOT IN (
			SELECT ref FROM tombstones WHERE feed_id = ?1 ORDER BY deleted DESC, ref LIMIT ?2)`, feedID, maxGraves)
	if err != nil {
		return fmt.Errorf("store: prune the tombstones of feed #%d: %w", feedID, err)
	}
	return nil
}

// bury records one tombstone, keeping the latest when, and returns the
// when recorded (Unix seconds).
func bury(ctx context.Context, tx *sql.Tx, feedID int64, t feedparse.Tombstone, now time.Time) (int64, error) {
	q := `INSERT INTO tombstones(feed_id, ref, deleted) VALUES(?1, ?2, ?3)
		ON CONFLICT DO UPDATE SET deleted = max(deleted, excluded.deleted)`
	when := t.When
	if when.IsZero() {
		q = `INSERT INTO tombstones(feed_id, ref, deleted) VALUES(?1, ?2, ?3) ON CONFLICT DO NOTHING`
		when = now
	}
	if _, err := tx.ExecContext(ctx, q, feedID, t.Ref, when.Unix()); err != nil {
		return 0, err
	}
	var at int64
	err := tx.QueryRowContext(ctx, `SELECT deleted FROM tombstones WHERE feed_id = ? AND ref = ?`, feedID, t.Ref).Scan(&at)
	return at, err
}

// gravesSQL reads a feed's tombstones (a prepared statement of the saver).
const gravesSQL = `SELECT ref, deleted FROM tombstones WHERE feed_id = ?`

// graves reads the tombstones of feed feedID with the saver's statement.
func graves(ctx context.Context, st *sql.Stmt, feedID int64) (map[string]int64, error) {
	rows, err := st.QueryContext(ctx, feedID)
	if err != nil {
		return nil, fmt.Errorf("store: tombstones of feed #%d: %w", feedID, err)
	}
	defer rows.Close()
	var out map[string]int64
	for rows.Next() {
		var ref string
		var when int64
		if err := rows.Scan(&ref, &when); err != nil {
			return nil, fmt.Errorf("store: tombstones of feed #%d: %w", feedID, err)
		}
		if out == nil {
			out = map[string]int64{}
		}
		out[ref] = when
	}
	return out, rows.Err()
}

// buried reports whether e is an entry its feed deleted and has not
// published again since: a tombstone names its id (or key), and e is not
// newer than it (an undated e never is).
func (sv *saver) buried(e feedparse.Entry) bool {
	if len(sv.graves) == 0 {
		return false
	}
	when, ok := sv.graves[e.ID]
	if !ok {
		when, ok = sv.graves[e.Key]
	}
	return ok && (e.Updated.IsZero() || e.Updated.Unix() <= when)
}

// Tombstoned reports whether the post with atom:id ref was deleted by
// its author: a feed at origin recorded a tombstone for it (origin is
// the scheme://host[:port] of the post's permalink, since nobody but its
// site may say it is gone) and no post with that id is stored there.
func (s *Store) Tombstoned(ctx context.Context, ref, origin string) (bool, error) {
	if ref == "" || origin == "" {
		return false, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT f.url FROM tombstones t JOIN feeds f ON f.id = t.feed_id
		WHERE t.ref = ?1 AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.feed_id = t.feed_id AND p.entry_id = ?1)`, ref)
	if err != nil {
		return false, fmt.Errorf("store: tombstones of %q: %w", ref, err)
	}
	defer rows.Close()
	for rows.Next() {
		var feedURL string
		if err := rows.Scan(&feedURL); err != nil {
			return false, fmt.Errorf("store: tombstones of %q: %w", ref, err)
		}
		if Origin(feedURL) == origin {
			return true, nil
		}
	}
	return false, rows.Err()
}
