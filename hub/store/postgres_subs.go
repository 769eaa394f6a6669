package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// AddVerification records a pending verification of intent.
func (p *Postgres) AddVerification(ctx context.Context, v Verification) (int64, error) {
	now := ms(v.CreatedAt)
	var id int64
	err := p.pool.QueryRow(ctx, `INSERT INTO hub_verifications
		(mode, topic, callback, secret, lease_seconds, next_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
		v.Mode, v.Topic, v.Callback, nonNil(v.Secret), v.LeaseSeconds, now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: add verification: %w", err)
	}
	return id, nil
}

// ClaimVerifications leases due pending verifications that no other
// process holds.
func (p *Postgres) ClaimVerifications(ctx context.Context, now, until time.Time, n int) ([]Verification, error) {
	out, err := pgSelectAll(ctx, p.pool, scanClaimedVerification, `WITH due AS (
			SELECT id FROM hub_verifications WHERE state = 'pending' AND next_at <= $1
			ORDER BY next_at LIMIT $3 FOR UPDATE SKIP LOCKED)
		UPDATE hub_verifications v SET next_at = $2, attempts = v.attempts + 1 FROM due WHERE v.id = due.id
		RETURNING v.id, v.mode, v.topic, v.callback, v.secret, v.lease_seconds, v.attempts - 1, v.created_at`,
		ms(now), ms(until), n)
	if err != nil {
		return nil, fmt.Errorf("store: claim verifications: %w", err)
	}
	return out, nil
}

// FinishVerification records the outcome, applies a verified change and
// announces it to the other hub processes (NOTIFY, sent at commit).
func (p *Postgres) FinishVerification(ctx context.Context, v Verification, state, result string, now time.Time) error {
	return p.withTx(ctx, "finish verification", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE hub_verifications SET state = $1, result = $2, finished_at = $3, secret = ''::bytea
			WHERE id = $4`, state, result, ms(now), v.ID); err != nil {
			return err
		}
		if state != VerifyVerified {
			return nil
		}
		return pgApply(ctx, tx, v, now)
	})
}

// RecordVerification records a verification done by its caller and, when
// it succeeded, applies and announces it in the same transaction.
func (p *Postgres) RecordVerification(ctx context.Context, v Verification, now time.Time) (int64, error) {
	var id int64
	err := p.withTx(ctx, "record verification", func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO hub_verifications
			(mode, topic, callback, secret, lease_seconds, state, result, attempts, next_at, created_at, finished_at)
			VALUES ($1, $2, $3, ''::bytea, $4, $5, $6, 1, $7, $8, $7) RETURNING id`,
			v.Mode, v.Topic, v.Callback, v.LeaseSeconds, v.State, v.Result, ms(now), ms(v.CreatedAt)).Scan(&id)
		if err != nil || v.State != VerifyVerified {
			return err
		}
		return pgApply(ctx, tx, v, now)
	})
	return id, err
}

// pgApply makes the subscription change of the verified v and announces
// it to the other hub processes (NOTIFY, sent at commit).
func pgApply(ctx context.Context, tx pgx.Tx, v Verification, now time.Time) error {
	var err error
	if v.Mode == "unsubscribe" {
		err = pgUnsubscribe(ctx, tx, v, now)
	} else {
		err = pgSubscribe(ctx, tx, v, now)
	}
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `SELECT pg_notify($1, $2)`, subscriptionsChannel, v.Topic)
	return err
}

func pgTopicID(ctx context.Context, tx pgx.Tx, topic string) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO hub_topics(url) VALUES ($1)
		ON CONFLICT (url) DO UPDATE SET url = excluded.url RETURNING id`, topic).Scan(&id)
	return id, err
}

