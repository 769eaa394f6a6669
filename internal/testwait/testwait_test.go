package testwait

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

func TestUntilSeesAChangeFromAnotherGoroutine(t *testing.T) {
	var done atomic.Bool
	go func() {
		time.Sleep(30 * time.Millisecond)
		done.Store(true)
	}()
	Until(t, 5*time.Second, "the flag", done.Load)
	if !done.Load() {
		t.Fatal("Until returned before the condition held")
	}
}

// recorder is a testing.TB that records a failure instead of stopping.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestUntilWhyFailsWithTheLastReason(t *testing.T) {
	r := &recorder{TB: t}
	polls := 0
	start := time.Now()
	UntilWhy(r, 50*time.Millisecond, "never", func() (bool, string) { polls++; return false, "still no" })
	if want := "timed out after 50ms waiting for never; last: still no"; r.failed != want {
		t.Fatalf("failure %q, want %q", r.failed, want)
	}
	if elapsed := time.Since(start); elapsed < 50*time.Millisecond || elapsed > 2*time.Second {
		t.Errorf("gave up after %s, want about 50ms", elapsed)
	}
	if polls < 3 {
		t.Errorf("polled %d times in 50ms", polls)
	}
}
