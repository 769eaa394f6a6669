package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rookery-social/rookery/aggregate/feedparse"
)

// Post is a stored post with what listings show of it.
type Post struct {
	RowID       int64
	FeedID      int64
	ID          string // entry id as published (or the de-duplication key)
	URL         string
	Feed        string // feed URL
	FeedTitle   string
	Nick        string
	Author      string
	Title       string
	Published   time.Time
	Updated     time.Time
	HTML        string
	Text        string
	InReplyTo   string // parent's id (thr:in-reply-to ref), or ""
	ReplyHref   string
	ReplySource string
	Mentions    []string
	Tags        []string
	Snippet     string // search only
	Enclosures  []feedparse.Enclosure
	// Undated is true when the entry has no date of its own: Published
	// is when it was first seen.
	Undated bool
	// Kind is feedparse.KindRepost, KindQuote or KindLike when the post
	// reposts, quotes or likes the post Of; "" otherwise.
	Kind   string
	Of     feedparse.Cited
	Unread bool
}

const postCols = `p.id, p.feed_id, p.entry_id, p.url, f.url, f.title, COALESCE(f.nick, ''), p.author, p.title,
	p.published, p.updated, p.html, p.text,
	COALESCE(r.ref, ''), COALESCE(r.href, ''), COALESCE(r.source, ''),
	COALESCE((SELECT group_concat(m.url, char(10)) FROM post_mentions m WHERE m.post_id = p.id AND m.kind = 0), ''),
	COALESCE((SELECT group_concat(t.tag, char(10)) FROM post_tags t WHERE t.post_id = p.id), ''), p.enclosures, p.undated, p.unread,
	COALESCE((SELECT c.kind || char(10) || c.ref || char(10) || c.href FROM post_cites c WHERE c.post_id = p.id), '')`

const postFrom = ` FROM posts p JOIN feeds f ON f.id = p.feed_id LEFT JOIN replies r ON r.post_id = p.id `

func scanPost(sc interface{ Scan(...any) error }, extra ...any) (Post, error) {
	var p Post
	var pub, upd int64
	var mentions, tags, encl, cite string
	dest := []any{&p.RowID, &p.FeedID, &p.ID, &p.URL, &p.Feed, &p.FeedTitle, &p.Nick, &p.Author, &p.Title,
		&pub, &upd, &p.HTML, &p.Text, &p.InReplyTo, &p.ReplyHref, &p.ReplySource, &mentions, &tags, &encl, &p.Undated, &p.Unread, &cite}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return p, err
	}
	p.Published, p.Updated = time.Unix(pub, 0).UTC(), time.Unix(upd, 0).UTC()
	p.Mentions, p.Tags = split(mentions), split(tags)
	if c := strings.SplitN(cite, "\n", 3); len(c) == 3 {
		p.Kind, p.Of = c[0], feedparse.Cited{Ref: c[1], Href: c[2]}
	}
	p.Enclosures = []feedparse.Enclosure{}
	if encl != "" {
		if err := json.Unmarshal([]byte(encl), &p.Enclosures); err != nil {
			return p, fmt.Errorf("enclosures of post %d: %w", p.RowID, err)
		}
	}
	return p, nil
}

func split(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, "\n")
}

// collect reads rows until limit posts pass keep (limit <= 0: all rows).
func collect(rows *sql.Rows, limit int, keep func(*Post) bool, extra func() []any) ([]Post, error) {
	defer rows.Close()
	out := []Post{}
	for rows.Next() {
		var ex []any
		if extra != nil {
			ex = extra()
		}
		p, err := scanPost(rows, ex...)
		if err != nil {
			return nil, fmt.Errorf("store: read posts: %w", err)
		}
		if keep != nil && !keep(&p) {
			continue
		}
		out = append(out, p)
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out, rows.Err()
}

// PostByKey finds a post by its entry id or permalink, preferring one from
// the feed at feedURL when several feeds carry it.
func (s *Store) PostByKey(ctx context.Context, key, feedURL string) (Post, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+postCols+postFrom+`
		WHERE p.id IN (SELECT id FROM posts WHERE entry_id = ?1 UNION SELECT id FROM posts WHERE url = ?1)
		ORDER BY f.url = ?2 DESC, p.id LIMIT 1`, key, feedURL)
	p, err := scanPost(row)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("%w: no stored post has the id or URL %q", ErrNotFound, key)
	}
	if err != nil {
		return p, fmt.Errorf("store: post: %w", err)
	}
	return p, nil
}

// PostInFeed finds a post by entry id (or key) within one feed.
func (s *Store) PostInFeed(ctx context.Context, feedURL, id string) (Post, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+postCols+postFrom+`
		WHERE f.url = ?1 AND (p.entry_id = ?2 OR p.guid = ?2 OR p.url = ?2) LIMIT 1`, feedURL, id)
	p, err := scanPost(row)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("%w: feed %s has no stored post %q", ErrNotFound, feedURL, id)
	}
	if err != nil {
		return p, fmt.Errorf("store: post: %w", err)
	}
	return p, nil
}

// Replies lists the stored posts replying to p (by its id or permalink),
// oldest first.
func (s *Store) Replies(ctx context.Context, p Post, f Filter) ([]Post, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+postCols+postFrom+`
		WHERE p.id IN (SELECT post_id FROM replies WHERE ref = ?1 AND ?1 != ''
			UNION SELECT post_id FROM replies WHERE href = ?2 AND ?2 != '')
		AND p.feed_id NOT IN (SELECT value FROM json_each(?3))
		ORDER BY p.published, p.id LIMIT 1000`, p.ID, p.URL, f.blockedJSON())
	if err != nil {
		return nil, fmt.Errorf("store: replies: %w", err)
	}
	return collect(rows, 0, f.keep, nil)
}

// MarkMention records that source (a verified Webmention to target)
// mentions a post.
func (s *Store) MarkMention(ctx context.Context, postRowID int64, source, target string) error {
	return s.exec(ctx, `INSERT INTO webmentions(post_id, source, created, target) VALUES(?, ?, ?, ?)
		ON CONFLICT DO UPDATE SET target = excluded.target`, postRowID, source, s.now().Unix(), target)
}

// ForgetMention removes the Webmention marks of source, and the posts
// they marked unless their feed is followed; it returns how many posts
// it removed.
func (s *Store) ForgetMention(ctx context.Context, source string) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM posts WHERE id IN (SELECT post_id FROM webmentions WHERE source = ?1)
			AND feed_id IN (SELECT id FROM feeds WHERE followed = 0)`, source)
		if err != nil {
			return fmt.Errorf("store: forget mention %s: %w", source, err)
		}
		n, _ = res.RowsAffected()
		if _, err := tx.ExecContext(ctx, `DELETE FROM webmentions WHERE source = ?`, source); err != nil {
			return fmt.Errorf("store: forget mention %s: %w", source, err)
		}
		return nil
	})
	return int(n), err
}
