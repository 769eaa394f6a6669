package subscriber

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/rookery-social/rookery/internal/sqlitedb"
)

// Push states of a followed feed, as `reader following` shows them.
const (
	PushSubscribed = "subscribed" // a verified lease: deliveries arrive
	PushPending    = "pending"    // asked, or about to ask: waiting for the hub
	PushRefused    = "refused"    // the hub refused or could not be reached; asked again later
	PushNone       = "none"       // no subscription: the feed is polled
)

// PushStatus is how a followed feed arrives by push, and why.
type PushStatus struct {
	Push   string `json:"push"`        // one of the Push* states
	Detail string `json:"push_detail"` // why, for a person
}

// PushStatuses reads the push status of every followed feed that has a
// subscription, by feed URL, from the subscriber's tables in db: it
// needs no running daemon. A database where `reader serve` never ran
// has none. now decides whether a lease has ended.
func PushStatuses(ctx context.Context, db *sql.DB, now time.Time) (map[string]PushStatus, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'subscriber_subscriptions'`).Scan(&n)
	if err != nil || n == 0 {
		return map[string]PushStatus{}, wrapStatus(err)
	}
	rows, err := db.QueryContext(ctx, `SELECT feed_url, hub, state, expires_at, next_at, last_error
		FROM subscriber_subscriptions WHERE kind = ? ORDER BY feed_url, id`, KindFeed)
	if err != nil {
		return nil, wrapStatus(err)
	}
	defer rows.Close()
	out := map[string]PushStatus{}
	for rows.Next() {
		var sub Subscription
		var expires, next int64
		if err := rows.Scan(&sub.FeedURL, &sub.Hub, &sub.State, &expires, &next, &sub.LastError); err != nil {
			return nil, wrapStatus(err)
		}
		sub.Expires, sub.NextAction = sqlitedb.FromUnix(expires), sqlitedb.FromUnix(next)
		st := pushStatus(sub, now)
		if old, ok := out[sub.FeedURL]; !ok || pushRank(st.Push) > pushRank(old.Push) {
			out[sub.FeedURL] = st
		}
	}
	return out, wrapStatus(rows.Err())
}

func wrapStatus(err error) error {
	if err != nil {
		return fmt.Errorf("subscriber: read the push status of followed feeds: %w", err)
	}
	return nil
}

// pushRank orders the states of several subscriptions of one feed: the
// best one tells.
func pushRank(push string) int {
	return map[string]int{PushNone: 0, PushRefused: 1, PushPending: 2, PushSubscribed: 3}[push]
}

// pushStatus says what sub means for its feed.
func pushStatus(sub Subscription, now time.Time) PushStatus {
	reason := strings.TrimPrefix(sub.LastError, "subscriber: ")
	next := stamp(sub.NextAction)
	switch sub.State {
	case StateActive:
		if !sub.Expires.IsZero() && !sub.Expires.After(now) {
			return PushStatus{PushPending, fmt.Sprintf("waiting for hub %s: the lease ended at %s; renewing", sub.Hub, stamp(sub.Expires))}
		}
		d := fmt.Sprintf("subscribed until %s at hub %s (renewal from %s)", stamp(sub.Expires), sub.Hub, next)
		if reason != "" {
			d += "; last renewal request: " + reason
		}
		return PushStatus{PushSubscribed, d}
	case StatePending:
		switch {
		case sub.NextAction.IsZero():
			return PushStatus{PushPending, fmt.Sprintf("waiting for hub %s: request being sent", sub.Hub)}
		case reason != "":
			reason = "it " + strings.TrimPrefix(reason, "hub "+sub.Hub+" ")
			return PushStatus{PushPending, fmt.Sprintf("waiting for hub %s: %s; next request at %s", sub.Hub, reason, next)}
		}
		return PushStatus{PushPending, fmt.Sprintf("waiting for hub %s to verify the subscription (asking again at %s if it does not)", sub.Hub, next)}
	case StateFailed, StateDenied:
		return PushStatus{PushRefused, fmt.Sprintf("refused: %s; asking again at %s", reason, next)}
	}
	return PushStatus{PushNone, fmt.Sprintf("unsubscribing from hub %s", sub.Hub)}
}

// stamp writes a time for the details: UTC, to the minute.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
