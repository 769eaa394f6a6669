package track

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/rookery-social/rookery/aggregate/feedparse"
	"github.com/rookery-social/rookery/internal/safehttp"
)

// errBudget means the hourly bound of origin fetches is reached.
var errBudget = errors.New("track: origin fetches per hour reached")

// Run confirms tracked entries until ctx ends: at once when a delivery
// arrives, and every half minute for checks that come due.
func (s *Service) Run(ctx context.Context) error {
	for {
		if _, err := s.ConfirmDue(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("tracked entries confirmation", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-time.After(confirmIdle):
		}
	}
}

// ConfirmDue fetches the origin feeds of due unconfirmed entries (one
// fetch per origin, within Config.FetchesPerHour) and confirms the
// entries found there with the same content, storing the origin's own
// version of them. It returns how many entries it confirmed.
func (s *Service) ConfirmDue(ctx context.Context) (int, error) {
	origins, err := s.tr.dueOrigins(ctx, confirmBatch)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, feedURL := range origins {
		m, err := s.confirmOrigin(ctx, feedURL)
		n += m
		if errors.Is(err, errBudget) {
			s.log.Warn("origin fetches per hour reached; confirmations wait", "limit", s.cfg.FetchesPerHour)
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// confirmOrigin fetches one origin and settles its due entries.
func (s *Service) confirmOrigin(ctx context.Context, feedURL string) (int, error) {
	due, err := s.tr.pendingOf(ctx, feedURL)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	if !s.spend() {
		return 0, errBudget
	}
	body, ct, found, err := s.fetchOrigin(ctx, feedURL)
	if err != nil {
		s.log.Info("origin fetch failed; tracked entries stay unconfirmed", "feed", feedURL, "err", err)
	}
	var ok []int64
	var ids []string
	for _, p := range due {
		e, has := found[p.entryID]
		if has && (p.digest == "" || p.digest == contentDigest(e)) {
			ok, ids = append(ok, p.id), append(ids, p.entryID)
			continue
		}
		if err := s.tr.later(ctx, p); err != nil {
			return 0, err
		}
	}
	if len(ok) == 0 {
		return 0, nil
	}
	if _, err := s.st.IngestConfirmed(ctx, feedURL, ct, body, ids); err != nil {
		return 0, fmt.Errorf("track: store confirmed entries of %s: %w", feedURL, err)
	}
	s.log.Info("tracked entries confirmed by their origin", "feed", feedURL, "entries", len(ok))
	return len(ok), s.tr.confirm(ctx, ok)
}

// spend takes one origin fetch from the hourly budget, if any is left.
func (s *Service) spend() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	kept := s.fetches[:0]
	for _, t := range s.fetches {
		if now.Sub(t) < time.Hour {
			kept = append(kept, t)
		}
	}
	s.fetches = kept
	if len(s.fetches) >= s.cfg.FetchesPerHour {
		return false
	}
	s.fetches = append(s.fetches, now)
	return true
}

// fetchOrigin GETs the origin feed and reads its entries by id.
func (s *Service) fetchOrigin(ctx context.Context, feedURL string) ([]byte, string, map[string]feedparse.Entry, error) {
	if s.cfg.Client == nil {
		return nil, "", nil, errors.New("track: no HTTP client to fetch origins")
	}
	ctx, cancel := context.WithTimeout(ctx, originTimeout)
	defer cancel()
	header := http.Header{"Accept": {"application/atom+xml, application/rss+xml, application/feed+json, application/xml;q=0.9"}}
	resp, body, err := safehttp.Get(ctx, s.cfg.Client, feedURL, header, maxOriginBytes)
	if err != nil {
		return nil, "", nil, fmt.Errorf("track: fetch origin %s: %w", feedURL, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", nil, fmt.Errorf("track: fetch origin %s: status %s", feedURL, resp.Status)
	}
	ct := resp.Header.Get("Content-Type")
	f, err := feedparse.NewParser(0).Parse(body, resp.Header, feedURL)
	if err != nil {
		return nil, "", nil, fmt.Errorf("track: origin %s: %w", feedURL, err)
	}
	found := make(map[string]feedparse.Entry, len(f.Entries))
	for _, e := range f.Entries {
		found[entryKey(e)] = e
	}
	return body, ct, found, nil
}
