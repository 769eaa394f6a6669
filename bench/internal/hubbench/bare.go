package hubbench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/rookery-social/rookery/internal/websub"
)

// bareLoop is the yardstick: the hub's deliveries (same body, headers and
// HMAC signature per subscriber) POSTed by plain goroutines with the hub's
// concurrency limits, overall and per callback host.
type bareLoop struct {
	client      *http.Client
	concurrency int
	hubURL      string
}

func newBareLoop(concurrency, perHost int, hubURL string) *bareLoop {
	tr := &http.Transport{MaxIdleConns: 2 * concurrency, MaxIdleConnsPerHost: perHost, MaxConnsPerHost: perHost}
	return &bareLoop{client: &http.Client{Transport: tr}, concurrency: concurrency, hubURL: hubURL}
}

// round delivers the topic's current content to n subscribers and times
// it to the last delivery received.
func (b *bareLoop) round(ctx context.Context, cb *callbacks, tp *topic, n int) (time.Duration, error) {
	body := tp.bump()
	links := []string{websub.FormatLink(b.hubURL, "hub"), websub.FormatLink(tp.url(), "self")}
	cb.expect(n)
	jobs := make(chan int)
	errs := make(chan error, b.concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for range b.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := b.post(ctx, cb.url(i), body, links, secret(i)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	if err := cb.await(deliveryTimeout(n)); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

func (b *bareLoop) post(ctx context.Context, callback string, body []byte, links []string, key []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, callback, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header["User-Agent"] = []string{"rookery-bench"}
	req.Header["Content-Type"] = []string{"application/atom+xml"}
	req.Header["Link"] = links
	req.Header[websub.HeaderSignature] = []string{websub.Sign(key, body)}
	resp, err := b.client.Do(req)
	if err != nil {
		return fmt.Errorf("hubbench: bare loop: %w", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return nil
}
