package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// AddVerification records a pending verification of intent.
func (s *SQLite) AddVerification(ctx context.Context, v Verification) (int64, error) {
	now := ms(v.CreatedAt)
	res, err := s.exec(ctx, `INSERT INTO hub_verifications
		(mode, topic, callback, secret, lease_seconds, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		v.Mode, v.Topic, v.Callback, nonNil(v.Secret), v.LeaseSeconds, now, now)
	if err != nil {
		return 0, fmt.Errorf("store: add verification: %w", err)
	}
	return res.LastInsertId()
}

// ClaimVerifications leases due pending verifications.
func (s *SQLite) ClaimVerifications(ctx context.Context, now, until time.Time, n int) ([]Verification, error) {
	var out []Verification
	err := s.withTx(ctx, "claim verifications", func(tx *sql.Tx) error {
		var err error
		out, err = selectAll(ctx, tx, scanClaimedVerification, `SELECT id, mode, topic, callback, secret, lease_seconds, attempts, created_at
			FROM hub_verifications WHERE state = 'pending' AND next_at <= ? ORDER BY next_at LIMIT ?`, ms(now), n)
		if err != nil {
			return err
		}
		return leaseRows(ctx, tx, "hub_verifications", "next_at = ?, attempts = attempts + 1", ms(until),
			ids(out, func(v Verification) int64 { return v.ID }))
	})
	return out, err
}

// leaseRows runs UPDATE table SET set WHERE id IN ids, with arg bound first.
func leaseRows(ctx context.Context, tx *sql.Tx, table, set string, arg int64, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, 0, len(ids)+1)
	args = append(args, arg)
	for _, id := range ids {
		args = append(args, id)
	}
	q := "UPDATE " + table + " SET " + set + " WHERE id IN (?" + strings.Repeat(",?", len(ids)-1) + ")"
	_, err := tx.ExecContext(ctx, q, args...)
	return err
}

// FinishVerification records the outcome and applies a verified change.
func (s *SQLite) FinishVerification(ctx context.Context, v Verification, state, result string, now time.Time) error {
	return s.withTx(ctx, "finish verification", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE hub_verifications SET state = ?, result = ?, finished_at = ?, secret = x''
			WHERE id = ?`, state, result, ms(now), v.ID); err != nil {
			return err
		}
		if state != VerifyVerified {
			return nil
		}
		return apply(ctx, tx, v, now)
	})
}

// RecordVerification records a verification done by its caller and, when
// it succeeded, applies it in the same transaction.
func (s *SQLite) RecordVerification(ctx context.Context, v Verification, now time.Time) (int64, error) {
	var id int64
	err := s.withTx(ctx, "record verification", func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO hub_verifications
			(mode, topic, callback, secret, lease_seconds, state, result, attempts, next_at, created_at, finished_at)
			VALUES (?, ?, ?, x'', ?, ?, ?, 1, ?, ?, ?) RETURNING id`,
			v.Mode, v.Topic, v.Callback, v.LeaseSeconds, v.State, v.Result, ms(now), ms(v.CreatedAt), ms(now)).Scan(&id)
		if err != nil || v.State != VerifyVerified {
			return err
		}
		return apply(ctx, tx, v, now)
	})
	return id, err
}

// apply makes the subscription change of the verified v.
func apply(ctx context.Context, tx *sql.Tx, v Verification, now time.Time) error {
	if v.Mode == "unsubscribe" {
		return unsubscribe(ctx, tx, v, now)
	}
	return subscribe(ctx, tx, v, now)
}

func topicID(ctx context.Context, tx *sql.Tx, topic string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO hub_topics(url) VALUES (?)
		ON CONFLICT(url) DO UPDATE SET url = excluded.url RETURNING id`, topic).Scan(&id)
	return id, err
}

