// Package hubbench measures the WebSub hub: fan-out of one publish to many
// subscribers against a bare Go loop POSTing the same deliveries, store
// size and memory with many subscriptions, and restart time.
package hubbench

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"

	"github.com/rookery-social/rookery/internal/websub"
)

// callbacks are the subscribers' endpoints: a few loopback servers, one
// path per subscriber, counting the signed deliveries they receive.
type callbacks struct {
	servers  []*httptest.Server
	received atomic.Int64
	unsigned atomic.Int64
	target   atomic.Int64
	reached  chan struct{}
}

func newCallbacks(n int) *callbacks {
	c := &callbacks{reached: make(chan struct{}, 1)}
	for range n {
		c.servers = append(c.servers, httptest.NewServer(http.HandlerFunc(c.serve)))
	}
	return c
}

func (c *callbacks) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet { // verification of intent
		io.WriteString(w, r.URL.Query().Get("hub.challenge"))
		return
	}
	io.Copy(io.Discard, r.Body)
	if r.Header.Get(websub.HeaderSignature) == "" {
		c.unsigned.Add(1)
	}
	if c.received.Add(1) == c.target.Load() {
		select {
		case c.reached <- struct{}{}:
		default:
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// expect arms the counter: reached fires when n more deliveries arrive.
func (c *callbacks) expect(n int) {
	select { // drop a stale signal
	case <-c.reached:
	default:
	}
	c.target.Store(c.received.Load() + int64(n))
}

// url is subscriber i's callback.
func (c *callbacks) url(i int) string {
	return c.servers[i%len(c.servers)].URL + "/cb/" + strconv.Itoa(i)
}

func (c *callbacks) close() {
	for _, s := range c.servers {
		s.Close()
	}
}

// secret is subscriber i's hub.secret.
func secret(i int) []byte { return []byte("bench-secret-" + strconv.Itoa(i) + "-0123456789abcdef") }
