package track

import (
	"context"
	"encoding/xml"
	"fmt"
	"log/slog"

	"github.com/rookery-social/rookery/aggregate/store"
	"github.com/rookery-social/rookery/aggregate/subscriber"
)

// Store is what the service needs of the reader's core; the core
// (*aggregate.Reader) provides it.
type Store interface {
	// Ingest parses a feed document for feedURL and upserts its entries.
	Ingest(ctx context.Context, feedURL, contentType string, body []byte) (store.IngestResult, error)
	// Blocked reports whether a feed URL (or its domain) is blocked.
	Blocked(ctx context.Context, feedURL string) (bool, error)
	// SubscribableFeeds lists the followed feeds, whose hubs and
	// rel=self the service maps origins to.
	SubscribableFeeds(ctx context.Context) ([]store.Feed, error)
}

// Service gives the daemon's subscriber the tracked topics and stores
// their deliveries: each entry as an ordinary post under its origin feed,
// keeping its atom:id, and a record of the query that brought it.
type Service struct {
	tr  *Tracker
	st  Store
	log *slog.Logger
}

var _ subscriber.Tracks = (*Service)(nil)

// NewService returns a Service storing posts through st.
func NewService(tr *Tracker, st Store, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{tr: tr, st: st, log: log}
}

// TrackedTopics lists the tracked topics to subscribe to.
func (s *Service) TrackedTopics(ctx context.Context) ([]subscriber.TrackedTopic, error) {
	list, err := s.tr.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]subscriber.TrackedTopic, 0, len(list))
	for _, tp := range list {
		out = append(out, subscriber.TrackedTopic{Topic: tp.Topic, Hub: tp.Hub})
	}
	return out, nil
}

// DeliverTracked splits a delivered track document by origin feed and
// ingests each part under its origin. Entries of blocked feeds or
// domains are dropped. It returns how many entries it stored.
func (s *Service) DeliverTracked(ctx context.Context, topic, contentType string, body []byte) (int, error) {
	origins, ns, err := Split(body)
	if err != nil {
		return 0, err
	}
	known, err := s.knownFeeds(ctx)
	if err != nil {
		return 0, err
	}
	var n int
	for _, o := range origins {
		m, err := s.ingest(ctx, topic, o, ns, known)
		if err != nil {
			return n, err
		}
		n += m
	}
	return n, nil
}

func (s *Service) ingest(ctx context.Context, topic string, o Origin, ns []xml.Attr, known map[string]store.Feed) (int, error) {
	if blocked, err := s.st.Blocked(ctx, o.Feed); err != nil || blocked {
		if blocked {
			s.log.Info("tracked entries of a blocked feed dropped", "feed", o.Feed, "entries", len(o.Entries))
		}
		return 0, err
	}
	feedURL, hubs := o.Feed, []string(nil)
	if f, ok := known[o.Feed]; ok {
		feedURL, hubs = f.URL, f.Hubs
	}
	res, err := s.st.Ingest(ctx, feedURL, "application/atom+xml", o.Document(ns, hubs))
	if err != nil {
		return 0, fmt.Errorf("track: store entries of %s: %w", o.Feed, err)
	}
	return len(res.Posts), s.tr.Record(ctx, topic, res.Posts)
}

// knownFeeds maps the followed feeds by URL and by rel=self.
func (s *Service) knownFeeds(ctx context.Context) (map[string]store.Feed, error) {
	feeds, err := s.st.SubscribableFeeds(ctx)
	if err != nil {
		return nil, fmt.Errorf("track: %w", err)
	}
	out := map[string]store.Feed{}
	for _, f := range feeds {
		out[f.URL] = f
		if f.Self != "" {
			out[f.Self] = f
		}
	}
	return out, nil
}
