package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// sweepLock is the advisory lock key that lets one hub process sweep at a
// time; the others skip their turn.
const sweepLock = 0x726f6f6b_68756202

// ClaimDeliveries leases up to n due pending deliveries that no other
// process holds, joined with what sending them needs. The lease is the
// row's next_at: a killed process's claims become due when it passes.
func (p *Postgres) ClaimDeliveries(ctx context.Context, now, until time.Time, n int) ([]Delivery, error) {
	out, err := pgSelectAll(ctx, p.pool, scanClaimedDelivery, `WITH due AS (
			SELECT id FROM hub_deliveries WHERE state = 0 AND next_at <= $1
			ORDER BY next_at LIMIT $3 FOR UPDATE SKIP LOCKED),
		claimed AS (
			UPDATE hub_deliveries d SET next_at = $2, claimed = true FROM due WHERE d.id = due.id
			RETURNING d.id, d.subscription_id, d.content_id, d.attempts, d.created_at)
		SELECT c.id, c.subscription_id, c.content_id, c.attempts, c.created_at,
			t.url, s.callback, s.secret, s.expires_at, s.state = 'active', s.protocol
		FROM claimed c JOIN hub_subscriptions s ON s.id = c.subscription_id JOIN hub_topics t ON t.id = s.topic_id`,
		ms(now), ms(until), n)
	if err != nil {
		return nil, fmt.Errorf("store: claim deliveries: %w", err)
	}
	return out, nil
}

// Content returns one stored content version.
func (p *Postgres) Content(ctx context.Context, id int64) (Content, error) {
	return contentFrom(p.pool.QueryRow(ctx, `SELECT t.url, c.content_type, c.body, c.hash, c.fetched_at
		FROM hub_contents c JOIN hub_topics t ON t.id = c.topic_id WHERE c.id = $1`, id), id)
}

// CompleteDeliveries records a batch of outcomes in one transaction: the
// successes in one UPDATE, the others one statement each, all sent in one
// round trip. Rows are updated in id order, so that two processes
// completing overlapping batches cannot deadlock.
func (p *Postgres) CompleteDeliveries(ctx context.Context, results []DeliveryResult, now time.Time) error {
	if len(results) == 0 {
		return nil
	}
	results = slices.Clone(results)
	slices.SortFunc(results, func(a, b DeliveryResult) int { return compareInt64(a.ID, b.ID) })
	var doneIDs, doneContents []int64
	var doneStatus []int32
	b := &pgx.Batch{}
	for _, r := range results {
		if r.Outcome == OutcomeDone {
			doneIDs, doneContents = append(doneIDs, r.ID), append(doneContents, r.ContentID)
			doneStatus = append(doneStatus, int32(r.Status))
			continue
		}
		queueOutcome(b, r, now)
	}
	return p.withTx(ctx, "complete deliveries", func(tx pgx.Tx) error {
		if len(doneIDs) > 0 {
			if _, err := tx.Exec(ctx, `UPDATE hub_deliveries d SET state = 1, attempts = d.attempts + 1, finished_at = $1,
				last_status = r.status, last_error = ''
				FROM unnest($2::bigint[], $3::bigint[], $4::int[]) AS r(id, content_id, status)
				WHERE d.id = r.id AND d.content_id = r.content_id AND d.state = 0`,
				ms(now), doneIDs, doneContents, doneStatus); err != nil {
				return err
			}
		}
		if b.Len() == 0 {
			return nil
		}
		return tx.SendBatch(ctx, b).Close()
	})
}

func compareInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// pgFinalOutcome ends a delivery. A zero status (no attempt was made)
// keeps the last attempt's status, and the reason is added to its error.
const pgFinalOutcome = `UPDATE hub_deliveries SET state = $1, attempts = attempts + $2, finished_at = $3,
	last_status = CASE WHEN $4::int = 0 THEN last_status ELSE $4::int END,
	last_error = CASE WHEN $4::int = 0 AND last_error <> '' THEN last_error || '; then: ' || $5::text ELSE $5::text END
	WHERE id = $6 AND content_id = $7 AND state = 0`

