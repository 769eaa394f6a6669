package hub

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/rookery-social/rookery/hub/store"
	"github.com/rookery-social/rookery/internal/backoff"
	"github.com/rookery-social/rookery/internal/safehttp"
	"github.com/rookery-social/rookery/internal/websub"
)

// deliver POSTs one content version (WebSub) or notification (rssCloud)
// to one callback and says what to do next with the delivery.
func (h *Hub) deliver(ctx context.Context, dl store.Delivery) store.DeliveryResult {
	res := h.deliverOnce(ctx, dl)
	if dl.Protocol == store.ProtocolRSSCloud {
		if l, ok := outcomeLabels[res.Outcome]; ok {
			h.metrics.cloudNotifies.WithLabelValues(l).Inc()
		}
	}
	return res
}

func (h *Hub) deliverOnce(ctx context.Context, dl store.Delivery) store.DeliveryResult {
	res := store.DeliveryResult{ID: dl.ID, ContentID: dl.ContentID, SubscriptionID: dl.SubscriptionID}
	now := h.now()
	if !dl.Active {
		res.Outcome, res.Error = store.OutcomeCancel, "subscription is no longer active"
		return res
	}
	if !now.Before(dl.ExpiresAt) {
		res.Outcome, res.Error = store.OutcomeFailed, "lease ended before the delivery succeeded"
		return res
	}
	var status int
	var err error
	start := time.Now() // a duration on the monotonic clock, not a date
	if dl.Protocol == store.ProtocolRSSCloud {
		status, err = h.sendNotify(ctx, h.deliverClient, dl.Callback, dl.Topic)
	} else {
		c, cerr := h.contents.get(ctx, dl.ContentID)
		if cerr != nil {
			return h.retry(res, dl, 0, cerr.Error())
		}
		start = time.Now()
		status, err = h.post(ctx, dl, c)
	}
	h.metrics.latency.Observe(time.Since(start).Seconds())
	res.Status = status
	switch {
	case ctx.Err() != nil:
		res.Outcome, res.RetryAt = store.OutcomeDeferred, h.now() // shutting down: not the subscriber's fault
	case err != nil && errors.Is(err, safehttp.ErrForbiddenAddress):
		res.Outcome, res.Error = store.OutcomeFailed, err.Error()
	case err != nil:
		return h.retry(res, dl, status, err.Error())
	case status == http.StatusGone:
		res.Outcome, res.Error = store.OutcomeGone, "callback answered 410 Gone: subscription ended"
	case status < 200 || status > 299:
		return h.retry(res, dl, status, fmt.Sprintf("callback answered %d", status))
	default:
		res.Outcome = store.OutcomeDone
	}
	return res
}

// retry schedules the next attempt with backoff and jitter, or gives up
// when the lease ends first.
func (h *Hub) retry(res store.DeliveryResult, dl store.Delivery, status int, msg string) store.DeliveryResult {
	res.Status, res.Error = status, msg
	res.RetryAt = h.now().Add(h.backoff(dl.Attempts))
	if !res.RetryAt.Before(dl.ExpiresAt) {
		res.Outcome, res.Error = store.OutcomeFailed, msg+"; then: lease ended before the delivery succeeded"
		return res
	}
	res.Outcome = store.OutcomeRetry
	return res
}

// backoff is RetryBase·2^attempts, capped at RetryMax, with ±50% jitter.
func (h *Hub) backoff(attempts int) time.Duration {
	return backoff.Policy{Base: h.cfg.RetryBase, Max: h.cfg.RetryMax, Jitter: 0.5}.Delay(attempts)
}

// post sends the content distribution request: the topic's bytes and
// Content-Type, Link rel=hub and rel=self, and the signature if the
// subscription has a secret.
func (h *Hub) post(ctx context.Context, dl store.Delivery, c store.Content) (int, error) {
	// A context deadline rather than Client.Timeout, which copies every
	// request's headers.
	ctx, cancel := context.WithTimeout(ctx, h.cfg.DeliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, dl.Callback, bytes.NewReader(c.Body))
	if err != nil {
		return 0, fmt.Errorf("hub: delivery request: %w", err)
	}
	req.Header["User-Agent"] = []string{userAgent}
	if c.ContentType != "" {
		req.Header["Content-Type"] = []string{c.ContentType}
	}
	req.Header["Link"] = []string{websub.FormatLink(h.cfg.PublicURL, "hub"), websub.FormatLink(dl.Topic, "self")}
	if len(dl.Secret) > 0 {
		req.Header[websub.HeaderSignature] = []string{websub.Sign(dl.Secret, c.Body)}
	}
	resp, err := h.deliverClient.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}
