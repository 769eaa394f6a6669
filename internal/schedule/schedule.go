// Package schedule reads the schedules a user may give Rookery's periodic
// work (the reader daemon's polling, the hub's polling of topics): a Go
// duration such as "15m", or a cron expression such as "*/15 * * * *",
// "@hourly" or "@every 15m", as github.com/robfig/cron/v3 reads them.
package schedule

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// Parse reads spec, a positive duration or a standard cron expression; what
// names the setting in the error (e.g. "poll schedule").
func Parse(what, spec string) (cron.Schedule, error) {
	if d, err := time.ParseDuration(spec); err == nil {
		if d <= 0 {
			return nil, fmt.Errorf("%s %q: a duration must be positive", what, spec)
		}
		return cron.Every(d), nil
	}
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("%s %q is neither a duration (15m) nor a cron expression (\"*/15 * * * *\", \"@hourly\", \"@every 15m\"): %w", what, spec, err)
	}
	return sched, nil
}
