package store

import (
	"context"
	"database/sql"
	"time"
)

// ClaimDeliveries leases up to n due pending deliveries, joined with what
// sending them needs. The lease is the row's next_at (and claimed = 1): a
// crashed worker's claims become due again when it passes.
func (s *SQLite) ClaimDeliveries(ctx context.Context, now, until time.Time, n int) ([]Delivery, error) {
	var out []Delivery
	err := s.withTx(ctx, "claim deliveries", func(tx *sql.Tx) error {
		rows, err := s.stmt(ctx, tx, "claimDeliveries").QueryContext(ctx, ms(now), n)
		if err != nil {
			return err
		}
		if out, err = collect(rows, scanClaimedDelivery); err != nil || len(out) == 0 {
			return err
		}
		_, err = s.stmt(ctx, tx, "leaseDeliveries").ExecContext(ctx, ms(until),
			idList(ids(out, func(d Delivery) int64 { return d.ID })))
		return err
	})
	return out, err
}

// Content returns one stored content version.
func (s *SQLite) Content(ctx context.Context, id int64) (Content, error) {
	return contentFrom(s.db.QueryRowContext(ctx, `SELECT t.url, c.content_type, c.body, c.hash, c.fetched_at
		FROM hub_contents c JOIN hub_topics t ON t.id = c.topic_id WHERE c.id = ?`, id), id)
}

// CompleteDeliveries records a batch of outcomes in one transaction. The
// common case, success, is one UPDATE per status code for the whole batch.
func (s *SQLite) CompleteDeliveries(ctx context.Context, results []DeliveryResult, now time.Time) error {
	if len(results) == 0 {
		return nil
	}
	type group struct {
		status    int
		contentID int64
	}
	done := map[group][]int64{}
	var rest []DeliveryResult
	for _, r := range results {
		if r.Outcome == OutcomeDone {
			g := group{r.Status, r.ContentID}
			done[g] = append(done[g], r.ID)
		} else {
			rest = append(rest, r)
		}
	}
	return s.withTx(ctx, "complete deliveries", func(tx *sql.Tx) error {
		for g, ids := range done {
			if _, err := s.stmt(ctx, tx, "markDone").ExecContext(ctx, ms(now), g.status, g.contentID, idList(ids)); err != nil {
				return err
			}
		}
		for _, r := range rest {
			if err := applyOutcome(ctx, tx, r, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// finalOutcome ends a delivery. A zero status (no attempt was made) keeps
// the last attempt's status, and the reason is added to its error.
const finalOutcome = `UPDATE hub_deliveries SET state = ?1, attempts = attempts + ?2, finished_at = ?3,
	last_status = CASE WHEN ?4 = 0 THEN last_status ELSE ?4 END,
	last_error = CASE WHEN ?4 = 0 AND last_error <> '' THEN last_error || '; then: ' || ?5 ELSE ?5 END
	WHERE id = ?6 AND content_id = ?7 AND state = 0`

func applyOutcome(ctx context.Context, tx *sql.Tx, r DeliveryResult, now time.Time) error {
	var err error
	switch r.Outcome {
	case OutcomeRetry:
		_, err = tx.ExecContext(ctx, `UPDATE hub_deliveries SET attempts = attempts + 1, next_at = ?, claimed = 0,
			last_status = ?, last_error = ? WHERE id = ? AND content_id = ? AND state = 0`, ms(r.RetryAt), r.Status, r.Error, r.ID, r.ContentID)
	case OutcomeFailed:
		_, err = tx.ExecContext(ctx, finalOutcome, DeliveryFailed, 1, ms(now), r.Status, r.Error, r.ID, r.ContentID)
	case OutcomeCancel:
		_, err = tx.ExecContext(ctx, finalOutcome, DeliveryCancelled, 0, ms(now), r.Status, r.Error, r.ID, r.ContentID)
	case OutcomeDeferred:
		_, err = tx.ExecContext(ctx, `UPDATE hub_deliveries SET next_at = ?, claimed = 0 WHERE id = ? AND content_id = ? AND state = 0`,
			ms(r.RetryAt), r.ID, r.ContentID)
	case OutcomeGone:
		err = gone(ctx, tx, r, now)
	}
	return err
}

// gone ends a subscription whose callback answered 410 Gone.
func gone(ctx context.Context, tx *sql.Tx, r DeliveryResult, now time.Time) error {
	if _, err := tx.ExecContext(ctx, finalOutcome, DeliveryFailed, 1, ms(now), r.Status, r.Error, r.ID, r.ContentID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE hub_subscriptions SET state = 'gone', secret = x'', updated_at = ?
		WHERE id = ? AND state = 'active'`, ms(now), r.SubscriptionID); err != nil {
		return err
	}
	return cancelPending(ctx, tx, r.SubscriptionID, now, "subscription ended: callback answered 410 Gone")
}

// Sweep expires lapsed subscriptions, cancels their pending deliveries and
// forgets finished rows and unreferenced content older than keep.
func (s *SQLite) Sweep(ctx context.Context, now time.Time, keep time.Duration) error {
	old := ms(now.Add(-keep))
	return s.withTx(ctx, "sweep", func(tx *sql.Tx) error {
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`UPDATE hub_deliveries SET state = 2, finished_at = ?1,
				last_error = CASE WHEN last_error <> '' THEN last_error || '; then: ' || ?3 ELSE ?3 END
				WHERE state = 0 AND subscription_id IN (SELECT id FROM hub_subscriptions WHERE state = 'active' AND expires_at <= ?2)`,
				[]any{ms(now), ms(now), "lease ended before the delivery succeeded"}},
			{`UPDATE hub_subscriptions SET state = 'expired', secret = x'', updated_at = ?
				WHERE state = 'active' AND expires_at <= ?`, []any{ms(now), ms(now)}},
			// Rows are in creation order: only those before the first one
			// created since `old` are looked at.
			{`DELETE FROM hub_deliveries WHERE state <> 0 AND finished_at < ?1 AND id < coalesce(
				(SELECT id FROM hub_deliveries WHERE created_at >= ?1 ORDER BY id LIMIT 1),
				(SELECT max(id) + 1 FROM hub_deliveries))`, []any{old}},
			{`DELETE FROM hub_verifications WHERE state <> 'pending' AND finished_at < ?`, []any{old}},
			{`DELETE FROM hub_contents WHERE fetched_at < ? AND id NOT IN (SELECT content_id FROM hub_topics WHERE content_id IS NOT NULL)
				AND id NOT IN (SELECT content_id FROM hub_deliveries)`, []any{old}},
		} {
			if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
				return err
			}
		}
		return nil
	})
}

// sqliteCounts is the query of Counts, at the time ?1.
var sqliteCounts = countsQuery(`s.state = 'active' AND s.expires_at > ?1`)

// Counts returns the hub's headline figures.
func (s *SQLite) Counts(ctx context.Context, now time.Time) (Counts, error) {
	return countsFrom(s.db.QueryRowContext(ctx, sqliteCounts, ms(now)))
}
