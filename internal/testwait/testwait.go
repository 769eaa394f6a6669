// Package testwait lets a test wait for a positive signal (a row, a
// metric, a page, a request a fake server saw) instead of sleeping. It is
// used only from tests.
package testwait

import (
	"testing"
	"time"
)

// first and most are the shortest and longest pause between two polls.
const (
	first = 5 * time.Millisecond
	most  = 100 * time.Millisecond
)

// Until polls cond until it holds, and fails the test once timeout has
// passed without it holding; what names the awaited state in the message.
// It must be called from the test's goroutine.
func Until(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	UntilWhy(t, timeout, what, func() (bool, string) { return cond(), "" })
}

// UntilWhy is Until for a condition that also says why it does not hold
// yet; the last reason is part of the failure message.
func UntilWhy(t testing.TB, timeout time.Duration, what string, cond func() (ok bool, why string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	pause := first
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			if why != "" {
				why = "; last: " + why
			}
			t.Fatalf("timed out after %s waiting for %s%s", timeout, what, why)
			return
		}
		time.Sleep(pause)
		pause = min(2*pause, most)
	}
}
