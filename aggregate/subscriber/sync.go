package subscriber

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rookery-social/rookery/aggregate/store"
	"github.com/rookery-social/rookery/internal/safehttp"
	"github.com/rookery-social/rookery/internal/sqlitedb"
	"github.com/rookery-social/rookery/internal/websub"
)

// Sync brings the subscriptions in line with the followed feeds and the
// tracked topics: it subscribes to every followed feed that advertises a
// hub and to every tracked topic that has no subscription yet,
// unsubscribes from feeds no longer followed and topics no longer tracked, renews
// leases that are due, retries failed or unverified requests, and marks
// lapsed subscriptions so that their feeds are polled again.
// Requests are paced per hub (see PerHubInFlight): a hub that answers 429
// gets nothing more until its Retry-After has passed, so a Sync may take
// as long as the hubs ask.
// It is cheap when there is nothing to do, so it can run every few seconds.
func (s *Subscriber) Sync(ctx context.Context) error {
	feeds, err := s.store.SubscribableFeeds(ctx)
	if err != nil {
		return fmt.Errorf("subscriber: list followed feeds: %w", err)
	}
	subs, err := s.List(ctx)
	if err != nil {
		return err
	}
	live := map[string]bool{}
	for _, sub := range subs {
		if sub.State != StateUnsubscribing {
			live[sub.FeedURL] = true
		}
	}
	var errs []error
	var jobs []job
	followed := map[string]bool{}
	for _, f := range feeds {
		followed[f.URL] = true
		if live[f.URL] {
			continue
		}
		f, err := s.withHubs(ctx, f)
		if err != nil || len(f.Hubs) == 0 {
			errs = append(errs, err)
			continue
		}
		jobs = append(jobs, job{f.Hubs[0], func(ctx context.Context) error { return s.subscribeFeed(ctx, f) }})
	}
	tracked, err := s.trackedJobs(ctx, live, followed)
	jobs, errs = append(jobs, tracked...), append(errs, err)
	now := s.now()
	for _, sub := range subs {
		switch {
		case !followed[sub.FeedURL] && sub.State != StateUnsubscribing:
			jobs = append(jobs, job{sub.Hub, func(ctx context.Context) error { return s.unsubscribe(ctx, sub) }})
		case !sub.NextAction.After(now):
			jobs = append(jobs, job{sub.Hub, func(ctx context.Context) error { return s.due(ctx, sub) }})
		}
	}
	errs = append(errs, runJobs(ctx, jobs)...)
	return errors.Join(errs...)
}

// subscribeFeed creates a subscription for f (whose hubs are known): it
// asks the hubs in turn until one accepts, or one asks to wait.
func (s *Subscriber) subscribeFeed(ctx context.Context, f store.Feed) error {
	topic := f.Self
	if topic == "" {
		topic = f.URL
	}
	sub := Subscription{ID: newID(), FeedURL: f.URL, Topic: topic, Hub: f.Hubs[0],
		State: StatePending, secret: newSecret()}
	// Save first: a hub may verify before it answers our request.
	if err := s.insert(ctx, sub); err != nil {
		return err
	}
	orig := sub
	for _, hub := range f.Hubs {
		sub.Hub = hub
		err := s.request(ctx, &sub, websub.ModeSubscribe)
		if err == nil || isBusy(err) {
			break
		}
	}
	return s.saveAfterRequest(ctx, orig, sub)
}

// saveAfterRequest stores the outcome of a request for sub, unless the
// hub's verification (or denial) changed the row while the request was in
// flight: what the callback wrote wins. orig is the row as it was loaded.
func (s *Subscriber) saveAfterRequest(ctx context.Context, orig, sub Subscription) error {
	_, err := s.db.ExecContext(ctx, `UPDATE subscriber_subscriptions SET hub = ?, state = ?,
		next_at = ?, attempts = ?, last_error = ?
		WHERE id = ? AND state = ? AND expires_at = ?`,
		sub.Hub, sub.State, sqlitedb.ToUnix(sub.NextAction), sub.attempts, sub.LastError,
		sub.ID, orig.State, sqlitedb.ToUnix(orig.Expires))
	if err != nil {
		return fmt.Errorf("subscriber: update subscription %s: %w", sub.FeedURL, err)
	}
	return nil
}

// withHubs fills f.Hubs by fetching the feed when the store knows none.
func (s *Subscriber) withHubs(ctx context.Context, f store.Feed) (store.Feed, error) {
	if len(f.Hubs) > 0 {
		return f, nil
	}
	hubs, self, fresh, err := s.discovered(ctx, f.URL)
	if err != nil || fresh {
		f.Hubs, f.Self = hubs, cmp.Or(f.Self, self)
		return f, err
	}
	hubs, self, err = s.discover(ctx, f.URL)
	if err != nil {
		s.log.Info("hub discovery failed", "feed", f.URL, "err", err)
	}
	f.Hubs, f.Self = hubs, cmp.Or(f.Self, self)
	return f, s.saveDiscovered(ctx, f.URL, hubs, self)
}

