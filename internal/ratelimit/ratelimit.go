// Package ratelimit holds the per-source-address token buckets that guard
// the public endpoints of the hub and of reader serve. It bounds its own
// memory, so a flood from many addresses cannot grow it without end.
package ratelimit

import (
	"math"
	"net"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// PerIP is a token bucket per source IP address, safe for concurrent use.
type PerIP struct {
	limit rate.Limit
	burst int
	mu    sync.Mutex
	ips   map[string]*ipEntry
}

type ipEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

// maxTrackedIPs bounds the limiter's memory; idle entries are dropped.
const maxTrackedIPs = 10000

// New returns a limiter allowing perSecond requests per address, in bursts
// of up to burst.
func New(perSecond float64, burst int) *PerIP {
	return &PerIP{limit: rate.Limit(perSecond), burst: burst, ips: map[string]*ipEntry{}}
}

// Allow reports whether a request from remoteAddr (host:port, as in
// http.Request.RemoteAddr) may go on.
func (l *PerIP) Allow(remoteAddr string) bool {
	ok, _ := l.Check(remoteAddr)
	return ok
}

// Check reports whether a request from remoteAddr may go on (and counts
// it); when it may not, wait is how long until the address's bucket
// holds a request again: what a 429's Retry-After should say.
func (l *PerIP) Check(remoteAddr string) (ok bool, wait time.Duration) {
	ip, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		ip = remoteAddr
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e, found := l.ips[ip]
	if !found {
		if len(l.ips) >= maxTrackedIPs {
			l.forget(now)
		}
		e = &ipEntry{lim: rate.NewLimiter(l.limit, l.burst)}
		l.ips[ip] = e
	}
	e.seen = now
	if e.lim.AllowN(now, 1) {
		return true, 0
	}
	missing := 1 - e.lim.TokensAt(now)
	if l.limit <= 0 || l.burst < 1 {
		return false, time.Hour
	}
	return false, time.Duration(missing / float64(l.limit) * float64(time.Second))
}

// RetryAfter is the value of a Retry-After header for a wait: whole
// seconds, rounded up, at least 1.
func RetryAfter(wait time.Duration) string {
	return strconv.FormatInt(max(1, int64(math.Ceil(wait.Seconds()))), 10)
}

// forget drops entries idle long enough for their bucket to be full again.
func (l *PerIP) forget(now time.Time) {
	idle := time.Minute
	if l.limit > 0 {
		idle = max(idle, time.Duration(float64(l.burst)/float64(l.limit)*float64(time.Second)))
	}
	for ip, e := range l.ips {
		if now.Sub(e.seen) > idle {
			delete(l.ips, ip)
		}
	}
	// Under a flood from many addresses (IPv6 makes them cheap) nothing is
	// idle: drop arbitrary entries, so memory stays bounded. Their sources
	// start again with a full bucket, which costs them nothing they could
	// not get from a fresh address anyway.
	for ip := range l.ips {
		if len(l.ips) < maxTrackedIPs*9/10 {
			break
		}
		delete(l.ips, ip)
	}
}
