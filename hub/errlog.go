package hub

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// errorEvery is how often a repeating error is logged.
const errorEvery = time.Minute

// repeating logs the errors of a task that runs again and again (a claim
// loop, the committer, the sweeps): the first one at once, then at most
// one line a minute with how many occurred since the last line. It
// remembers whether the last run failed, for /healthz.
type repeating struct {
	log *slog.Logger
	now func() time.Time
	msg string

	mu      sync.Mutex
	failing error     // the last run's error; nil once a run succeeds
	logged  time.Time // when the last line was written
	count   int       // errors since the last line
}

// report records one run of the task: err nil for a success.
func (r *repeating) report(err error, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failing = err
	if err == nil {
		return
	}
	r.count++
	now := r.now()
	if !r.logged.IsZero() && now.Sub(r.logged) < errorEvery {
		return
	}
	r.log.Error(r.msg, append(args, "err", err, "times", r.count, "over", errorEvery)...)
	r.logged, r.count = now, 0
}

// failure is the last run's error, naming the task, or nil.
func (r *repeating) failure() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failing == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", r.msg, r.failing)
}

// taskErrors are the repeating tasks of a hub.
type taskErrors struct {
	claimDeliveries, claimFetches, claimVerifications *repeating
	putBack, results, polls, sweep, trackSweep        *repeating
}

func newTaskErrors(log *slog.Logger, now func() time.Time) *taskErrors {
	r := func(msg string) *repeating { return &repeating{log: log, now: now, msg: msg} }
	return &taskErrors{
		claimDeliveries:    r("hub: claiming deliveries"),
		claimFetches:       r("hub: claiming fetches"),
		claimVerifications: r("hub: claiming verifications"),
		putBack:            r("hub: putting back deferred deliveries"),
		results:            r("hub: recording delivery results"),
		polls:              r("hub: scheduling polls"),
		sweep:              r("hub: sweeping"),
		trackSweep:         r("hub: sweeping tracked entries"),
	}
}

// failures joins the errors of the tasks whose last run failed.
func (e *taskErrors) failures() error {
	var errs []error
	for _, r := range []*repeating{e.claimDeliveries, e.claimFetches, e.claimVerifications, e.putBack,
		e.results, e.polls, e.sweep, e.trackSweep} {
		if err := r.failure(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
