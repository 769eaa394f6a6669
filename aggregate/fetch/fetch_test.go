package fetch

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRedirectChains(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	mux.HandleFunc("/a", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/b", http.StatusPermanentRedirect) })
	mux.HandleFunc("/b", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/c", http.StatusMovedPermanently) })
	mux.HandleFunc("/c", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<feed/>")) })
	mux.HandleFunc("/t", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/a", http.StatusTemporaryRedirect) })
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "javascript:alert(1)")
		w.WriteHeader(http.StatusMovedPermanently)
	})
	f := New(Options{})
	ctx := context.Background()
	resp, err := f.Fetch(ctx, Request{URL: srv.URL + "/a"})
	if err != nil || resp.Moved != srv.URL+"/c" || string(resp.Body) != "<feed/>" {
		t.Fatalf("permanent chain: %v %+v", err, resp)
	}
	resp, err = f.Fetch(ctx, Request{URL: srv.URL + "/t"})
	if err != nil || resp.Moved != "" || resp.URL != srv.URL+"/c" {
		t.Fatalf("chain through a temporary redirect: %v %+v", err, resp)
	}
	if _, err := f.Fetch(ctx, Request{URL: srv.URL + "/loop"}); err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Fatalf("redirect loop: %v", err)
	}
	if _, err := f.Fetch(ctx, Request{URL: srv.URL + "/js"}); err == nil || !strings.Contains(err.Error(), "bad Location") {
		t.Fatalf("javascript: redirect: %v", err)
	}
}

func TestStatusErrorsAndRetryAfterDate(t *testing.T) {
	clock := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	when := clock.Add(3 * time.Hour)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/503":
			w.Header().Set("Retry-After", when.Format(http.TimeFormat))
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/410":
			w.WriteHeader(http.StatusGone)
		}
	}))
	defer srv.Close()
	f := New(Options{Now: func() time.Time { return clock }})
	_, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/503"})
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 503 || !se.RetryAfter.Equal(when) {
		t.Fatalf("503: %v", err)
	}
	_, err = f.Fetch(context.Background(), Request{URL: srv.URL + "/410"})
	if !errors.As(err, &se) || se.Code != http.StatusGone || !strings.Contains(err.Error(), "gone") {
		t.Fatalf("410: %v", err)
	}
}

func TestFreshUntil(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := map[string]struct {
		h    http.Header
		want time.Duration
	}{
		"max-age":      {http.Header{"Cache-Control": {"public, max-age=600"}}, 10 * time.Minute},
		"s-maxage":     {http.Header{"Cache-Control": {"s-maxage=60"}}, time.Minute},
		"expires":      {http.Header{"Expires": {"Thu, 01 Jan 2026 02:00:00 GMT"}}, 2 * time.Hour},
		"expired":      {http.Header{"Expires": {"Wed, 31 Dec 2025 00:00:00 GMT"}}, 0},
		"no-cache":     {http.Header{"Cache-Control": {"no-cache"}}, 0},
		"max-age wins": {http.Header{"Cache-Control": {"max-age=60"}, "Expires": {"Thu, 01 Jan 2026 02:00:00 GMT"}}, time.Minute},
		"garbage":      {http.Header{"Cache-Control": {"max-age=soon"}}, 0},
	}
	for name, c := range cases {
		got := freshUntil(c.h, now)
		if (c.want == 0 && !got.IsZero()) || (c.want != 0 && got.Sub(now) != c.want) {
			t.Errorf("%s: %v", name, got)
		}
	}
}
