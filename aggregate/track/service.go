package track

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/rookery-social/rookery/aggregate/feedparse"
	"github.com/rookery-social/rookery/aggregate/store"
	"github.com/rookery-social/rookery/aggregate/subscriber"
)

// Store is what the service needs of the reader's core; the core
// (*aggregate.Reader) provides it.
type Store interface {
	// IngestConfirmed stores under feedURL only the entries with the
	// given ids of a document fetched from feedURL itself.
	IngestConfirmed(ctx context.Context, feedURL, contentType string, body []byte, ids []string) (store.IngestResult, error)
	// Blocked reports whether a feed URL (or its domain) is blocked.
	Blocked(ctx context.Context, feedURL string) (bool, error)
	// SubscribableFeeds lists the followed feeds, whose rel=self the
	// service maps origins to.
	SubscribableFeeds(ctx context.Context) ([]store.Feed, error)
}

// Limits of the confirmations, and their defaults.
const (
	defaultOriginsPerDelivery = 10  // origins of one delivery kept (and so fetched)
	defaultFetchesPerHour     = 120 // origin fetches in any hour
	maxChecks                 = 8   // looks at an origin for an entry before giving up
	maxOriginBytes            = 8 << 20
	originTimeout             = 30 * time.Second
	confirmBatch              = 20
	confirmIdle               = 30 * time.Second
)

// Config configures a Service.
type Config struct {
	// Client fetches origin feeds to confirm entries. Use a safehttp
	// client: hubs choose these URLs.
	Client *http.Client
	// Logger receives one line per event; default discards.
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// OriginsPerDelivery bounds the origin feeds one delivery may name
	// (their entries are kept, the rest dropped); default 10.
	OriginsPerDelivery int
	// FetchesPerHour bounds the origin fetches made in any hour; default 120.
	FetchesPerHour int
}

// Service gives the daemon's subscriber the tracked topics and takes
// their deliveries. A delivered entry is kept apart, unconfirmed, as the
// hub sent it; it becomes its origin feed's post only when the reader
// has fetched the origin itself and found the entry there with the same
// content, and what is stored is then the origin's own version (Run or
// ConfirmDue does this in the background).
type Service struct {
	tr   *Tracker
	st   Store
	cfg  Config
	log  *slog.Logger
	wake chan struct{}

	mu      sync.Mutex
	fetches []time.Time // origin fetches of the last hour
}

var _ subscriber.Tracks = (*Service)(nil)

// NewService returns a Service storing confirmed posts through st.
func NewService(tr *Tracker, st Store, cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.OriginsPerDelivery <= 0 {
		cfg.OriginsPerDelivery = defaultOriginsPerDelivery
	}
	if cfg.FetchesPerHour <= 0 {
		cfg.FetchesPerHour = defaultFetchesPerHour
	}
	if tr.Now == nil {
		tr.Now = cfg.Now
	}
	return &Service{tr: tr, st: st, cfg: cfg, log: cfg.Logger.With("component", "track"), wake: make(chan struct{}, 1)}
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

// DeliverTracked splits a delivered track document by the origin feed
// each entry claims and keeps the entries, unconfirmed, for ConfirmDue to
// check against their origins. Entries of blocked feeds or domains, and
// of origins past Config.OriginsPerDelivery, are dropped. It returns how
// many entries it kept.
func (s *Service) DeliverTracked(ctx context.Context, topic, contentType string, body []byte) (int, error) {
	origins, ns, err := Split(body)
	if err != nil {
		return 0, err
	}
	hub, err := s.hubOf(ctx, topic)
	if err != nil {
		return 0, err
	}
	known, err := s.knownFeeds(ctx)
	if err != nil {
		return 0, err
	}
	if len(origins) > s.cfg.OriginsPerDelivery {
		s.log.Warn("tracked delivery names too many origin feeds; the rest dropped", "topic", topic,
			"origins", len(origins), "kept", s.cfg.OriginsPerDelivery)
		origins = origins[:s.cfg.OriginsPerDelivery]
	}
	var n int
	for _, o := range origins {
		m, err := s.keep(ctx, topic, hub, o, ns, known)
		if err != nil {
			return n, err
		}
		n += m
	}
	if n > 0 {
		s.Wake()
	}
	return n, nil
}

// Wake makes Run look for due confirmations now.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Service) hubOf(ctx context.Context, topic string) (string, error) {
	var hub string
	err := s.tr.db.QueryRowContext(ctx, `SELECT hub FROM track_queries WHERE topic = ?`, topic).Scan(&hub)
	if err != nil {
		return "", fmt.Errorf("track: hub of topic %s: %w", topic, err)
	}
	return hub, nil
}

// keep records each entry of one origin, unconfirmed, as delivered.
func (s *Service) keep(ctx context.Context, topic, hub string, o Origin, ns []xml.Attr, known map[string]string) (int, error) {
	if blocked, err := s.st.Blocked(ctx, o.Feed); err != nil || blocked {
		if blocked {
			s.log.Info("tracked entries of a blocked feed dropped", "feed", o.Feed, "entries", len(o.Entries))
		}
		return 0, err
	}
	feedURL := o.Feed
	if u, ok := known[o.Feed]; ok {
		feedURL = u
	}
	p := feedparse.NewParser(0)
	n := 0
	for _, raw := range o.Entries {
		one := Origin{Feed: o.Feed, ID: o.ID, Title: o.Title, Entries: [][]byte{raw}}
		doc := one.Document(ns, nil)
		f, err := p.Parse(doc, nil, o.Feed)
		if err != nil || len(f.Entries) != 1 {
			s.log.Info("tracked entry unreadable, dropped", "topic", topic, "feed", o.Feed, "err", err)
			continue
		}
		e := f.Entries[0]
		if err := s.tr.keep(ctx, topic, hub, feedURL, entryKey(e), doc, contentDigest(e)); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// knownFeeds maps the followed feeds' rel=self to their URL.
func (s *Service) knownFeeds(ctx context.Context) (map[string]string, error) {
	feeds, err := s.st.SubscribableFeeds(ctx)
	if err != nil {
		return nil, fmt.Errorf("track: %w", err)
	}
	out := map[string]string{}
	for _, f := range feeds {
		out[f.URL] = f.URL
		if f.Self != "" {
			out[f.Self] = f.URL
		}
	}
	return out, nil
}

// entryKey is the id a stored entry is named by.
func entryKey(e feedparse.Entry) string {
	if e.ID != "" {
		return e.ID
	}
	return e.Key
}

// contentDigest identifies what an entry says: its title, text and
// permalink, as read by the reader (so that a hub's re-serialization of
// the same entry gives the same digest).
func contentDigest(e feedparse.Entry) string {
	h := sha256.New()
	for _, s := range []string{e.Title, e.Text, e.URL} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
