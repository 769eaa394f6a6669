package publish

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// UserAgent names feedpub in every request it makes.
const UserAgent = "feedpub/1 (Rookery; +https://github.com/rookery-social/rookery)"

// MaxFetchBytes bounds every response body feedpub reads.
const MaxFetchBytes = 8 << 20

// NewClient returns the HTTP client feedpub uses: bounded dial, header and
// total times and at most 5 redirects. It may reach loopback and private
// addresses on purpose: this is the author's own tool, and their hub or
// reader may run on the same machine.
func NewClient() *http.Client {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 20 * time.Second,
		MaxIdleConnsPerHost:   4,
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("too many redirects")
		}
		return nil
	}}
}

// response is a fetched resource.
type response struct {
	URL         string // after redirects
	Status      int
	Header      http.Header
	ContentType string
	Body        []byte
}

// get fetches url with a bounded body; any status is returned, not an error.
func get(ctx context.Context, client *http.Client, url, accept string) (*response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetching %q: %w", url, err)
	}
	req.Header.Set("User-Agent", UserAgent)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxFetchBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", url, err)
	}
	if len(body) > MaxFetchBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", url, MaxFetchBytes)
	}
	return &response{URL: resp.Request.URL.String(), Status: resp.StatusCode, Header: resp.Header,
		ContentType: resp.Header.Get("Content-Type"), Body: body}, nil
}

// getOK is get that treats a non-2xx status as an error.
func getOK(ctx context.Context, client *http.Client, url, accept string) (*response, error) {
	r, err := get(ctx, client, url, accept)
	if err != nil {
		return nil, err
	}
	if r.Status < 200 || r.Status > 299 {
		return nil, fmt.Errorf("fetching %s: HTTP %d", url, r.Status)
	}
	return r, nil
}
