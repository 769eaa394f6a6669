// Package fetch is the reader's polite HTTP GET for feeds: conditional
// requests with the stored validators, redirects followed by hand so that a
// permanent move can be recorded, caching headers and Retry-After read, a
// per-host concurrency limit, gzip and a body size cap. It does not parse.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rookery-social/rookery/internal/safehttp"
)

// UserAgent names the project and its URL on every request.
const UserAgent = "Rookery/0.1 (+https://github.com/rookery-social/rookery)"

// Options configures a Fetcher.
type Options struct {
	PublicOnly   bool          // refuse loopback and private addresses (the CLI allows them)
	Timeout      time.Duration // per request, default 30s
	MaxBytes     int64         // body cap, default 10 MiB
	PerHost      int           // concurrent requests per host, default 2
	MaxRedirects int           // default 5
	// Now is the clock that Retry-After and Cache-Control durations count
	// from; default time.Now.
	Now func() time.Time
	// SizeSetting, when set, names the setting that raises MaxBytes
	// (e.g. "--max-feed-size"): a body over it says so.
	SizeSetting string
}

// Fetcher performs feed requests. It is safe for concurrent use.
type Fetcher struct {
	client *http.Client
	opts   Options
	mu     sync.Mutex
	hosts  map[string]chan struct{}
}

// New returns a Fetcher.
func New(opts Options) *Fetcher {
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxBytes == 0 {
		opts.MaxBytes = 10 << 20
	}
	if opts.PerHost == 0 {
		opts.PerHost = 2
	}
	if opts.MaxRedirects == 0 {
		opts.MaxRedirects = 5
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := safehttp.NewClient(safehttp.Options{
		AllowPrivate: !opts.PublicOnly,
		Timeout:      opts.Timeout,
		MaxRedirects: -1, // followed here, to see 301/308
		UserAgent:    UserAgent,
	})
	return &Fetcher{client: c, opts: opts, hosts: map[string]chan struct{}{}}
}

// Request is one conditional GET.
type Request struct {
	URL          string
	ETag         string // sent back verbatim as If-None-Match
	LastModified string // sent back verbatim as If-Modified-Since
}

// Response is a successful (2xx or 304) fetch.
type Response struct {
	URL          string // where the body came from, after redirects
	Moved        string // the new URL when every redirect was permanent (301/308)
	NotModified  bool
	Header       http.Header
	Body         []byte
	ETag         string
	LastModified string
	FreshUntil   time.Time // from Cache-Control max-age or Expires; zero if none
}

// StatusError is an HTTP error status.
type StatusError struct {
	URL        string
	Code       int
	Status     string
	RetryAfter time.Time // from Retry-After on 429/503; zero if none
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("fetch: GET %s: %s", e.URL, e.Status)
	if e.Code == http.StatusGone {
		msg += " (the feed is gone; polling stopped)"
	}
	if !e.RetryAfter.IsZero() {
		msg += fmt.Sprintf(" (retry after %s)", e.RetryAfter.Format(time.RFC3339))
	}
	return msg
}

// Fetch GETs req.URL, following up to MaxRedirects redirects.
func (f *Fetcher) Fetch(ctx context.Context, req Request) (*Response, error) {
	cur, permanent := req.URL, true
	for hop := 0; ; hop++ {
		resp, err := f.get(ctx, cur, req)
		if err != nil {
			return nil, err
		}
		if !isRedirect(resp.StatusCode) {
			return f.finish(resp, req.URL, cur, permanent)
		}
		resp.Body.Close()
		if hop >= f.opts.MaxRedirects {
			return nil, fmt.Errorf("fetch: GET %s: more than %d redirects", req.URL, f.opts.MaxRedirects)
		}
		next, err := location(resp, cur)
		if err != nil {
			return nil, err
		}
		permanent = permanent && (resp.StatusCode == 301 || resp.StatusCode == 308)
		cur = next
	}
}

func isRedirect(code int) bool {
	return code == 301 || code == 302 || code == 303 || code == 307 || code == 308
}

func location(resp *http.Response, cur string) (string, error) {
	loc := resp.Header.Get("Location")
	base, _ := url.Parse(cur)
	u, err := base.Parse(loc)
	if loc == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("fetch: GET %s: %s with a bad Location %q", cur, resp.Status, loc)
	}
	return u.String(), nil
}

func (f *Fetcher) get(ctx context.Context, raw string, req Request) (*http.Response, error) {
	u, err := safehttp.ParseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("fetch: %q is not an http(s) URL: %w", raw, err)
	}
	release, err := f.acquire(ctx, u.Host)
	if err != nil {
		return nil, err
	}
	defer release()
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	hr.Header.Set("Accept", "application/atom+xml, application/rss+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.5, */*;q=0.1")
	if req.ETag != "" {
		hr.Header.Set("If-None-Match", req.ETag)
	}
	if req.LastModified != "" {
		hr.Header.Set("If-Modified-Since", req.LastModified)
	}
	resp, err := f.client.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("fetch: GET %s: %w", raw, err)
	}
	return resp, nil
}

// acquire takes one of the host's slots.
func (f *Fetcher) acquire(ctx context.Context, host string) (func(), error) {
	f.mu.Lock()
	sem, ok := f.hosts[host]
	if !ok {
		sem = make(chan struct{}, f.opts.PerHost)
		f.hosts[host] = sem
	}
	f.mu.Unlock()
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("fetch: waiting for %s: %w", host, ctx.Err())
	}
}

func (f *Fetcher) finish(resp *http.Response, orig, final string, permanent bool) (*Response, error) {
	defer resp.Body.Close()
	now := f.opts.Now()
	out := &Response{URL: final, Header: resp.Header, ETag: resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"), FreshUntil: freshUntil(resp.Header, now)}
	if permanent && final != orig {
		out.Moved = final
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		return out, nil
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
	default:
		return nil, &StatusError{URL: final, Code: resp.StatusCode, Status: resp.Status,
			RetryAfter: retryAfter(resp, now)}
	}
	body, err := safehttp.ReadAll(resp.Body, f.opts.MaxBytes)
	if errors.Is(err, safehttp.ErrTooLarge) && f.opts.SizeSetting != "" {
		return nil, fmt.Errorf("fetch: GET %s: %w; raise the limit with %s", final, err, f.opts.SizeSetting)
	}
	if err != nil {
		return nil, fmt.Errorf("fetch: GET %s: %w", final, err)
	}
	out.Body = body
	return out, nil
}

func retryAfter(resp *http.Response, now time.Time) time.Time {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return time.Time{}
	}
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return now.Add(time.Duration(n) * time.Second)
	}
	if t, err := http.ParseTime(v); err == nil {
		return t
	}
	return time.Time{}
}

// freshUntil reads Cache-Control max-age (or s-maxage), else Expires.
func freshUntil(h http.Header, now time.Time) time.Time {
	for _, d := range strings.Split(h.Get("Cache-Control"), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(strings.ToLower(d)), "=")
		if k == "max-age" || k == "s-maxage" {
			if n, err := strconv.Atoi(strings.Trim(v, `"`)); err == nil && n > 0 {
				return now.Add(time.Duration(n) * time.Second)
			}
		}
	}
	if t, err := http.ParseTime(h.Get("Expires")); err == nil && t.After(now) {
		return t
	}
	return time.Time{}
}
