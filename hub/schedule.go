package hub

import (
	"context"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/rookery-social/rookery/internal/schedule"
)

// every is a cron.Schedule firing at a fixed interval; unlike cron's
// "@every" it keeps sub-second intervals (which tests use).
type every time.Duration

// Next implements cron.Schedule.
func (e every) Next(t time.Time) time.Time { return t.Add(time.Duration(e)) }

// sweepInterval is how often expired subscriptions and old rows are swept.
const sweepInterval = time.Minute

// schedule sets up the topic poll and the sweep.
func (h *Hub) schedule() *cron.Cron {
	c := cron.New()
	if poll := h.pollSchedule(); poll != nil {
		c.Schedule(poll, cron.FuncJob(h.poll))
	}
	c.Schedule(every(min(sweepInterval, h.cfg.LeaseMin)), cron.FuncJob(h.sweep))
	if h.track != nil {
		c.Schedule(every(sweepInterval), cron.FuncJob(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			h.track.sweep(ctx)
		}))
	}
	return c
}

// pollSchedule is --poll-schedule when set, else every --poll-interval, or
// nil for no polling. The configuration was checked when the hub started.
func (h *Hub) pollSchedule() cron.Schedule {
	if h.cfg.PollSchedule != "" {
		s, _ := schedule.Parse("--poll-schedule", h.cfg.PollSchedule)
		return s
	}
	if h.cfg.PollInterval > 0 {
		return every(h.cfg.PollInterval)
	}
	return nil
}

// poll queues a fetch of every subscribed topic, so a topic whose publisher
// never pings is still delivered.
func (h *Hub) poll() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := h.store.RequestPolls(ctx, h.now())
	h.errs.polls.report(err)
	if err != nil {
		return
	}
	if n > 0 {
		h.log.Debug("hub: polling topics", "count", n)
		wake(h.fetchWake)
	}
}

func (h *Hub) sweep() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h.errs.sweep.report(h.store.Sweep(ctx, h.now(), h.cfg.Keep))
}
