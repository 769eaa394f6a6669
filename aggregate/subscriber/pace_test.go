package subscriber_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/aggregate/store"
	"github.com/rookery-social/rookery/aggregate/subscriber"
	"github.com/rookery-social/rookery/internal/testwait"
)

// followMany follows n feeds that all name e's hub (the store knows the
// hub, as after `reader fetch`).
func (e *env) followMany(n int) {
	for i := range n {
		u := fmt.Sprintf("%s?n=%d", e.topic, i)
		e.store.Follow(store.Feed{URL: u, Hubs: []string{e.hub.URL}, Self: u})
	}
}

// TestRequestsPacedByRetryAfter: a hub that takes 10 requests, then
// answers 429 with Retry-After (seconds, or an HTTP date) for a while.
// One Sync subscribes to all 30 feeds, never more than PerHubInFlight
// requests at once, and sends nothing in a closed window beyond what
// was already in flight when the first 429 came back.
func TestRequestsPacedByRetryAfter(t *testing.T) {
	for name, date := range map[string]bool{"seconds": false, "date": true} {
		t.Run(name, func(t *testing.T) {
			e := setup(t, 3600)
			e.hub.Busy(10, http.StatusTooManyRequests, time.Second, date, 20*time.Millisecond)
			e.followMany(30)
			e.sync(t)
			testwait.Until(t, 20*time.Second, "30 verified subscriptions", func() bool { return len(e.hub.Verified()) == 30 })
			if n := e.hub.MaxInFlight(); n > subscriber.PerHubInFlight || n < 2 {
				t.Errorf("%d requests in flight at once, want 2 to %d", n, subscriber.PerHubInFlight)
			}
			windows := e.hub.Windows()
			if len(windows) < 2 {
				t.Fatalf("the hub closed %d times, want at least 2 (30 requests, 10 at a time)", len(windows))
			}
			for i, w := range windows {
				if w.Refused > subscriber.PerHubInFlight {
					t.Errorf("window %d: %d requests refused, want at most %d (those already in flight)", i, w.Refused, subscriber.PerHubInFlight)
				}
			}
			subs, err := e.sub.List(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range subs {
				if s.State != subscriber.StateActive || s.LastError != "" {
					t.Errorf("%s: state %s error %q, want active: a 429 is a wait", s.FeedURL, s.State, s.LastError)
				}
			}
		})
	}
}

// TestLongRetryAfterIsWaitedNotFailed: a hub that asks to wait an hour
// gets nothing before the hour is over, and the subscription is pending
// with its next request exactly then, no backoff; a 503 with
// Retry-After is a failure retried exactly when the hub said.
func TestLongRetryAfterIsWaitedNotFailed(t *testing.T) {
	e := setup(t, 3600)
	e.hub.Busy(0, http.StatusTooManyRequests, time.Hour, false, 0)
	e.store.Follow(store.Feed{URL: e.topic, Hubs: []string{e.hub.URL}, Self: e.topic})
	start := e.clock.Now()
	e.sync(t)
	sub := e.only(t)
	if sub.State != subscriber.StatePending || !sub.NextAction.Equal(start.Add(time.Hour)) || !strings.Contains(sub.LastError, "429") {
		t.Fatalf("after a 429 with Retry-After: 3600: %+v; want pending, next action %v, the 429 as reason", sub, start.Add(time.Hour))
	}
	e.clock.Add(time.Hour) // due by our clock, but the hub's hour has not passed
	e.sync(t)
	if n := len(e.hub.Requests()) + e.hub.Windows()[0].Refused; n != 1 {
		t.Fatalf("the hub got %d requests within its hour, want 1", n)
	}
	if got := e.only(t); got.State != subscriber.StatePending || got.NextAction.Before(e.clock.Now().Add(59*time.Minute)) {
		t.Fatalf("held back: %+v; want pending until the hub's hour is over", got)
	}

	e2 := setup(t, 3600)
	e2.hub.Busy(0, http.StatusServiceUnavailable, 7*time.Minute, false, 0)
	e2.store.Follow(store.Feed{URL: e2.topic, Hubs: []string{e2.hub.URL}, Self: e2.topic})
	e2.sync(t)
	if got := e2.only(t); got.State != subscriber.StateFailed || !got.NextAction.Equal(e2.clock.Now().Add(7*time.Minute)) {
		t.Fatalf("after a 503 with Retry-After: 420: %+v; want failed, next action in exactly 7 minutes", got)
	}
}

// TestRenewalsSpreadOut: subscriptions verified together are not renewed
// together: each renewal falls between 75% and 85% of its lease.
func TestRenewalsSpreadOut(t *testing.T) {
	e := setup(t, 1000)
	e.followMany(40)
	e.sync(t)
	testwait.Until(t, 20*time.Second, "40 verified subscriptions", func() bool { return len(e.hub.Verified()) == 40 })
	subs, err := e.sub.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	first, last := now.Add(time.Hour), now
	for _, s := range subs {
		if s.NextAction.Before(now.Add(750*time.Second)) || s.NextAction.After(now.Add(850*time.Second)) {
			t.Errorf("%s renews at %v, want 750 s to 850 s after %v", s.FeedURL, s.NextAction, now)
		}
		if s.NextAction.Before(first) {
			first = s.NextAction
		}
		if s.NextAction.After(last) {
			last = s.NextAction
		}
	}
	if last.Sub(first) < 30*time.Second {
		t.Errorf("40 renewals within %v of each other, want them spread over the window", last.Sub(first))
	}
}
