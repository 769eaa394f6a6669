// Package testnet gives tests and benchmarks loopback ports for the
// programs they start as subprocesses.
package testnet

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Addr returns a loopback address ("127.0.0.1:PORT") for a program to
// listen on, with a port that was free just now (see Ports).
func Addr(t testing.TB) string {
	t.Helper()
	return "127.0.0.1:" + strconv.Itoa(Ports(t))
}

// Ports returns a port p such that p and p+off for each offset could be
// bound at 127.0.0.1 just now (see Find); it fails the test if there is
// none.
func Ports(t testing.TB, offsets ...int) int {
	t.Helper()
	p, err := Find(offsets...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Find returns a port p such that p and p+off for each offset could be
// bound at 127.0.0.1 just now. It picks below the kernel's ephemeral port
// range: a port the kernel picked is free again once its listener closes,
// but until the program under test binds it, the kernel may give it to
// another test's connection or listener; below the range it never does.
func Find(offsets ...int) (int, error) {
	low := ephemeralLow()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(os.Getpid())))
	for range 100 {
		base := 1024 + rng.IntN(low-1024-100)
		if bindable(base, offsets) {
			return base, nil
		}
	}
	return 0, fmt.Errorf("testnet: no free loopback ports below %d after 100 tries", low)
}

// ephemeralLow is the lowest port of the kernel's ephemeral range, or
// 65000 when that leaves too little room below it (any free port will do).
func ephemeralLow() int {
	low := 32768 // Linux's default
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				low = n
			}
		}
	}
	if low < 2000 {
		return 65000
	}
	return low
}

// bindable reports whether base and base+off for each offset can be
// listened on at 127.0.0.1.
func bindable(base int, offsets []int) bool {
	for _, off := range append([]int{0}, offsets...) {
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(base+off))
		if err != nil {
			return false
		}
		ln.Close()
	}
	return true
}