func pgSubscribe(ctx context.Context, tx pgx.Tx, v Verification, now time.Time) error {
	tid, err := pgTopicID(ctx, tx, v.Topic)
	if err != nil {
		return err
	}
	expires, protocol := subscriptionTerms(v, now)
	_, err = tx.Exec(ctx, `INSERT INTO hub_subscriptions
		(topic_id, callback, callback_host, secret, lease_seconds, expires_at, state, created_at, updated_at, protocol)
		VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $7, $8)
		ON CONFLICT (topic_id, callback) DO UPDATE SET secret = excluded.secret,
			callback_host = excluded.callback_host, lease_seconds = excluded.lease_seconds,
			expires_at = excluded.expires_at, state = 'active', updated_at = excluded.updated_at,
			protocol = excluded.protocol`,
		tid, v.Callback, CallbackHost(v.Callback), nonNil(v.Secret), v.LeaseSeconds, expires, ms(now), protocol)
	return err
}

func pgUnsubscribe(ctx context.Context, tx pgx.Tx, v Verification, now time.Time) error {
	var sid int64
	err := tx.QueryRow(ctx, `UPDATE hub_subscriptions SET state = 'unsubscribed', secret = ''::bytea, updated_at = $1
		WHERE callback = $2 AND topic_id = (SELECT id FROM hub_topics WHERE url = $3) AND state = 'active' RETURNING id`,
		ms(now), v.Callback, v.Topic).Scan(&sid)
	if noRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return pgCancelPending(ctx, tx, sid, now, "unsubscribed")
}

// pgCancelPending cancels the pending deliveries of a subscription.
func pgCancelPending(ctx context.Context, tx pgx.Tx, sid int64, now time.Time, why string) error {
	_, err := tx.Exec(ctx, `UPDATE hub_deliveries SET state = 3, finished_at = $1, last_error = $2
		WHERE subscription_id = $3 AND state = 0`, ms(now), why, sid)
	return err
}

// CountActiveByHost counts the active subscriptions whose callback is on host.
func (p *Postgres) CountActiveByHost(ctx context.Context, host string, now time.Time) (int, error) {
	var n int
	err := p.pool.QueryRow(ctx, `SELECT count(*) FROM hub_subscriptions
		WHERE callback_host = $1 AND state = 'active' AND expires_at > $2`, host, ms(now)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count subscriptions: %w", err)
	}
	return n, nil
}

// Subscription returns the subscription of callback to topic.
func (p *Postgres) Subscription(ctx context.Context, topic, callback string) (Subscription, error) {
	return subscriptionFrom(p.pool.QueryRow(ctx, `SELECT s.id, t.url, s.callback, s.callback_host, length(s.secret),
		s.lease_seconds, s.expires_at, s.state, s.protocol, s.created_at, s.updated_at
		FROM hub_subscriptions s JOIN hub_topics t ON t.id = s.topic_id
		WHERE t.url = $1 AND s.callback = $2`, topic, callback), topic, callback)
}

// Verifications returns the newest verifications of callback to topic,
// without their secrets.
func (p *Postgres) Verifications(ctx context.Context, topic, callback string, n int) ([]Verification, error) {
	out, err := pgSelectAll(ctx, p.pool, scanVerificationOf(topic, callback), `SELECT id, mode, lease_seconds, state, result, attempts, created_at, finished_at
		FROM hub_verifications WHERE topic = $1 AND callback = $2 ORDER BY id DESC LIMIT $3`, topic, callback, n)
	if err != nil {
		return nil, fmt.Errorf("store: verifications: %w", err)
	}
	return out, nil
}

// RecentDeliveries returns the newest deliveries of a subscription, one per
// content version of its topic, newest first.
func (p *Postgres) RecentDeliveries(ctx context.Context, subscriptionID int64, n int) ([]DeliveryRecord, error) {
	out, err := pgSelectAll(ctx, p.pool, scanDeliveryRecord, `SELECT d.id, d.content_id, d.state, d.attempts, d.last_status, d.last_error,
		d.created_at, d.next_at, d.finished_at FROM hub_contents c
		JOIN hub_deliveries d ON d.content_id = c.id AND d.subscription_id = $1
		WHERE c.topic_id = (SELECT topic_id FROM hub_subscriptions WHERE id = $1) ORDER BY c.id DESC LIMIT $2`,
		subscriptionID, n)
	if err != nil {
		return nil, fmt.Errorf("store: deliveries: %w", err)
	}
	return out, nil
}
