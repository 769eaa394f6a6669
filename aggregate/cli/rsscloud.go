package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/aggregate/rsscloud"
	"github.com/rookery-social/rookery/aggregate/subscriber"
)

// withCloud marks the feeds followed through rssCloud (a <cloud> and no
// hub, as reader serve found): push_via "rsscloud", and their push state
// from the registration.
func withCloud(ctx context.Context, r *aggregate.Reader, list []followed, now time.Time) ([]followed, error) {
	clouds, err := rsscloud.Clouds(ctx, r.DB())
	if err != nil {
		return nil, err
	}
	for i, f := range list {
		reg, ok := clouds[f.URL]
		if !ok || f.PushVia != "none" {
			continue
		}
		list[i].PushVia = "rsscloud"
		list[i].PushStatus = cloudStatus(reg, now)
	}
	return list, nil
}

func cloudStatus(reg rsscloud.Registration, now time.Time) subscriber.PushStatus {
	switch {
	case reg.State == rsscloud.StateActive && reg.Expires.After(now):
		return subscriber.PushStatus{Push: subscriber.PushSubscribed,
			Detail: fmt.Sprintf("rssCloud: registered at %s until %s", reg.Cloud, reg.Expires.Local().Format("2006-01-02 15:04"))}
	case reg.State == rsscloud.StateFailed:
		return subscriber.PushStatus{Push: subscriber.PushRefused,
			Detail: fmt.Sprintf("rssCloud: %s refused: %s; asked again later", reg.Cloud, reg.LastError)}
	default:
		return subscriber.PushStatus{Push: subscriber.PushPending,
			Detail: fmt.Sprintf("rssCloud: `reader serve` registers at %s", reg.Cloud)}
	}
}