// queueOutcome adds the statements of one non-success outcome to b.
func queueOutcome(b *pgx.Batch, r DeliveryResult, now time.Time) {
	switch r.Outcome {
	case OutcomeRetry:
		b.Queue(`UPDATE hub_deliveries SET attempts = attempts + 1, next_at = $1, claimed = false,
			last_status = $2, last_error = $3 WHERE id = $4 AND content_id = $5 AND state = 0`,
			ms(r.RetryAt), r.Status, r.Error, r.ID, r.ContentID)
	case OutcomeFailed:
		b.Queue(pgFinalOutcome, DeliveryFailed, 1, ms(now), r.Status, r.Error, r.ID, r.ContentID)
	case OutcomeCancel:
		b.Queue(pgFinalOutcome, DeliveryCancelled, 0, ms(now), r.Status, r.Error, r.ID, r.ContentID)
	case OutcomeDeferred:
		b.Queue(`UPDATE hub_deliveries SET next_at = $1, claimed = false WHERE id = $2 AND content_id = $3 AND state = 0`,
			ms(r.RetryAt), r.ID, r.ContentID)
	case OutcomeGone:
		b.Queue(pgFinalOutcome, DeliveryFailed, 1, ms(now), r.Status, r.Error, r.ID, r.ContentID)
		b.Queue(`UPDATE hub_subscriptions SET state = 'gone', secret = ''::bytea, updated_at = $1
			WHERE id = $2 AND state = 'active'`, ms(now), r.SubscriptionID)
		b.Queue(`UPDATE hub_deliveries SET state = 3, finished_at = $1, last_error = $2
			WHERE subscription_id = $3 AND state = 0`,
			ms(now), "subscription ended: callback answered 410 Gone", r.SubscriptionID)
	}
}

// Sweep expires lapsed subscriptions, cancels their pending deliveries
// and forgets finished rows and unreferenced content older than keep. One
// process sweeps at a time; the others skip their turn.
func (p *Postgres) Sweep(ctx context.Context, now time.Time, keep time.Duration) error {
	old := ms(now.Add(-keep))
	return p.withTx(ctx, "sweep", func(tx pgx.Tx) error {
		var mine bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, int64(sweepLock)).Scan(&mine); err != nil || !mine {
			return err
		}
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`UPDATE hub_deliveries SET state = 2, finished_at = $1,
				last_error = CASE WHEN last_error <> '' THEN last_error || '; then: ' || $2::text ELSE $2::text END
				WHERE state = 0 AND subscription_id IN (SELECT id FROM hub_subscriptions WHERE state = 'active' AND expires_at <= $1)`,
				[]any{ms(now), "lease ended before the delivery succeeded"}},
			{`UPDATE hub_subscriptions SET state = 'expired', secret = ''::bytea, updated_at = $1
				WHERE state = 'active' AND expires_at <= $1`, []any{ms(now)}},
			{`DELETE FROM hub_deliveries WHERE state <> 0 AND finished_at < $1 AND id < coalesce(
				(SELECT id FROM hub_deliveries WHERE created_at >= $1 ORDER BY id LIMIT 1),
				(SELECT max(id) + 1 FROM hub_deliveries))`, []any{old}},
			{`DELETE FROM hub_verifications WHERE state <> 'pending' AND finished_at < $1`, []any{old}},
			{`DELETE FROM hub_contents c WHERE c.fetched_at < $1
				AND NOT EXISTS (SELECT 1 FROM hub_topics t WHERE t.content_id = c.id)
				AND NOT EXISTS (SELECT 1 FROM hub_deliveries d WHERE d.content_id = c.id)`, []any{old}},
		} {
			if _, err := tx.Exec(ctx, q.sql, q.args...); err != nil {
				return err
			}
		}
		return nil
	})
}

// pgCounts is the query of Counts, at the time $1.
var pgCounts = countsQuery(pgActiveSub)

// Counts returns the hub's headline figures.
func (p *Postgres) Counts(ctx context.Context, now time.Time) (Counts, error) {
	return countsFrom(p.pool.QueryRow(ctx, pgCounts, ms(now)))
}
