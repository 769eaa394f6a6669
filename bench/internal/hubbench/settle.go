package hubbench

import (
	"syscall"
	"time"
)

// settle waits until this process has been nearly idle for a short window
// (under a tenth of a core), or at most a second, so that a round starts
// on a quiet process: work the hub does after its last delivery
// (recording results, matching tracked topics) is not charged to the
// next round, whichever of the two it is.
func settle() {
	const window, maxWait = 5 * time.Millisecond, time.Second
	deadline := time.Now().Add(maxWait)
	last := cpuTime()
	for time.Now().Before(deadline) {
		time.Sleep(window)
		now := cpuTime()
		if now-last < window/10 {
			return
		}
		last = now
	}
}

// cpuTime is the CPU time this process has used (user + system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
