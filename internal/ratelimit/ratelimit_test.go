package ratelimit

import (
	"fmt"
	"testing"
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
