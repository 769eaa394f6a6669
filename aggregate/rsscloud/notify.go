package rsscloud

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/rookery-social/rookery/internal/sqlitedb"
)

const columns = `feed_url, cloud, checked_at, state, registered_at, expires_at, next_at, attempts,
	pending_until, last_notify_at, last_error`

func scan(row interface{ Scan(...any) error }) (Registration, error) {
	var r Registration
	var checked, registered, expires, next, pending, notified int64
	err := row.Scan(&r.FeedURL, &r.Cloud, &checked, &r.State, &registered, &expires, &next, &r.attempts,
		&pending, &notified, &r.LastError)
	r.checked, r.Registered, r.Expires = sqlitedb.FromUnix(checked), sqlitedb.FromUnix(registered), sqlitedb.FromUnix(expires)
	r.NextAction, r.pendingUntil, r.LastNotify = sqlitedb.FromUnix(next), sqlitedb.FromUnix(pending), sqlitedb.FromUnix(notified)
	return r, err
}

// List returns every feed's rssCloud state, by feed URL.
func (s *Subscriber) List(ctx context.Context) ([]Registration, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+columns+` FROM rsscloud_feeds ORDER BY feed_url`)
	if err != nil {
		return nil, fmt.Errorf("rsscloud: list: %w", err)
	}
	defer rows.Close()
	var out []Registration
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("rsscloud: list: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *Subscriber) get(ctx context.Context, feedURL string) (Registration, error) {
	return scan(s.db.QueryRowContext(ctx, `SELECT `+columns+` FROM rsscloud_feeds WHERE feed_url = ?`, feedURL))
}

func (s *Subscriber) save(ctx context.Context, r Registration) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO rsscloud_feeds(`+columns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(feed_url) DO UPDATE SET cloud = excluded.cloud, checked_at = excluded.checked_at,
		state = excluded.state, registered_at = excluded.registered_at, expires_at = excluded.expires_at,
		next_at = excluded.next_at, attempts = excluded.attempts, pending_until = excluded.pending_until,
		last_error = excluded.last_error`,
		r.FeedURL, r.Cloud, sqlitedb.ToUnix(r.checked), r.State, sqlitedb.ToUnix(r.Registered), sqlitedb.ToUnix(r.Expires),
		sqlitedb.ToUnix(r.NextAction), r.attempts, sqlitedb.ToUnix(r.pendingUntil), sqlitedb.ToUnix(r.LastNotify), r.LastError)
	if err != nil {
		return fmt.Errorf("rsscloud: save the registration of %s: %w", r.FeedURL, err)
	}
	return nil
}

// forget drops a feed's registration; the cloud lets it lapse (and a
// notify for it is answered 410 Gone meanwhile).
func (s *Subscriber) forget(ctx context.Context, feedURL string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM rsscloud_feeds WHERE feed_url = ?`, feedURL); err != nil {
		return fmt.Errorf("rsscloud: forget %s: %w", feedURL, err)
	}
	return nil
}

// Clouds returns the registration of each followed feed known to offer
// an rssCloud (and no hub), by feed URL, reading db only: for listings
// made without the daemon. A database the daemon never ran on has none.
func Clouds(ctx context.Context, db *sql.DB) (map[string]Registration, error) {
	out := map[string]Registration{}
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'rsscloud_feeds'`).Scan(&n)
	if err != nil || n == 0 {
		return out, wrapList(err)
	}
	rows, err := db.QueryContext(ctx, `SELECT `+columns+` FROM rsscloud_feeds WHERE cloud <> ''`)
	if err != nil {
		return nil, wrapList(err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, wrapList(err)
		}
		out[r.FeedURL] = r
	}
	return out, wrapList(rows.Err())
}

func wrapList(err error) error {
	if err != nil {
		return fmt.Errorf("rsscloud: list clouds: %w", err)
	}
	return nil
}

// Routes adds GET and POST NotifyPath to r.
func (s *Subscriber) Routes(r chi.Router) {
	r.Get(NotifyPath, s.challenge)
	r.Post(NotifyPath, s.notify)
}

// challenge answers a cloud's check of a registration: the challenge is
// echoed only for a feed registered, or being registered, by this daemon.
func (s *Subscriber) challenge(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	feed, challenge := q.Get("url"), q.Get("challenge")
	if feed == "" || challenge == "" {
		http.Error(w, "rsscloud: give url and challenge", http.StatusBadRequest)
		return
	}
	reg, err := s.get(r.Context(), feed)
	now := s.now()
	if err != nil || reg.Cloud == "" || (reg.pendingUntil.Before(now) && reg.State != StateActive) {
		http.Error(w, "rsscloud: no registration of this feed was asked for", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, challenge)
}

// notify takes a cloud's notification (url=FEED): the feed is fetched
// soon with a conditional GET. A feed not followed through rssCloud is
// answered 410 Gone, which ends a cloud's registration.
func (s *Subscriber) notify(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	feed := r.PostFormValue("url")
	if feed == "" {
		http.Error(w, "rsscloud: give url=FEED", http.StatusBadRequest)
		return
	}
	reg, err := s.get(r.Context(), feed)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && reg.Cloud == "") {
		http.Error(w, "rsscloud: this reader does not follow that feed through rssCloud", http.StatusGone)
		return
	}
	if err != nil {
		http.Error(w, "rsscloud: database unavailable", http.StatusServiceUnavailable)
		return
	}
	s.db.ExecContext(r.Context(), `UPDATE rsscloud_feeds SET last_notify_at = ? WHERE feed_url = ?`, s.now().Unix(), feed)
	s.enqueue(feed)
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, "thanks\n")
}

func (s *Subscriber) enqueue(feed string) {
	s.mu.Lock()
	s.queued[feed] = true
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run fetches notified feeds, one at a time, until ctx ends. Notifications
// of a feed that arrive before its fetch starts are one fetch.
func (s *Subscriber) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		}
		for {
			feed, ok := s.next()
			if !ok || ctx.Err() != nil {
				break
			}
			fctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			err := s.cfg.Fetch(fctx, feed)
			cancel()
			if err != nil {
				s.log.Warn("fetching a notified feed", "feed", feed, "err", err)
			} else {
				s.log.Info("fetched a notified feed", "feed", feed)
			}
		}
	}
}

func (s *Subscriber) next() (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for feed := range s.queued {
		delete(s.queued, feed)
		return feed, true
	}
	return "", false
}