// discover fetches feedURL (following 301/302 redirects) and reads its
// hubs and self URL, Link headers first, then the document.
func (s *Subscriber) discover(ctx context.Context, feedURL string) (hubs []string, self string, err error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	header := http.Header{"Accept": {"application/atom+xml, application/rss+xml, application/feed+json, application/xml;q=0.9, text/html;q=0.5"}}
	resp, body, err := safehttp.Get(ctx, s.cfg.Client, feedURL, header, maxFetchBytes)
	if err != nil {
		return nil, "", fmt.Errorf("subscriber: discover %s: %w", feedURL, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("subscriber: discover %s: status %s", feedURL, resp.Status)
	}
	final := resp.Request.URL.String()
	d := websub.Discover(resp.Header, body, final)
	return d.Hubs, cmp.Or(d.Self, final), nil
}

// due acts on a subscription whose next action time has come: renews an
// active lease, retries a failed, unverified or denied request, and puts a
// lapsed subscription's feed back to polling before asking again.
func (s *Subscriber) due(ctx context.Context, sub Subscription) error {
	if sub.State == StateUnsubscribing { // the hub never confirmed: forget it anyway
		return s.remove(ctx, sub.ID)
	}
	if sub.State == StateActive && !sub.Expires.IsZero() && !sub.Expires.After(s.now()) {
		s.log.Info("subscription lapsed, polling again", "feed", sub.FeedURL, "hub", sub.Hub)
		if err := s.setMode(ctx, sub, store.ModePoll); err != nil {
			return fmt.Errorf("subscriber: %w", err)
		}
		sub.State, sub.Expires = StatePending, time.Time{}
	}
	if sub.State != StateActive {
		// Record the renewed intent before asking: the hub may verify at once.
		sub.State = StatePending
		if err := s.save(ctx, sub); err != nil {
			return err
		}
	}
	orig := sub
	s.request(ctx, &sub, websub.ModeSubscribe)
	return s.saveAfterRequest(ctx, orig, sub)
}

// unsubscribe asks the hub to end sub, or forgets sub if it never was active.
func (s *Subscriber) unsubscribe(ctx context.Context, sub Subscription) error {
	if sub.State == StateDenied || sub.State == StateFailed {
		return s.remove(ctx, sub.ID)
	}
	sub.State = StateUnsubscribing
	sub.NextAction = s.now().Add(verifyWait)
	if err := s.save(ctx, sub); err != nil {
		return err
	}
	if err := s.request(ctx, &sub, websub.ModeUnsubscribe); err != nil {
		return s.remove(ctx, sub.ID) // deliveries to it now get 410 Gone
	}
	return nil
}

// request sends a subscribe or unsubscribe request to sub.Hub and updates
// sub's state, next action time and error (the caller saves it). A hub
// that asks to wait (429) is no failure: the request is due again when the
// hub said, with no growing backoff. A hub that fails with a Retry-After
// (503) is asked again exactly then.
func (s *Subscriber) request(ctx context.Context, sub *Subscription, mode string) error {
	// Record the request before sending it: the hub may verify at once.
	if err := s.expect(ctx, sub.ID, mode); err != nil {
		return err
	}
	err := s.send(ctx, *sub, mode)
	now := s.now()
	if err != nil {
		// A refused request will not be verified.
		s.settle(ctx, sub.ID, mode)
	}
	if mode == websub.ModeUnsubscribe {
		return err
	}
	var he *hubError
	errors.As(err, &he)
	switch {
	case err == nil:
		s.log.Info("subscription requested", "feed", sub.FeedURL, "hub", sub.Hub, "topic", sub.Topic)
		sub.LastError = ""
		sub.NextAction = now.Add(verifyWait)
	case he != nil && he.busy:
		sub.LastError = he.Error()
		sub.NextAction = now.Add(he.retry)
	default:
		s.log.Warn("hub refused subscription request", "feed", sub.FeedURL, "hub", sub.Hub, "err", err)
		sub.attempts++
		sub.LastError = err.Error()
		sub.NextAction = now.Add(retryBackoff(sub.attempts))
		if he != nil && he.retry > 0 {
			sub.NextAction = now.Add(he.retry)
		}
	}
	switch {
	case sub.State == StateActive && !sub.Expires.IsZero() && sub.Expires.Before(sub.NextAction):
		sub.NextAction = sub.Expires
	case sub.State != StateActive && (err == nil || he != nil && he.busy):
		sub.State = StatePending
	case sub.State != StateActive:
		sub.State = StateFailed
	}
	return err
}

// send posts sub's mode request to its hub. When the hub asks to wait
// (429) for no longer than a Sync waits, it asks again once that time has
// passed, in turn with the other requests to the hub, up to maxBusyTries.
func (s *Subscriber) send(ctx context.Context, sub Subscription, mode string) error {
	form := s.form(sub, mode)
	for try := 1; ; try++ {
		err := s.post(ctx, sub.Hub, form)
		var he *hubError
		if !errors.As(err, &he) || !he.busy || !he.sent {
			return err
		}
		s.log.Info("hub asked to wait", "feed", sub.FeedURL, "hub", sub.Hub, "mode", mode, "retry_after", he.retry)
		if try == maxBusyTries || he.retry > maxInlineWait {
			return err
		}
	}
}

// hubError is a hub's refusal of a request, or our decision not to send
// it yet because the hub asked to wait.
type hubError struct {
	msg   string
	busy  bool          // 429, or held back: wait, this is no failure
	sent  bool          // the hub answered (false: held back)
	retry time.Duration // when to ask again, as the hub said; 0: not said
}

func (e *hubError) Error() string { return e.msg }

// isBusy reports whether err means "wait", not a failure.
func isBusy(err error) bool {
	var he *hubError
	return errors.As(err, &he) && he.busy
}

func (s *Subscriber) form(sub Subscription, mode string) url.Values {
	v := url.Values{
		websub.ParamMode:     {mode},
		websub.ParamTopic:    {sub.Topic},
		websub.ParamCallback: {s.callback(sub.ID)},
	}
	if mode == websub.ModeSubscribe {
		v.Set(websub.ParamSecret, sub.secret)
		v.Set(websub.ParamLeaseSeconds, strconv.FormatInt(int64(s.cfg.Lease/time.Second), 10))
	}
	return v
}

// post sends form to hub, re-POSTing on 307/308 redirects (bounded), and
// wants a 2xx answer. It waits its turn with the hub (see pacer) and, on a
// 429 or 503 with Retry-After, holds every request to the hub for that long.
func (s *Subscriber) post(ctx context.Context, hub string, form url.Values) error {
	release, err := s.pace.acquire(ctx, hub)
	if err != nil {
		var w errWaiting
		if errors.As(err, &w) {
			return &hubError{msg: fmt.Sprintf("subscriber: hub %s asked to wait: request held back", hub), busy: true, retry: w.wait}
		}
		return err
	}
	defer release()
	client := *s.cfg.Client
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	target := hub
	for range maxHubRedirects + 1 {
		resp, err := s.postOnce(ctx, &client, target, form)
		if err != nil {
			return err
		}
		switch resp.StatusCode {
		case http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			next, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
			if err != nil || safehttp.CheckURL(next) != nil {
				return fmt.Errorf("subscriber: hub %s redirected to a bad location %q", hub, resp.Header.Get("Location"))
			}
			target = next.String()
			continue
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			return s.held(hub, target, resp)
		}
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("subscriber: hub %s answered %s: %s", target, resp.Status, resp.reason)
		}
		return nil
	}
	return fmt.Errorf("subscriber: hub %s: more than %d redirects", hub, maxHubRedirects)
}

