package subscriber

import (
	"cmp"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/rookery-social/rookery/aggregate/store"
	"github.com/rookery-social/rookery/internal/safehttp"
	"github.com/rookery-social/rookery/internal/websub"
)

// Routes adds the callbacks to r: GET and POST /websub/{id}, the hubs'
// verification of intent and their content deliveries.
func (s *Subscriber) Routes(r chi.Router) {
	r.Get("/websub/{id}", s.verify)
	r.Post("/websub/{id}", s.deliver)
}

// verify answers a hub's verification of intent (W3C WebSub §5.3): the
// challenge only when the id is a subscription we asked for, the topic is
// the one we asked for and the mode matches our intent; 404 otherwise.
// A denial (§5.2) marks the subscription denied and the feed polled.
func (s *Subscriber) verify(w http.ResponseWriter, r *http.Request) {
	ctx, q := r.Context(), r.URL.Query()
	sub, err := s.get(ctx, r.PathValue("id"))
	if err != nil {
		s.notFound(w, err, "verification for an unknown callback")
		return
	}
	mode, topic := q.Get(websub.ParamMode), q.Get(websub.ParamTopic)
	if topic != sub.Topic {
		s.log.Warn("verification with a wrong topic refused", "feed", sub.FeedURL, "topic", topic, "want", sub.Topic)
		http.NotFound(w, r)
		return
	}
	if mode == websub.ModeDenied && wantsSubscription(sub.State) {
		s.deny(w, r, sub)
		return
	}
	waiting, err := s.waiting(r, sub, mode)
	switch {
	case err != nil:
	case !waiting:
		s.log.Warn("verification for a request we are not waiting on refused", "feed", sub.FeedURL, "mode", mode, "state", sub.State)
		http.NotFound(w, r)
		return
	case mode == websub.ModeSubscribe:
		err = s.confirmSubscribe(r, sub)
	default:
		err = s.remove(ctx, sub.ID)
	}
	if err != nil {
		s.log.Error("verification", "feed", sub.FeedURL, "err", err)
		http.Error(w, "cannot record the verification now; try again", http.StatusInternalServerError)
		return
	}
	challenge := q.Get(websub.ParamChallenge)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte(challenge))
}

// waiting reports whether sub has a request of mode that we sent and
// still wait on (consuming it): only such a request is verified. The
// state must agree too: a subscribe intent, or an unsubscribe one.
func (s *Subscriber) waiting(r *http.Request, sub Subscription, mode string) (bool, error) {
	switch {
	case mode == websub.ModeSubscribe && wantsSubscription(sub.State):
	case mode == websub.ModeUnsubscribe && sub.State == StateUnsubscribing:
	default:
		return false, nil
	}
	if r.URL.Query().Get(websub.ParamChallenge) == "" {
		return false, nil
	}
	return s.settle(r.Context(), sub.ID, mode)
}

// wantsSubscription: a subscribe intent exists in these states.
func wantsSubscription(state string) bool {
	return state == StatePending || state == StateActive || state == StateFailed
}

