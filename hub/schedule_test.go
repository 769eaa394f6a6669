package hub

import (
	"testing"
	"time"
)

// --poll-schedule replaces --poll-interval; without either the hub does not
// poll.
func TestPollSchedule(t *testing.T) {
	at := time.Date(2031, 1, 1, 10, 7, 0, 0, time.UTC)
	for name, tc := range map[string]struct {
		cfg  Config
		want time.Time
	}{
		"interval":         {Config{PollInterval: 15 * time.Minute}, at.Add(15 * time.Minute)},
		"cron":             {Config{PollInterval: 15 * time.Minute, PollSchedule: "0 * * * *"}, time.Date(2031, 1, 1, 11, 0, 0, 0, time.UTC)},
		"duration as text": {Config{PollSchedule: "2h"}, at.Add(2 * time.Hour)},
	} {
		s := (&Hub{cfg: tc.cfg}).pollSchedule()
		if s == nil || !s.Next(at).Equal(tc.want) {
			t.Errorf("%s: next poll after %v: %v, want %v", name, at, s, tc.want)
		}
	}
	if s := (&Hub{cfg: Config{}}).pollSchedule(); s != nil {
		t.Errorf("no interval and no schedule: %v, want no polling", s)
	}
}