// held reads a 429 or 503 answer: its Retry-After (for a 429 without one,
// defaultWait) holds the hub, and the error says when to ask again.
func (s *Subscriber) held(hub, target string, resp hubResponse) error {
	busy := resp.StatusCode == http.StatusTooManyRequests
	wait, ok := retryAfter(resp.Header, s.now())
	if !ok && busy {
		wait, ok = defaultWait, true
	}
	msg := fmt.Sprintf("subscriber: hub %s answered %s: %s", target, resp.Status, resp.reason)
	if ok {
		s.pace.pause(hub, wait)
		msg = fmt.Sprintf("subscriber: hub %s answered %s (retry after %s): %s", target, resp.Status, wait, resp.reason)
	}
	return &hubError{msg: msg, busy: busy, sent: true, retry: wait}
}

type hubResponse struct {
	*http.Response
	reason string
}

func (s *Subscriber) postOnce(ctx context.Context, c *http.Client, target string, form url.Values) (hubResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return hubResponse{}, fmt.Errorf("subscriber: hub URL %q: %w", target, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return hubResponse{}, fmt.Errorf("subscriber: POST %s: %w", target, err)
	}
	defer resp.Body.Close()
	body, _ := safehttp.ReadAll(resp.Body, 4096)
	return hubResponse{resp, strings.TrimSpace(string(body))}, nil
}