func (s *Subscriber) notFound(w http.ResponseWriter, err error, what string) {
	if !errors.Is(err, errNoSubscription) {
		s.log.Error(what, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	s.log.Info(what + " refused")
	http.Error(w, "no such subscription", http.StatusNotFound)
}

// confirmSubscribe records an accepted subscription (or renewal) and its lease.
func (s *Subscriber) confirmSubscribe(r *http.Request, sub Subscription) error {
	if r.URL.Query().Get(websub.ParamChallenge) == "" {
		return errors.New("subscriber: verification without hub.challenge")
	}
	lease, err := strconv.ParseInt(r.URL.Query().Get(websub.ParamLeaseSeconds), 10, 64)
	if err != nil || lease <= 0 {
		lease = int64(s.cfg.Lease / time.Second)
	}
	now := s.now()
	sub.State, sub.LeaseSeconds, sub.attempts, sub.LastError = StateActive, lease, 0, ""
	sub.Expires = now.Add(time.Duration(lease) * time.Second)
	sub.NextAction = renewAt(now, time.Duration(lease)*time.Second)
	if err := s.save(r.Context(), sub); err != nil {
		return err
	}
	s.log.Info("subscription verified", "feed", sub.FeedURL, "hub", sub.Hub, "lease_seconds", lease)
	return s.setMode(r.Context(), sub, store.ModePush)
}

// deny records a hub's refusal and puts the feed back to polling.
func (s *Subscriber) deny(w http.ResponseWriter, r *http.Request, sub Subscription) {
	reason := r.URL.Query().Get(websub.ParamReason)
	s.log.Warn("hub denied subscription; polling instead", "feed", sub.FeedURL, "hub", sub.Hub, "reason", reason)
	sub.State, sub.Expires = StateDenied, time.Time{}
	sub.LastError = "denied by hub: " + reason
	sub.NextAction = s.now().Add(deniedRetry)
	err := s.save(r.Context(), sub)
	if err == nil {
		err = s.setMode(r.Context(), sub, store.ModePoll)
	}
	if err != nil {
		s.log.Error("recording denial", "feed", sub.FeedURL, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// deliver takes a content distribution (W3C WebSub §7, §8): a signed feed
// document stored at once. A missing or wrong signature is logged and the
// content ignored, with a 2xx answer so that a forger learns nothing and
// the hub does not retry. Signed content is accepted while we want the
// subscription (active, or pending a renewal); an unknown, denied or
// unsubscribed callback gets 410 Gone, which tells the hub to drop it.
func (s *Subscriber) deliver(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sub, err := s.get(ctx, r.PathValue("id"))
	if err == nil && !wantsSubscription(sub.State) {
		err = errNoSubscription // denied or being unsubscribed: tell the hub to stop
	}
	if err != nil {
		if errors.Is(err, errNoSubscription) {
			s.log.Info("delivery for an unknown or ended subscription refused")
			http.Error(w, "no such subscription", http.StatusGone)
			return
		}
		s.notFound(w, err, "delivery")
		return
	}
	body, err := safehttp.ReadAll(http.MaxBytesReader(w, r.Body, maxDeliveryBytes+1), maxDeliveryBytes)
	if err != nil {
		s.log.Warn("delivery too large or unreadable, ignored", "feed", sub.FeedURL, "err", err)
		http.Error(w, "body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	if err := websub.Verify(r.Header.Get(websub.HeaderSignature), []byte(sub.secret), body); err != nil {
		s.log.Warn("delivery with a bad or missing signature ignored", "feed", sub.FeedURL, "hub", sub.Hub, "err", err)
		w.WriteHeader(http.StatusAccepted)
		return
	}
	s.ingest(w, r, sub, body)
}

// ingest hands a verified delivery to the store. A store failure gets a
// 5xx so that the hub retries later (at-least-once).
func (s *Subscriber) ingest(w http.ResponseWriter, r *http.Request, sub Subscription, body []byte) {
	ctx := r.Context()
	n, stored, err := s.storeDelivery(r, sub, body)
	if err != nil {
		s.log.Error("storing a delivery failed", "feed", sub.FeedURL, "err", err)
		http.Error(w, "cannot store the content now; retry later", http.StatusServiceUnavailable)
		return
	}
	s.log.Info("delivery stored", "feed", sub.FeedURL, "kind", cmp.Or(sub.Kind, KindFeed), "entries", n, "new_or_changed", stored)
	if _, err := s.db.ExecContext(ctx, `UPDATE subscriber_subscriptions SET last_delivery_at = ? WHERE id = ?`,
		s.now().Unix(), sub.ID); err != nil {
		s.log.Error("recording a delivery", "feed", sub.FeedURL, "err", err)
	}
	w.WriteHeader(http.StatusNoContent)
}
