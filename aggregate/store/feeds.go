package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rookery-social/rookery/internal/sqlitedb"
)

// How a feed arrives (Feed.Mode).
const (
	ModePush = "push" // a verified WebSub subscription delivers it
	ModePoll = "poll" // it is polled on the normal schedule
)

// Feed is a stored feed, followed or not.
type Feed struct {
	ID           int64
	URL          string
	Nick         string
	Title        string
	SiteURL      string
	Followed     bool
	Mode         string // ModePush or ModePoll
	Hubs         []string
	Self         string
	ETag         string
	LastModified string
	LastFetch    time.Time // zero if never fetched
	LastError    string
	Failures     int
	NextFetch    time.Time
	Gone         bool
	Posts        int
	Unread       int // posts not yet read (Feeds only)
}

const feedCols = `f.id, f.url, COALESCE(f.nick, ''), f.title, f.site_url, f.followed, f.mode, f.hubs, f.self,
	f.etag, f.last_modified, f.last_fetch, f.last_error, f.failures, f.next_fetch, f.gone`

func scanFeed(sc interface{ Scan(...any) error }, extra ...any) (Feed, error) {
	var f Feed
	var hubs string
	var lastFetch, next int64
	dest := []any{&f.ID, &f.URL, &f.Nick, &f.Title, &f.SiteURL, &f.Followed, &f.Mode, &hubs, &f.Self,
		&f.ETag, &f.LastModified, &lastFetch, &f.LastError, &f.Failures, &next, &f.Gone}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return f, err
	}
	if hubs != "" {
		f.Hubs = strings.Split(hubs, "\n")
	}
	f.LastFetch = sqlitedb.FromUnix(lastFetch)
	f.NextFetch = sqlitedb.FromUnix(next)
	return f, nil
}

func (s *Store) feedWhere(ctx context.Context, where string, args ...any) (Feed, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+feedCols+` FROM feeds f WHERE `+where, args...)
	f, err := scanFeed(row)
	if errors.Is(err, sql.ErrNoRows) {
		return f, ErrNotFound
	}
	if err != nil {
		return f, fmt.Errorf("store: feed: %w", err)
	}
	return f, nil
}

// FeedByURL returns the feed stored under url (or whose self link is url).
func (s *Store) FeedByURL(ctx context.Context, url string) (Feed, error) {
	f, err := s.feedWhere(ctx, `f.url = ?`, url)
	if errors.Is(err, ErrNotFound) && url != "" {
		return s.feedWhere(ctx, `f.self = ? ORDER BY f.followed DESC LIMIT 1`, url)
	}
	return f, err
}

// FeedByKey finds a feed by nick or URL.
func (s *Store) FeedByKey(ctx context.Context, key string) (Feed, error) {
	f, err := s.feedWhere(ctx, `f.nick = ?`, strings.TrimPrefix(key, "@"))
	if errors.Is(err, ErrNotFound) {
		return s.FeedByURL(ctx, key)
	}
	return f, err
}

// FeedByID returns a feed by its row id.
func (s *Store) FeedByID(ctx context.Context, id int64) (Feed, error) {
	return s.feedWhere(ctx, `f.id = ?`, id)
}

// EnsureFeed returns the feed stored under url, creating an unfollowed one.
func (s *Store) EnsureFeed(ctx context.Context, url string) (Feed, error) {
	f, err := s.FeedByURL(ctx, url)
	if !errors.Is(err, ErrNotFound) {
		return f, err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO feeds(url, created) VALUES(?, ?) ON CONFLICT(url) DO NOTHING`,
			url, s.now().Unix())
		return err
	})
	if err != nil {
		return f, fmt.Errorf("store: add feed %s: %w", url, err)
	}
	return s.FeedByURL(ctx, url)
}

// Follow marks a feed followed with a nick ("" keeps the current one).
// A nick already used by another feed is an error.
func (s *Store) Follow(ctx context.Context, id int64, nick string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE feeds SET followed = 1, gone = 0,
			nick = COALESCE(NULLIF(?, ''), nick) WHERE id = ?`, nick, id)
		if err != nil && strings.Contains(err.Error(), "UNIQUE") {
			return fmt.Errorf("store: the nick %q is already taken by another feed; choose another with --nick", nick)
		}
		if err != nil {
			return fmt.Errorf("store: follow: %w", err)
		}
		return nil
	})
}

// Unfollow stops following a feed; its posts stay for threads and mentions.
func (s *Store) Unfollow(ctx context.Context, id int64) error {
	return s.exec(ctx, `UPDATE feeds SET followed = 0, nick = NULL WHERE id = ?`, id)
}

func (s *Store) exec(ctx context.Context, q string, args ...any) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		return nil
	})
}

// Feeds lists feeds (followed ones only if followedOnly) by nick and URL,
// with their post counts.
func (s *Store) Feeds(ctx context.Context, followedOnly bool) ([]Feed, error) {
	q := `SELECT ` + feedCols + `, (SELECT count(*) FROM posts p WHERE p.feed_id = f.id),
		(SELECT count(*) FROM posts p WHERE p.feed_id = f.id AND p.unread = 1) FROM feeds f`
	if followedOnly {
		q += ` WHERE f.followed = 1`
	}
	q += ` ORDER BY COALESCE(f.nick, f.url), f.url`
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: feeds: %w", err)
	}
	defer rows.Close()
	var out []Feed
	var f0 Feed // the counts
	for rows.Next() {
		f, err := scanFeed(rows, &f0.Posts, &f0.Unread)
		if err != nil {
			return nil, fmt.Errorf("store: feeds: %w", err)
		}
		f.Posts, f.Unread = f0.Posts, f0.Unread
		out = append(out, f)
	}
	return out, rows.Err()
}

