package backoff

import (
	"testing"
	"time"
)

func TestDelayDoublesUpToTheCap(t *testing.T) {
	p := Policy{Base: time.Second, Max: 10 * time.Second}
	want := []time.Duration{1, 2, 4, 8, 10, 10, 10}
	for n, w := range want {
		if got := p.Delay(n); got != w*time.Second {
			t.Errorf("Delay(%d) = %v, want %v", n, got, w*time.Second)
		}
	}
	if got := p.Delay(1000); got != p.Max {
		t.Errorf("Delay(1000) = %v, want the cap %v (no overflow)", got, p.Max)
	}
}

func TestJitterStaysWithinItsBand(t *testing.T) {
	p := Policy{Base: time.Minute, Max: time.Hour, Jitter: 0.5}
	seen := map[time.Duration]bool{}
	for range 1000 {
		d := p.Delay(2) // 4 minutes before jitter
		if d < 2*time.Minute || d > 6*time.Minute {
			t.Fatalf("Delay(2) = %v, outside 4m ± 50%%", d)
		}
		seen[d] = true
	}
	if len(seen) < 100 {
		t.Errorf("only %d distinct delays in 1000: jitter does not spread retries", len(seen))
	}
}
