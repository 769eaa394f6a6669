package subscriber

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rookery-social/rookery/internal/sqlitedb"
)

const subColumns = `id, feed_url, topic, hub, secret, state, lease_seconds, expires_at,
	next_at, attempts, last_delivery_at, last_error, kind`

func (s *Subscriber) scan(row interface{ Scan(...any) error }) (Subscription, error) {
	var sub Subscription
	var expires, next, delivered int64
	err := row.Scan(&sub.ID, &sub.FeedURL, &sub.Topic, &sub.Hub, &sub.secret, &sub.State,
		&sub.LeaseSeconds, &expires, &next, &sub.attempts, &delivered, &sub.LastError, &sub.Kind)
	if err != nil {
		return sub, err
	}
	sub.Expires, sub.NextAction, sub.LastDelivery = sqlitedb.FromUnix(expires), sqlitedb.FromUnix(next), sqlitedb.FromUnix(delivered)
	sub.Callback = s.callback(sub.ID)
	return sub, nil
}

// errNoSubscription means the callback id is not one of ours.
var errNoSubscription = errors.New("subscriber: no such subscription")

func (s *Subscriber) get(ctx context.Context, id string) (Subscription, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+subColumns+` FROM subscriber_subscriptions WHERE id = ?`, id)
	sub, err := s.scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		return sub, errNoSubscription
	}
	if err != nil {
		return sub, fmt.Errorf("subscriber: load subscription: %w", err)
	}
	return sub, nil
}

// List returns every subscription, ordered by feed URL.
func (s *Subscriber) List(ctx context.Context) ([]Subscription, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+subColumns+` FROM subscriber_subscriptions ORDER BY feed_url, id`)
	if err != nil {
		return nil, fmt.Errorf("subscriber: list: %w", err)
	}
	defer rows.Close()
	var out []Subscription
	for rows.Next() {
		sub, err := s.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("subscriber: list: %w", err)
		}
		out = append(out, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("subscriber: list: %w", err)
	}
	return out, nil
}

func (s *Subscriber) insert(ctx context.Context, sub Subscription) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO subscriber_subscriptions
		(id, feed_url, topic, hub, secret, state, lease_seconds, next_at, created_at, kind)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sub.ID, sub.FeedURL, sub.Topic, sub.Hub, sub.secret, sub.State,
		int64(s.cfg.Lease/time.Second), sqlitedb.ToUnix(sub.NextAction), s.now().Unix(), cmp.Or(sub.Kind, KindFeed))
	if err != nil {
		return fmt.Errorf("subscriber: save subscription for %s: %w", sub.FeedURL, err)
	}
	return nil
}

// save writes back the mutable fields of sub.
func (s *Subscriber) save(ctx context.Context, sub Subscription) error {
	_, err := s.db.ExecContext(ctx, `UPDATE subscriber_subscriptions SET hub = ?, state = ?,
		lease_seconds = ?, expires_at = ?, next_at = ?, attempts = ?, last_delivery_at = ?, last_error = ?
		WHERE id = ?`,
		sub.Hub, sub.State, sub.LeaseSeconds, sqlitedb.ToUnix(sub.Expires), sqlitedb.ToUnix(sub.NextAction), sub.attempts,
		sqlitedb.ToUnix(sub.LastDelivery), sub.LastError, sub.ID)
	if err != nil {
		return fmt.Errorf("subscriber: update subscription %s: %w", sub.FeedURL, err)
	}
	return nil
}

func (s *Subscriber) remove(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM subscriber_subscriptions WHERE id = ?`, id); err != nil {
		return fmt.Errorf("subscriber: delete subscription: %w", err)
	}
	return nil
}

// discovered returns the hubs found by our own discovery fetch of feedURL,
// and whether that result is recent enough to reuse.
func (s *Subscriber) discovered(ctx context.Context, feedURL string) (hubs []string, self string, fresh bool, err error) {
	var list string
	var checked int64
	err = s.db.QueryRowContext(ctx, `SELECT hubs, self, checked_at FROM subscriber_discovery WHERE feed_url = ?`,
		feedURL).Scan(&list, &self, &checked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", false, nil
	}
	if err != nil {
		return nil, "", false, fmt.Errorf("subscriber: load discovery: %w", err)
	}
	fresh = s.now().Sub(time.Unix(checked, 0)) < rediscoverEvery
	return strings.Fields(list), self, fresh, nil
}

func (s *Subscriber) saveDiscovered(ctx context.Context, feedURL string, hubs []string, self string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO subscriber_discovery(feed_url, hubs, self, checked_at)
		VALUES (?, ?, ?, ?) ON CONFLICT(feed_url) DO UPDATE SET hubs = excluded.hubs,
		self = excluded.self, checked_at = excluded.checked_at`,
		feedURL, strings.Join(hubs, "\n"), self, s.now().Unix())
	if err != nil {
		return fmt.Errorf("subscriber: save discovery: %w", err)
	}
	return nil
}

// expect records that a mode (subscribe or unsubscribe) request for the
// subscription id is being sent: the hub's verification of it is
// accepted until verifyWait has passed.
func (s *Subscriber) expect(ctx context.Context, id, mode string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE subscriber_subscriptions SET pending_mode = ?, pending_until = ?
		WHERE id = ?`, mode, s.now().Add(verifyWait).Unix(), id)
	if err != nil {
		return fmt.Errorf("subscriber: record the %s request of subscription %s: %w", mode, id, err)
	}
	return nil
}

// settle consumes the pending mode request of subscription id: it reports
// whether one was waiting and had not expired. A verification is accepted
// only when it does, so each request is verified at most once.
func (s *Subscriber) settle(ctx context.Context, id, mode string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE subscriber_subscriptions SET pending_mode = '', pending_until = 0
		WHERE id = ? AND pending_mode = ? AND pending_until > ?`, id, mode, s.now().Unix())
	if err != nil {
		return false, fmt.Errorf("subscriber: settle the %s request of subscription %s: %w", mode, id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
