package hub

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/testwait"
)

// Connections over the caps, in total and per source address, are
// answered 503 at once; once some close, the hub takes new ones.
func TestOpenConnectionsAreCappedInTotalAndPerAddress(t *testing.T) {
	perInstance(t, "connections are counted per process")
	var logs syncBuffer
	cfg := fastConfig(t)
	cfg.Addr = "127.0.0.1:0"
	cfg.MaxConnections, cfg.MaxConnectionsPerIP = 8, 5
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, cfg) }()
	t.Cleanup(func() { cancel(); <-done })
	listening := regexp.MustCompile(`msg="hub: listening" addr=(\S+)`)
	var addr string
	testwait.Until(t, waitLimit, "the hub to listen", func() bool {
		m := listening.FindStringSubmatch(logs.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	})

	var held []net.Conn
	t.Cleanup(func() {
		for _, c := range held {
			c.Close()
		}
	})
	hold := func(from string) net.Conn { // an open connection that sends nothing
		t.Helper()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		return c
	}
	refused := func(c net.Conn, want string) {
		t.Helper()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("connection over the cap: %v, want a 503", err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), want) {
			t.Errorf("connection over the cap: %d %q, want 503 saying %q", resp.StatusCode, body, want)
		}
	}
	get := func(from string) int {
		t.Helper()
		c := hold(from)
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	for range 5 {
		hold("127.0.0.1")
	}
	refused(hold("127.0.0.1"), "from your address")
	for range 3 {
		hold("127.0.0.2")
	}
	refused(hold("127.0.0.2"), "too many open connections")
	held[0].Close()
	testwait.Until(t, waitLimit, "a closed connection to free its place", func() bool { return get("127.0.0.1") == http.StatusOK })
}

// Once a flood of connections has mostly closed, the memory it held is
// given back.
func TestMemoryIsGivenBackAfterAFlood(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := newLimitListener(ln, 2*floodSize, 2*floodSize)
	freed := make(chan struct{}, 10)
	l.freed = func() { freed <- struct{}{} }
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(io.Discard, c); c.Close() }()
		}
	}()
	defer l.Close()
	var conns []net.Conn
	for range floodSize {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	testwait.Until(t, waitLimit, "the flood accepted", func() bool { l.mu.Lock(); defer l.mu.Unlock(); return l.open == floodSize })
	for _, c := range conns {
		c.Close()
	}
	select {
	case <-freed:
	case <-time.After(30 * time.Second):
		t.Fatal("the memory of the flood was not given back once it closed")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open > floodSize/10 {
		t.Errorf("memory given back with %d connections still open", l.open)
	}
}
