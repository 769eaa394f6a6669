package testsite

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
)

// Recorder is a loopback server recording the forms POSTed to it: a
// Webmention endpoint, or a hub taking publish pings. It answers 202, or
// what Refuse set.
type Recorder struct {
	URL    string
	mu     sync.Mutex
	got    []url.Values
	status int
	body   string
}

// NewRecorder starts a Recorder, closed when the test ends.
func NewRecorder(t testing.TB) *Recorder {
	t.Helper()
	r := &Recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			http.Error(w, "POST a form", http.StatusBadRequest)
			return
		}
		req.ParseForm()
		r.mu.Lock()
		defer r.mu.Unlock()
		r.got = append(r.got, req.PostForm)
		if r.status != 0 {
			http.Error(w, r.body, r.status)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

// Refuse makes the recorder answer status with body (still recording);
// Refuse(0, "") makes it accept again.
func (r *Recorder) Refuse(status int, body string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status, r.body = status, body
}

// Received returns the forms received so far.
func (r *Recorder) Received() []url.Values {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]url.Values(nil), r.got...)
}

// Webmentions are the Webmentions received, as "source -> target".
func (r *Recorder) Webmentions() []string {
	var out []string
	for _, v := range r.Received() {
		out = append(out, v.Get("source")+" -> "+v.Get("target"))
	}
	return out
}

// MentionTarget serves another author's site for Webmention tests: the
// page /posts/one/ names endpoint in a Link header, /plain/ names none,
// and /feed.atom names it in the feed.
func MentionTarget(t testing.TB, endpoint string) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/posts/one/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "<"+endpoint+">; rel=webmention")
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!doctype html><p>one</p>"))
	})
	mux.HandleFunc("/plain/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!doctype html><p>no endpoint</p>"))
	})
	mux.HandleFunc("/feed.atom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write([]byte(`<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Bob</title><link rel="webmention" href="` + endpoint + `"/></feed>`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}
