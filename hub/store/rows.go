package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// This file holds what both backends do with rows alike: column values,
// and scanning the rows of the same SELECT lists (each backend keeps its
// SQL) into the store's structs.

// ms is a time as stored: Unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS is a stored time; 0 is the zero time.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// nonNil is b, or an empty slice for a NOT NULL blob column.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// scanner is a row of either backend: *sql.Row, *sql.Rows, pgx.Row or
// pgx.CollectableRow.
type scanner interface {
	Scan(dest ...any) error
}

// noRows reports whether err says that a query found no row, on either
// backend.
func noRows(err error) bool {
	return errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows)
}

// collect scans every row of an SQLite result with scan and closes it.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// sqlQuerier is an SQLite database or transaction.
type sqlQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// selectAll runs an SQLite query and scans its rows with scan.
func selectAll[T any](ctx context.Context, q sqlQuerier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scan)
}

// pgQuerier is a PostgreSQL pool or transaction.
type pgQuerier interface {
	Query(ctx context.Context, query string, args ...any) (pgx.Rows, error)
}

// pgSelectAll runs a PostgreSQL query and scans its rows with scan.
func pgSelectAll[T any](ctx context.Context, q pgQuerier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
}

// scanClaimedVerification reads id, mode, topic, callback, secret,
// lease_seconds, attempts, created_at of a verification being claimed.
func scanClaimedVerification(r scanner) (Verification, error) {
	var v Verification
	var created int64
	err := r.Scan(&v.ID, &v.Mode, &v.Topic, &v.Callback, &v.Secret, &v.LeaseSeconds, &v.Attempts, &created)
	v.CreatedAt, v.State = fromMS(created), VerifyPending
	return v, err
}

// scanVerificationOf reads id, mode, lease_seconds, state, result,
// attempts, created_at, finished_at of a verification of callback to topic.
func scanVerificationOf(topic, callback string) func(scanner) (Verification, error) {
	return func(r scanner) (Verification, error) {
		v := Verification{Topic: topic, Callback: callback}
		var created, finished int64
		err := r.Scan(&v.ID, &v.Mode, &v.LeaseSeconds, &v.State, &v.Result, &v.Attempts, &created, &finished)
		v.CreatedAt, v.FinishedAt = fromMS(created), fromMS(finished)
		return v, err
	}
}

// scanDeliveryRecord reads id, content_id, state, attempts, last_status,
// last_error, created_at, next_at, finished_at of a delivery.
func scanDeliveryRecord(r scanner) (DeliveryRecord, error) {
	var d DeliveryRecord
	var created, next, finished int64
	err := r.Scan(&d.ID, &d.ContentID, &d.State, &d.Attempts, &d.LastStatus, &d.LastError, &created, &next, &finished)
	d.CreatedAt, d.NextAt, d.FinishedAt = fromMS(created), fromMS(next), fromMS(finished)
	return d, err
}

// scanClaimedDelivery reads a claimed delivery (id, subscription_id,
// content_id, attempts, created_at) with its topic's url and its
// subscription's callback, secret, expires_at, whether it is active and
// protocol.
func scanClaimedDelivery(r scanner) (Delivery, error) {
	var d Delivery
	var created, expires int64
	err := r.Scan(&d.ID, &d.SubscriptionID, &d.ContentID, &d.Attempts, &created,
		&d.Topic, &d.Callback, &d.Secret, &expires, &d.Active, &d.Protocol)
	d.CreatedAt, d.ExpiresAt = fromMS(created), fromMS(expires)
	return d, err
}

// scanFetchJob reads topic_id, url, gen, attempts, etag, last_modified,
// content_hash of a fetch job and its topic.
func scanFetchJob(r scanner) (FetchJob, error) {
	var j FetchJob
	err := r.Scan(&j.TopicID, &j.Topic, &j.Gen, &j.Attempts, &j.ETag, &j.LastModified, &j.ContentHash)
	return j, err
}

// scanString reads a row of one text column.
func scanString(r scanner) (string, error) {
	var s string
	err := r.Scan(&s)
	return s, err
}

// scanTrackEntry reads origin, entry_id, sort_at, data of a kept entry.
func scanTrackEntry(r scanner) (TrackEntry, error) {
	var e TrackEntry
	var at int64
	err := r.Scan(&e.Origin, &e.EntryID, &at, &e.Data)
	e.SortAt = fromMS(at)
	return e, err
}

// subscriptionFrom reads the subscription of callback to topic from row:
// id, url, callback, callback_host, length(secret), lease_seconds,
// expires_at, state, protocol, created_at, updated_at.
func subscriptionFrom(row scanner, topic, callback string) (Subscription, error) {
	var sub Subscription
	var expires, created, updated int64
	var secretLen int
	err := row.Scan(&sub.ID, &sub.Topic, &sub.Callback, &sub.CallbackHost, &secretLen,
		&sub.LeaseSeconds, &expires, &sub.State, &sub.Protocol, &created, &updated)
	if noRows(err) {
		return sub, fmt.Errorf("store: subscription of %s to %s: %w", callback, topic, ErrNotFound)
	}
	if err != nil {
		return sub, fmt.Errorf("store: subscription: %w", err)
	}
	sub.HasSecret = secretLen > 0
	sub.ExpiresAt, sub.CreatedAt, sub.UpdatedAt = fromMS(expires), fromMS(created), fromMS(updated)
	return sub, nil
}

// countsQuery is the query of the hub's headline figures (as countsFrom
// reads them), active being the backend's condition of an active
// subscription s at the time of the query's one parameter.
func countsQuery(active string) string {
	return `SELECT
		(SELECT count(*) FROM hub_subscriptions s WHERE ` + active + `),
		(SELECT count(*) FROM hub_subscriptions s WHERE ` + active + ` AND s.protocol = 'rsscloud'),
		(SELECT count(DISTINCT s.topic_id) FROM hub_subscriptions s WHERE ` + active + `),
		(SELECT count(*) FROM hub_verifications WHERE state = 'pending'),
		(SELECT count(*) FROM hub_deliveries WHERE state = 0),
		(SELECT count(*) FROM hub_deliveries WHERE state = 1),
		(SELECT count(*) FROM hub_deliveries WHERE state = 2)`
}

// countsFrom reads the hub's headline figures from row: active
// subscriptions, of which rssCloud, topics, pending verifications,
// pending, delivered and failed deliveries.
func countsFrom(row scanner) (Counts, error) {
	var c Counts
	err := row.Scan(&c.ActiveSubscriptions, &c.RSSCloudActive, &c.Topics, &c.PendingVerifications, &c.PendingDeliveries,
		&c.DeliveredTotal, &c.FailedTotal)
	if err != nil {
		return c, fmt.Errorf("store: counts: %w", err)
	}
	return c, nil
}

// contentFrom reads content version id from row: its topic's url,
// content_type, body, hash, fetched_at.
func contentFrom(row scanner, id int64) (Content, error) {
	c := Content{ID: id}
	var fetched int64
	err := row.Scan(&c.Topic, &c.ContentType, &c.Body, &c.Hash, &fetched)
	if noRows(err) {
		return c, fmt.Errorf("store: content %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("store: content %d: %w", id, err)
	}
	c.FetchedAt = fromMS(fetched)
	return c, nil
}
