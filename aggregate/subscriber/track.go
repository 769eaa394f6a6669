package subscriber

import (
	"context"
	"fmt"
	"net/http"

	"github.com/rookery-social/rookery/internal/websub"
)

// trackedJobs returns the subscribing of the tracked topics that have no
// subscription yet and adds every tracked topic to wanted, so that Sync
// keeps them.
func (s *Subscriber) trackedJobs(ctx context.Context, live, wanted map[string]bool) ([]job, error) {
	if s.cfg.Tracks == nil {
		return nil, nil
	}
	topics, err := s.cfg.Tracks.TrackedTopics(ctx)
	if err != nil {
		return nil, fmt.Errorf("subscriber: list tracked topics: %w", err)
	}
	var jobs []job
	for _, t := range topics {
		wanted[t.Topic] = true
		if !live[t.Topic] {
			jobs = append(jobs, job{t.Hub, func(ctx context.Context) error { return s.subscribeTracked(ctx, t) }})
		}
	}
	return jobs, nil
}

// subscribeTracked creates the subscription of a tracked topic.
func (s *Subscriber) subscribeTracked(ctx context.Context, t TrackedTopic) error {
	sub := Subscription{ID: newID(), FeedURL: t.Topic, Topic: t.Topic, Hub: t.Hub,
		State: StatePending, Kind: KindTrack, secret: newSecret()}
	if err := s.insert(ctx, sub); err != nil {
		return err
	}
	orig := sub
	s.request(ctx, &sub, websub.ModeSubscribe)
	return s.saveAfterRequest(ctx, orig, sub)
}

// setMode tells the store how a followed feed arrives; tracked topics are
// no feeds of the store.
func (s *Subscriber) setMode(ctx context.Context, sub Subscription, mode string) error {
	if sub.Kind == KindTrack {
		return nil
	}
	return s.store.SetMode(ctx, sub.FeedURL, mode)
}

// storeDelivery stores a verified delivery: a followed feed's document under the
// feed, a tracked topic's through Config.Tracks. It returns the entries
// seen and stored.
func (s *Subscriber) storeDelivery(r *http.Request, sub Subscription, body []byte) (int, int, error) {
	ct := r.Header.Get("Content-Type")
	if sub.Kind == KindTrack {
		if s.cfg.Tracks == nil {
			return 0, 0, fmt.Errorf("subscriber: a tracked topic's delivery but no tracking configured")
		}
		n, err := s.cfg.Tracks.DeliverTracked(r.Context(), sub.Topic, ct, body)
		return n, n, err
	}
	res, err := s.store.Ingest(r.Context(), sub.FeedURL, ct, body)
	return len(res.Posts), res.Stored, err
}
