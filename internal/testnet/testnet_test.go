package testnet

import (
	"net"
	"strconv"
	"strings"
	"testing"
)

func TestPortsAreBelowTheEphemeralRangeAndFree(t *testing.T) {
	low := ephemeralLow()
	for range 20 {
		p := Ports(t, 1, 2, 70, 80)
		if p < 1024 || p+80 >= low {
			t.Fatalf("port %d is not below the ephemeral range (from %d)", p, low)
		}
		for _, off := range []int{0, 1, 2, 70, 80} {
			ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+off))
			if err != nil {
				t.Fatalf("port %d was given as free: %v", p+off, err)
			}
			ln.Close()
		}
	}
	addr := Addr(t)
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Errorf("Addr() = %q, want a 127.0.0.1 address", addr)
	}
}

// TestBusyPortIsNotBindable holds a port and checks that neither it nor
// a base whose offsets reach it counts as free.
func TestBusyPortIsNotBindable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(Ports(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	held := ln.Addr().(*net.TCPAddr).Port
	if bindable(held, nil) {
		t.Errorf("port %d counts as free while it is listened on", held)
	}
	if bindable(held-70, []int{1, 2, 70, 80}) {
		t.Errorf("base %d counts as free while its port +70 (%d) is listened on", held-70, held)
	}
}
