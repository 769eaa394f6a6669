package hub

import (
	"fmt"
	"net"
	"net/netip"
	"runtime/debug"
	"sync"
	"time"
)

// floodSize is the number of open connections past which, once they have
// mostly closed, the memory they held is given back to the system.
const floodSize = 1024

// limitListener caps the open connections in total and per source address.
// A connection over a cap is answered 503 at once and closed, before any
// request is read from it. When a flood of connections subsides, it gives
// the memory back to the system (debug.FreeOSMemory), so that the hub's
// RSS does not stay at the flood's peak.
type limitListener struct {
	net.Listener
	total, perAddr int

	mu    sync.Mutex
	open  int
	peak  int
	byIP  map[netip.Addr]int
	freed func() // debug.FreeOSMemory; tests may count the calls
}

func newLimitListener(ln net.Listener, total, perAddr int) *limitListener {
	return &limitListener{Listener: ln, total: total, perAddr: perAddr, byIP: map[netip.Addr]int{}, freed: debug.FreeOSMemory}
}

// Accept returns the next connection within the caps; the others are
// refused with a 503.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := sourceIP(c)
		if why := l.admit(ip); why != "" {
			go refuse(c, why)
			continue
		}
		return &limitedConn{Conn: c, l: l, ip: ip}, nil
	}
}

// admit counts a new connection from ip, or says why it is refused.
func (l *limitListener) admit(ip netip.Addr) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.open >= l.total:
		return fmt.Sprintf("hub: too many open connections (%d): try again later", l.total)
	case l.byIP[ip] >= l.perAddr:
		return fmt.Sprintf("hub: too many open connections from your address (%d): close some and try again", l.perAddr)
	}
	l.open++
	l.byIP[ip]++
	l.peak = max(l.peak, l.open)
	return ""
}

// release uncounts a closed connection; when a flood has mostly closed, it
// frees memory.
func (l *limitListener) release(ip netip.Addr) {
	l.mu.Lock()
	l.open--
	if l.byIP[ip]--; l.byIP[ip] <= 0 {
		delete(l.byIP, ip)
	}
	subsided := l.peak >= floodSize && l.open <= l.peak/10
	if subsided {
		l.peak = l.open
	}
	l.mu.Unlock()
	if subsided {
		go l.freed()
	}
}

func sourceIP(c net.Conn) netip.Addr {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.AddrPort().Addr().Unmap()
	}
	return netip.Addr{}
}

// refuse answers 503 on a connection over a cap and closes it, within a
// second whatever the client does.
func refuse(c net.Conn, why string) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	fmt.Fprintf(c, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"+
		"Retry-After: 10\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s\n", len(why)+1, why)
}

// limitedConn uncounts itself once when closed.
type limitedConn struct {
	net.Conn
	l    *limitListener
	ip   netip.Addr
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.ip) })
	return err
}
