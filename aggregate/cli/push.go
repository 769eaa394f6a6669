package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/aggregate/subscriber"
)

// followed is one line of `reader following`: the feed and how it arrives
// by push (`push`, `push_detail` in JSON).
type followed struct {
	aggregate.FeedInfo
	subscriber.PushStatus
}

// withPush adds to feeds their push status, read from the subscriptions
// `reader serve` keeps in the same database; now decides whether a
// lease has ended.
func withPush(ctx context.Context, r *aggregate.Reader, feeds []aggregate.FeedInfo, now time.Time) ([]followed, error) {
	push, err := subscriber.PushStatuses(ctx, r.DB(), now)
	if err != nil {
		return nil, err
	}
	out := make([]followed, 0, len(feeds))
	for _, f := range feeds {
		st, ok := push[f.URL]
		if !ok {
			st = noPush(f)
		}
		out = append(out, followed{f, st})
	}
	return out, nil
}

// noPush says why a feed has no subscription.
func noPush(f aggregate.FeedInfo) subscriber.PushStatus {
	d := "the feed names no hub: polled"
	switch {
	case f.Gone:
		d = "the feed is gone: neither polled nor subscribed"
	case len(f.Hubs) > 0:
		d = fmt.Sprintf("not subscribed yet: `reader serve` subscribes at hub %s", strings.Join(f.Hubs, " "))
	}
	return subscriber.PushStatus{Push: subscriber.PushNone, Detail: d}
}
