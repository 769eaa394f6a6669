package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

func TestIPLimiterPerAddressAndBounded(t *testing.T) {
	l := New(0.001, 2)
	for i := 0; i < 2; i++ {
		if !l.Allow("192.0.2.1:1000") {
			t.Fatalf("request %d within the burst refused", i+1)
		}
	}
	if l.Allow("192.0.2.1:1001") {
		t.Fatal("a request over the burst was allowed (the port must not matter)")
	}
	if !l.Allow("192.0.2.2:1000") {
		t.Fatal("another address was limited too")
	}
	// A flood from many addresses, none idle: memory stays bounded.
	for i := 0; i < 3*maxTrackedIPs; i++ {
		l.Allow(fmt.Sprintf("[2001:db8::%x]:443", i))
	}
	if n := len(l.ips); n > maxTrackedIPs {
		t.Fatalf("limiter tracks %d addresses, more than its bound %d", n, maxTrackedIPs)
	}
}

func TestCheckSaysHowLongToWait(t *testing.T) {
	l := New(2, 1) // one request, then one every 500 ms
	if ok, _ := l.Check("192.0.2.1:1"); !ok {
		t.Fatal("the first request was refused")
	}
	ok, wait := l.Check("192.0.2.1:1")
	if ok || wait <= 0 || wait > 500*time.Millisecond {
		t.Fatalf("over the limit: ok %v, wait %v; want refused with a wait in (0, 500ms]", ok, wait)
	}
	for wait, want := range map[time.Duration]string{0: "1", 20 * time.Millisecond: "1", time.Second: "1",
		1001 * time.Millisecond: "2", 90 * time.Second: "90"} {
		if got := RetryAfter(wait); got != want {
			t.Errorf("RetryAfter(%v) = %q, want %q", wait, got, want)
		}
	}
}
