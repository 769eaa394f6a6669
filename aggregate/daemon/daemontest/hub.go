package daemontest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/websub"
)

// HubRequest is one subscription request a Hub received.
type HubRequest struct {
	Mode, Topic, Callback, Secret, Lease string
}

// Hub is a minimal W3C WebSub hub on loopback: it takes (un)subscribe
// requests at URL ("/hub"; "/moved" answers 307 to it), verifies intent
// asynchronously with a random challenge, and delivers signed content to
// verified subscribers with Publish.
type Hub struct {
	URL, MovedURL string

	srv    *httptest.Server
	client *http.Client
	wg     sync.WaitGroup

	mu       sync.Mutex
	lease    int
	deny     bool
	requests []HubRequest
	subs     map[string]hubSub // by callback
	verified []string          // callbacks whose verification succeeded, in order
	refused  int               // verifications the subscriber answered with an error

	busy     busyRule
	windows  []BusyWindow // the hub's closed windows, in order
	tokens   int          // requests accepted before the next refusal
	inFlight int
	maxIn    int // most requests in flight at once
}

type busyRule struct {
	burst, status int
	wait          time.Duration
	date          bool
	delay         time.Duration
}

// BusyWindow is one time the busy hub refused requests: from Start, for
// the Retry-After it gave, every request got its status.
type BusyWindow struct {
	Start, End time.Time
	Refused    int // requests refused in the window
}

type hubSub struct{ topic, secret string }

// NewHub starts a hub granting leases of leaseSeconds; it stops with the test.
func NewHub(t testing.TB, leaseSeconds int) *Hub {
	h := &Hub{lease: leaseSeconds, subs: map[string]hubSub{}, client: &http.Client{Timeout: 10 * time.Second}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hub", h.serve)
	mux.HandleFunc("POST /moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/hub", http.StatusTemporaryRedirect)
	})
	h.srv = httptest.NewServer(mux)
	h.URL, h.MovedURL = h.srv.URL+"/hub", h.srv.URL+"/moved"
	t.Cleanup(func() { h.srv.Close(); h.wg.Wait() })
	return h
}

// SetDeny makes the hub deny every following subscribe request.
func (h *Hub) SetDeny(deny bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.deny = deny
}

// Busy makes the hub answer as a rate-limited hub: burst requests are
// accepted, the next one gets status (429 or 503) with a Retry-After of
// wait (whole seconds, or an HTTP date next to a Date header when date is
// set), and so does every request until wait has passed; then burst more
// are accepted, and so on. Each request takes delay to answer, so that
// requests in flight together overlap. A burst of 0 refuses everything.
func (h *Hub) Busy(burst, status int, wait time.Duration, date bool, delay time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.busy = busyRule{burst: burst, status: status, wait: wait, date: date, delay: delay}
	h.tokens = burst
}

// Windows returns the hub's closed windows so far (see Busy).
func (h *Hub) Windows() []BusyWindow {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]BusyWindow(nil), h.windows...)
}

// MaxInFlight returns the most subscription requests the hub was
// answering at once.
func (h *Hub) MaxInFlight() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.maxIn
}

// refuse applies the Busy rule to a request arriving now: it answers and
// reports true when the request is refused.
func (h *Hub) refuse(w http.ResponseWriter, now time.Time) bool {
	h.mu.Lock()
	b := h.busy
	if b.status == 0 {
		h.mu.Unlock()
		return false
	}
	var win *BusyWindow
	if n := len(h.windows); n > 0 && now.Before(h.windows[n-1].End) {
		win = &h.windows[n-1]
	} else if h.tokens > 0 {
		h.tokens--
		h.mu.Unlock()
		return false
	} else {
		h.windows = append(h.windows, BusyWindow{Start: now, End: now.Add(b.wait)})
		h.tokens = b.burst
		win = &h.windows[len(h.windows)-1]
	}
	win.Refused++
	end := win.End
	h.mu.Unlock()
	if b.date {
		w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
		w.Header().Set("Retry-After", end.UTC().Format(http.TimeFormat)) // both truncated to the second
	} else {
		w.Header().Set("Retry-After", strconv.Itoa(int((end.Sub(now)+time.Second-1)/time.Second)))
	}
	http.Error(w, "busy: retry later", b.status)
	return true
}

