package track

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// keep records an entry a topic brought, unconfirmed, unless the same
// content is recorded already (a hub's retry); a changed entry is
// unconfirmed again and checked anew.
func (t *Tracker) keep(ctx context.Context, topic, hub, feedURL, entryID string, doc []byte, digest string) error {
	now := t.now().Unix()
	_, err := t.db.ExecContext(ctx, `INSERT INTO track_entries(topic, hub, feed_url, entry_id, doc, digest, next_check, arrived_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(topic, feed_url, entry_id) DO UPDATE SET
		hub = excluded.hub, doc = excluded.doc, digest = excluded.digest, confirmed = 0, checks = 0,
		next_check = excluded.next_check, arrived_at = excluded.arrived_at
		WHERE track_entries.digest != excluded.digest`,
		topic, hub, feedURL, entryID, doc, digest, now, now)
	if err != nil {
		return fmt.Errorf("track: keep entry %q of %s: %w", entryID, feedURL, err)
	}
	return nil
}

// pending is an unconfirmed entry waiting for a look at its origin.
type pending struct {
	id      int64
	entryID string
	digest  string
	checks  int
}

// dueOrigins lists up to n origin feeds with unconfirmed entries due a check.
func (t *Tracker) dueOrigins(ctx context.Context, n int) ([]string, error) {
	rows, err := t.db.QueryContext(ctx, `SELECT feed_url FROM track_entries WHERE confirmed = 0 AND next_check <= ?
		GROUP BY feed_url ORDER BY min(next_check) LIMIT ?`, t.now().Unix(), n)
	if err != nil {
		return nil, fmt.Errorf("track: due confirmations: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, fmt.Errorf("track: due confirmations: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// pendingOf lists the unconfirmed entries of an origin that are due.
func (t *Tracker) pendingOf(ctx context.Context, feedURL string) ([]pending, error) {
	rows, err := t.db.QueryContext(ctx, `SELECT id, entry_id, digest, checks FROM track_entries
		WHERE feed_url = ? AND confirmed = 0 AND next_check <= ?`, feedURL, t.now().Unix())
	if err != nil {
		return nil, fmt.Errorf("track: unconfirmed entries of %s: %w", feedURL, err)
	}
	defer rows.Close()
	var out []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.id, &p.entryID, &p.digest, &p.checks); err != nil {
			return nil, fmt.Errorf("track: unconfirmed entries of %s: %w", feedURL, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// confirm marks entries confirmed: they are now the origin's stored posts.
func (t *Tracker) confirm(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	_, err := t.db.ExecContext(ctx, `UPDATE track_entries SET confirmed = 1, doc = '', next_check = 0
		WHERE id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return fmt.Errorf("track: confirm entries: %w", err)
	}
	return nil
}

// later schedules the next look at the origin for an entry it did not
// (yet) confirm: 1, 2, 4 … minutes after, up to maxChecks looks; then never.
func (t *Tracker) later(ctx context.Context, p pending) error {
	next := t.now().Add(time.Minute << min(p.checks, 10)).Unix()
	if p.checks+1 >= maxChecks {
		next = 1<<62 - 1
	}
	_, err := t.db.ExecContext(ctx, `UPDATE track_entries SET checks = checks + 1, next_check = ? WHERE id = ?`, next, p.id)
	if err != nil {
		return fmt.Errorf("track: reschedule entry %q: %w", p.entryID, err)
	}
	return nil
}
