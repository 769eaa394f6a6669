package hub

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"time"

	"github.com/rookery-social/rookery/hub/store"
	"github.com/rookery-social/rookery/hub/track"
	"github.com/rookery-social/rookery/internal/safehttp"
	"github.com/rookery-social/rookery/internal/websub"
)

// verifyLoop claims pending verifications of intent and runs them, at most
// VerifyConcurrency at a time.
func (h *Hub) verifyLoop(loopCtx, workCtx context.Context) {
	slots := make(chan struct{}, h.cfg.VerifyConcurrency)
	for {
		free := cap(slots) - len(slots)
		var jobs []store.Verification
		if free > 0 {
			now := h.now()
			var err error
			jobs, err = h.store.ClaimVerifications(loopCtx, now, now.Add(h.cfg.ClaimTimeout), free)
			if loopCtx.Err() == nil {
				h.errs.claimVerifications.report(err)
			}
		}
		for _, v := range jobs {
			slots <- struct{}{}
			h.work.Add(1)
			go func() {
				defer func() { <-slots; h.work.Done(); wake(h.verifyWake) }()
				h.verify(workCtx, v)
			}()
		}
		if len(jobs) == free && free > 0 {
			continue
		}
		if !h.idle(loopCtx, h.verifyWake) {
			return
		}
	}
}

// verify runs one verification of intent (or denial) and records it.
func (h *Hub) verify(ctx context.Context, v store.Verification) {
	log := h.log.With("mode", v.Mode, "topic", v.Topic, "callback", v.Callback)
	if reason := h.refusal(ctx, v); reason != "" {
		h.deny(ctx, v, reason)
		h.finishVerification(ctx, v, store.VerifyDenied, reason)
		log.Info("hub: subscription denied", "reason", reason)
		return
	}
	if err := h.challenge(ctx, v); err != nil {
		h.finishVerification(ctx, v, store.VerifyFailed, err.Error())
		log.Info("hub: verification failed", "err", err)
		return
	}
	h.finishVerification(ctx, v, store.VerifyVerified, "")
	log.Info("hub: verified", "lease_seconds", v.LeaseSeconds)
	if q, ok, err := track.FromURL(h.cfg.PublicURL, v.Topic); ok && err == nil && h.track != nil {
		h.track.verified(ctx, v.Mode, q)
	}
}

func (h *Hub) finishVerification(ctx context.Context, v store.Verification, state, result string) {
	h.metrics.verifications.WithLabelValues(v.Mode, state).Inc()
	if err := h.store.FinishVerification(context.WithoutCancel(ctx), v, state, result, h.now()); err != nil {
		h.log.Error("hub: recording verification", "topic", v.Topic, "callback", v.Callback, "err", err)
	}
}

// refusal says why a subscription request is refused, or "" to go on.
func (h *Hub) refusal(ctx context.Context, v store.Verification) string {
	if v.Mode != websub.ModeSubscribe {
		return ""
	}
	if reason, tracked := h.trackRefusal(ctx, v); tracked {
		if reason != "" {
			return reason
		}
	} else if err := h.checkTopicAddress(ctx, v.Topic); err != nil {
		return err.Error()
	}
	sub, err := h.store.Subscription(ctx, v.Topic, v.Callback)
	if err == nil && sub.State == store.StateActive {
		return "" // a renewal never counts against the cap
	}
	host := store.CallbackHost(v.Callback)
	n, err := h.store.CountActiveByHost(ctx, host, h.now())
	if err != nil {
		h.log.Error("hub: counting subscriptions", "err", err)
		return ""
	}
	if n >= h.cfg.MaxSubscriptionsPerHost {
		return fmt.Sprintf("callback host %s already has %d subscriptions, the most this hub allows", host, n)
	}
	return ""
}

// checkTopicAddress refuses topics the hub could never fetch because they
// resolve to non-public addresses (fetches are checked again at dial time).
func (h *Hub) checkTopicAddress(ctx context.Context, topic string) error {
	if h.cfg.AllowPrivate {
		return nil
	}
	u, err := url.Parse(topic)
	if err != nil {
		return fmt.Errorf("topic %q is not a URL", topic)
	}
	addrs, err := resolve(ctx, u.Hostname())
	if err != nil {
		return fmt.Errorf("topic host %s does not resolve", u.Hostname())
	}
	for _, a := range addrs {
		if err := safehttp.CheckAddr(a); err != nil {
			return fmt.Errorf("topic %s is not on a public address", topic)
		}
	}
	return nil
}

func resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// challenge sends the verification of intent: a GET to the callback (its
// own query string kept) with a fresh random challenge, which must come
// back as the whole body of a 2xx answer.
func (h *Hub) challenge(ctx context.Context, v store.Verification) error {
	challenge, err := newChallenge()
	if err != nil {
		return err
	}
	q := url.Values{}
	q.Set(websub.ParamMode, v.Mode)
	q.Set(websub.ParamTopic, v.Topic)
	q.Set(websub.ParamChallenge, challenge)
	if v.Mode == websub.ModeSubscribe {
		q.Set(websub.ParamLeaseSeconds, strconv.FormatInt(v.LeaseSeconds, 10))
	}
	resp, body, err := h.get(ctx, withQuery(v.Callback, q), int64(len(challenge)))
	if err != nil {
		return fmt.Errorf("verification request failed: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("callback answered %d, want 2xx with the challenge", resp.StatusCode)
	}
	if string(body) != challenge {
		return errors.New("callback did not echo the hub.challenge")
	}
	return nil
}

// deny tells the subscriber its request was refused (hub.mode=denied).
// The answer does not matter.
func (h *Hub) deny(ctx context.Context, v store.Verification, reason string) {
	q := url.Values{}
	q.Set(websub.ParamMode, websub.ModeDenied)
	q.Set(websub.ParamTopic, v.Topic)
	q.Set(websub.ParamReason, reason)
	if _, _, err := h.get(ctx, withQuery(v.Callback, q), 1024); err != nil {
		h.log.Info("hub: denial notice not delivered", "callback", v.Callback, "err", err)
	}
}

func (h *Hub) get(ctx context.Context, rawURL string, max int64) (*http.Response, []byte, error) {
	hdr := http.Header{"User-Agent": {userAgent}}
	resp, body, err := safehttp.Get(ctx, h.verifyClient, rawURL, hdr, max)
	if errors.Is(err, safehttp.ErrTooLarge) {
		return resp, nil, nil // a longer body is not the challenge
	}
	return resp, body, err
}

// withQuery appends q to rawURL, keeping the callback's own query string.
func withQuery(rawURL string, q url.Values) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	if u.RawQuery != "" {
		u.RawQuery += "&" + q.Encode()
	} else {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func newChallenge() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("hub: challenge: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