// Requests returns the requests received so far.
func (h *Hub) Requests() []HubRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]HubRequest(nil), h.requests...)
}

// Verified returns the callbacks of the verifications that succeeded.
func (h *Hub) Verified() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.verified...)
}

// Active reports whether callback holds a verified subscription.
func (h *Hub) Active(callback string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, ok := h.subs[callback]
	return ok
}

func (h *Hub) serve(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.inFlight++
	h.maxIn = max(h.maxIn, h.inFlight)
	delay := h.busy.delay
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.inFlight--
		h.mu.Unlock()
	}()
	time.Sleep(delay)
	if h.refuse(w, time.Now()) {
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req := HubRequest{r.PostForm.Get(websub.ParamMode), r.PostForm.Get(websub.ParamTopic),
		r.PostForm.Get(websub.ParamCallback), r.PostForm.Get(websub.ParamSecret), r.PostForm.Get(websub.ParamLeaseSeconds)}
	if req.Topic == "" || req.Callback == "" {
		http.Error(w, "hub.topic and hub.callback are required", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	h.requests = append(h.requests, req)
	deny := h.deny && req.Mode == websub.ModeSubscribe
	h.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		if deny {
			h.sendDenial(req)
			return
		}
		h.verify(req)
	}()
}

func (h *Hub) sendDenial(req HubRequest) {
	q := url.Values{websub.ParamMode: {websub.ModeDenied}, websub.ParamTopic: {req.Topic}, websub.ParamReason: {"not allowed here"}}
	resp, err := h.client.Get(req.Callback + "?" + q.Encode())
	if err == nil {
		resp.Body.Close()
	}
}

func (h *Hub) verify(req HubRequest) {
	challenge := strconv.FormatInt(time.Now().UnixNano(), 36)
	q := url.Values{websub.ParamMode: {req.Mode}, websub.ParamTopic: {req.Topic}, websub.ParamChallenge: {challenge}}
	if req.Mode == websub.ModeSubscribe {
		q.Set(websub.ParamLeaseSeconds, strconv.Itoa(h.lease))
	}
	resp, err := h.client.Get(req.Callback + "?" + q.Encode())
	if err != nil {
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	h.mu.Lock()
	defer h.mu.Unlock()
	if resp.StatusCode/100 != 2 || string(body) != challenge {
		h.refused++
		return
	}
	h.verified = append(h.verified, req.Callback)
	if req.Mode == websub.ModeUnsubscribe {
		delete(h.subs, req.Callback)
		return
	}
	h.subs[req.Callback] = hubSub{req.Topic, req.Secret}
}

// Publish delivers body to every verified subscriber of topic, signed with
// its secret, and returns the HTTP statuses the subscribers answered.
func (h *Hub) Publish(topic, contentType string, body []byte) ([]int, error) {
	h.mu.Lock()
	targets := map[string]string{}
	for cb, s := range h.subs {
		if s.topic == topic {
			targets[cb] = s.secret
		}
	}
	h.mu.Unlock()
	var codes []int
	for cb, secret := range targets {
		code, err := Deliver(h.client, cb, contentType, body, websub.Sign([]byte(secret), body))
		if err != nil {
			return codes, err
		}
		codes = append(codes, code)
	}
	return codes, nil
}

// Deliver POSTs body to a callback with the given X-Hub-Signature (none
// when empty) and returns the status.
func Deliver(c *http.Client, callback, contentType string, body []byte, signature string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, callback, bytesReader(body))
	if err != nil {
		return 0, fmt.Errorf("daemontest: %w", err)
	}
	req.Header.Set("Content-Type", contentType)
	if signature != "" {
		req.Header.Set(websub.HeaderSignature, signature)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, fmt.Errorf("daemontest: deliver: %w", err)
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