func subscribe(ctx context.Context, tx *sql.Tx, v Verification, now time.Time) error {
	tid, err := topicID(ctx, tx, v.Topic)
	if err != nil {
		return err
	}
	expires, protocol := subscriptionTerms(v, now)
	_, err = tx.ExecContext(ctx, `INSERT INTO hub_subscriptions
		(topic_id, callback, callback_host, secret, lease_seconds, expires_at, state, created_at, updated_at, protocol)
		VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)
		ON CONFLICT(topic_id, callback) DO UPDATE SET secret = excluded.secret,
			callback_host = excluded.callback_host, lease_seconds = excluded.lease_seconds,
			expires_at = excluded.expires_at, state = 'active', updated_at = excluded.updated_at,
			protocol = excluded.protocol`,
		tid, v.Callback, CallbackHost(v.Callback), nonNil(v.Secret), v.LeaseSeconds, expires, ms(now), ms(now), protocol)
	return err
}

func unsubscribe(ctx context.Context, tx *sql.Tx, v Verification, now time.Time) error {
	var sid int64
	err := tx.QueryRowContext(ctx, `UPDATE hub_subscriptions SET state = 'unsubscribed', secret = x'', updated_at = ?
		WHERE callback = ? AND topic_id = (SELECT id FROM hub_topics WHERE url = ?) AND state = 'active' RETURNING id`,
		ms(now), v.Callback, v.Topic).Scan(&sid)
	if noRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return cancelPending(ctx, tx, sid, now, "unsubscribed")
}

// cancelPending cancels the pending deliveries of a subscription. Deliveries
// are indexed by (content, subscription), which a fan-out appends to in
// order, so they are found through the topic's content versions.
func cancelPending(ctx context.Context, tx *sql.Tx, sid int64, now time.Time, why string) error {
	_, err := tx.ExecContext(ctx, `UPDATE hub_deliveries SET state = 3, finished_at = ?1, last_error = ?2
		WHERE subscription_id = ?3 AND state = 0 AND content_id IN (SELECT c.id FROM hub_contents c
			WHERE c.topic_id = (SELECT topic_id FROM hub_subscriptions WHERE id = ?3))`, ms(now), why, sid)
	return err
}

// CountActiveByHost counts the active subscriptions whose callback is on host.
func (s *SQLite) CountActiveByHost(ctx context.Context, host string, now time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM hub_subscriptions
		WHERE callback_host = ? AND state = 'active' AND expires_at > ?`, host, ms(now)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count subscriptions: %w", err)
	}
	return n, nil
}

// Subscription returns the subscription of callback to topic.
func (s *SQLite) Subscription(ctx context.Context, topic, callback string) (Subscription, error) {
	return subscriptionFrom(s.db.QueryRowContext(ctx, `SELECT s.id, t.url, s.callback, s.callback_host, length(s.secret),
		s.lease_seconds, s.expires_at, s.state, s.protocol, s.created_at, s.updated_at
		FROM hub_subscriptions s JOIN hub_topics t ON t.id = s.topic_id
		WHERE t.url = ? AND s.callback = ?`, topic, callback), topic, callback)
}

// Verifications returns the newest verifications of callback to topic,
// without their secrets.
func (s *SQLite) Verifications(ctx context.Context, topic, callback string, n int) ([]Verification, error) {
	out, err := selectAll(ctx, s.db, scanVerificationOf(topic, callback), `SELECT id, mode, lease_seconds, state, result, attempts, created_at, finished_at
		FROM hub_verifications WHERE topic = ? AND callback = ? ORDER BY id DESC LIMIT ?`, topic, callback, n)
	if err != nil {
		return nil, fmt.Errorf("store: verifications: %w", err)
	}
	return out, nil
}

// RecentDeliveries returns the newest deliveries of a subscription, one per
// content version of its topic, newest first.
func (s *SQLite) RecentDeliveries(ctx context.Context, subscriptionID int64, n int) ([]DeliveryRecord, error) {
	out, err := selectAll(ctx, s.db, scanDeliveryRecord, `SELECT d.id, d.content_id, d.state, d.attempts, d.last_status, d.last_error,
		d.created_at, d.next_at, d.finished_at FROM hub_contents c
		JOIN hub_deliveries d ON d.content_id = c.id AND d.subscription_id = ?1
		WHERE c.topic_id = (SELECT topic_id FROM hub_subscriptions WHERE id = ?1) ORDER BY c.id DESC LIMIT ?2`,
		subscriptionID, n)
	if err != nil {
		return nil, fmt.Errorf("store: deliveries: %w", err)
	}
	return out, nil
}