// DueFeeds lists followed feeds that are not gone and whose next fetch is at
// or before now.
func (s *Store) DueFeeds(ctx context.Context, now time.Time) ([]Feed, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+feedCols+` FROM feeds f
		WHERE f.followed = 1 AND f.gone = 0 AND f.next_fetch <= ? ORDER BY f.next_fetch`, now.Unix())
	if err != nil {
		return nil, fmt.Errorf("store: due feeds: %w", err)
	}
	defer rows.Close()
	var out []Feed
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, fmt.Errorf("store: due feeds: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// FetchState is what one fetch attempt leaves on a feed.
type FetchState struct {
	ETag, LastModified string
	LastFetch          time.Time
	LastError          string
	Failures           int
	NextFetch          time.Time
	Gone               bool
}

// SetFetchState records the outcome of a fetch.
func (s *Store) SetFetchState(ctx context.Context, id int64, st FetchState) error {
	return s.write(ctx, func(tx *sql.Tx) error { return setFetchState(ctx, tx, id, st) })
}

func setFetchState(ctx context.Context, tx *sql.Tx, id int64, st FetchState) error {
	_, err := tx.ExecContext(ctx, `UPDATE feeds SET etag = ?, last_modified = ?, last_fetch = ?, last_error = ?,
		failures = ?, next_fetch = ?, gone = ? WHERE id = ?`,
		st.ETag, st.LastModified, sqlitedb.ToUnix(st.LastFetch), st.LastError, st.Failures, sqlitedb.ToUnix(st.NextFetch), st.Gone, id)
	if err != nil {
		return fmt.Errorf("store: fetch state: %w", err)
	}
	return nil
}

// SetMode records whether a feed arrives by WebSub push or by polling.
func (s *Store) SetMode(ctx context.Context, id int64, mode string) error {
	return s.exec(ctx, `UPDATE feeds SET mode = ? WHERE id = ?`, mode, id)
}

// MoveFeed changes a feed's URL after a permanent redirect. If another row
// already holds newURL, the posts of this one move there and this one is
// removed; the returned id is the surviving feed's.
func (s *Store) MoveFeed(ctx context.Context, id int64, newURL string) (int64, error) {
	survivor := id
	err := s.write(ctx, func(tx *sql.Tx) error {
		var other int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM feeds WHERE url = ?`, newURL).Scan(&other)
		if errors.Is(err, sql.ErrNoRows) {
			_, err = tx.ExecContext(ctx, `UPDATE feeds SET url = ? WHERE id = ?`, newURL, id)
			return err
		}
		if err != nil || other == id {
			return err
		}
		survivor = other
		return mergeFeed(ctx, tx, id, other)
	})
	if err != nil {
		return id, fmt.Errorf("store: move feed to %s: %w", newURL, err)
	}
	return survivor, nil
}

func mergeFeed(ctx context.Context, tx *sql.Tx, from, to int64) error {
	stmts := []string{
		`DELETE FROM posts WHERE feed_id = ?1 AND guid IN (SELECT guid FROM posts WHERE feed_id = ?2)`,
		`UPDATE posts SET feed_id = ?2 WHERE feed_id = ?1`,
		`INSERT INTO tombstones(feed_id, ref, deleted) SELECT ?2, ref, deleted FROM tombstones WHERE feed_id = ?1
			ON CONFLICT DO UPDATE SET deleted = max(deleted, excluded.deleted)`,
		`UPDATE feeds SET followed = max(followed, (SELECT followed FROM feeds WHERE id = ?1)) WHERE id = ?2`,
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q, from, to); err != nil {
			return err
		}
	}
	nick := ""
	_ = tx.QueryRowContext(ctx, `SELECT COALESCE(nick, '') FROM feeds WHERE id = ?`, from).Scan(&nick)
	if _, err := tx.ExecContext(ctx, `DELETE FROM feeds WHERE id = ?`, from); err != nil {
		return err
	}
	if nick != "" {
		_, err := tx.ExecContext(ctx, `UPDATE feeds SET nick = COALESCE(nick, ?) WHERE id = ?`, nick, to)
		return err
	}
	return nil
}

// SetTitleIfEmpty gives a feed a title (from an imported list) until its
// own document gives one.
func (s *Store) SetTitleIfEmpty(ctx context.Context, id int64, title string) error {
	return s.exec(ctx, `UPDATE feeds SET title = ? WHERE id = ? AND title = ''`, title, id)
}

// FeedProfile is what a feed says of its author, and how many of its
// posts are stored.
type FeedProfile struct {
	Author, Bio, Avatar string
	Posts               int
}

// FeedProfile reads the profile of feed #id.
func (s *Store) FeedProfile(ctx context.Context, id int64) (FeedProfile, error) {
	var p FeedProfile
	err := s.db.QueryRowContext(ctx, `SELECT author, bio, avatar, (SELECT count(*) FROM posts WHERE feed_id = ?1)
		FROM feeds WHERE id = ?1`, id).Scan(&p.Author, &p.Bio, &p.Avatar, &p.Posts)
	if err != nil {
		return p, fmt.Errorf("store: unable to read the profile of feed #%d: %w", id, err)
	}
	return p, nil
}
