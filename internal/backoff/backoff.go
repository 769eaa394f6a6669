// Package backoff is the one retry schedule of Rookery: exponential growth
// from a base, a cap, and a jitter that spreads out retries which failed
// together. The hub's deliveries, the reader's polling and its subscription
// requests all wait by it.
package backoff

import (
	"math/rand/v2"
	"time"
)

// Policy is an exponential backoff: the wait before retry n (counted from 0)
// is Base·2ⁿ, at most Max, then spread by ±Jitter (a fraction: 0.2 is ±20%).
type Policy struct {
	Base   time.Duration
	Max    time.Duration
	Jitter float64
}

// Delay is the wait before retry n. It is never negative and, before jitter,
// never more than Max.
func (p Policy) Delay(n int) time.Duration {
	d := p.Base
	for i := 0; i < n && d < p.Max; i++ {
		d *= 2
	}
	d = min(d, p.Max)
	if p.Jitter <= 0 || d <= 0 {
		return max(d, 0)
	}
	spread := (rand.Float64()*2 - 1) * p.Jitter
	return max(d+time.Duration(spread*float64(d)), 0)
}
