package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

const (
	// timelineWhere pages by (published, rowid) below the cursor (?4, ?5).
	timelineWhere = `f.followed = 1 AND p.published >= ?1 AND p.feed_id NOT IN (SELECT value FROM json_each(?2))
		AND p.published <= ?4 AND (p.published < ?4 OR p.id < ?5)`
	// searchWhere pages by rowid (arrival order) below the cursor ?5.
	searchWhere = `posts_fts MATCH ?1 AND p.published >= ?2 AND p.feed_id NOT IN (SELECT value FROM json_each(?3))
		AND posts_fts.rowid < ?5`
	newestHit = ` ORDER BY posts_fts.rowid DESC`
)

// TimelineQuery selects the river of news.
type TimelineQuery struct {
	Limit  int
	Since  time.Time
	FeedID int64  // 0: every followed feed
	All    bool   // with FeedID: the feed's posts, followed or not
	Before Cursor // only posts after this one in the listing
	Unread bool   // only unread posts
}

// Timeline lists posts of followed feeds, newest first by publication time.
func (s *Store) Timeline(ctx context.Context, q TimelineQuery, f Filter) ([]Post, error) {
	where := timelineWhere
	if q.All && q.FeedID != 0 {
		where = strings.Replace(where, "f.followed = 1 AND ", "", 1)
	}
	if q.FeedID != 0 {
		where += ` AND p.feed_id = ?3`
	}
	if q.Unread {
		where += ` AND p.unread = 1`
	}
	pub, id := q.Before.bounds()
	rows, err := s.db.QueryContext(ctx, timelineSQL(where), unixOrMin(q.Since), f.blockedJSON(), q.FeedID, pub, id)
	if err != nil {
		return nil, fmt.Errorf("store: timeline: %w", err)
	}
	return collect(rows, q.Limit, f.keep, nil)
}

// timelineSQL walks posts by publication date (CROSS JOIN keeps posts the
// outer loop, so no sort is needed), looking each feed up by key.
func timelineSQL(where string) string {
	return `SELECT ` + postCols + ` FROM posts p CROSS JOIN feeds f ON f.id = p.feed_id
		LEFT JOIN replies r ON r.post_id = p.id WHERE ` + where + ` ORDER BY p.published DESC, p.id DESC`
}

func unixOrMin(t time.Time) int64 {
	if t.IsZero() {
		return -1 << 62
	}
	return t.Unix()
}

// SearchQuery is a full-text search.
type SearchQuery struct {
	Text   string // the user's words; each is matched as a term (prefix with a trailing *)
	Limit  int
	Since  time.Time
	FeedID int64
	Rank   bool   // BM25 relevance instead of newest first
	Before Cursor // newest first only: hits that arrived before this one
}

// Search finds posts (followed or not) matching q, newest arrival first, or
// by relevance when q.Rank, with a snippet of the matching text.
func (s *Store) Search(ctx context.Context, q SearchQuery, f Filter) ([]Post, error) {
	match := MatchExpr(q.Text)
	if match == "" {
		return nil, fmt.Errorf("store: search: give at least one word to search for")
	}
	where := searchWhere
	if q.FeedID != 0 {
		where += ` AND p.feed_id = ?4`
	}
	order := newestHit
	if q.Rank {
		order = ` ORDER BY bm25(posts_fts, 5.0, 1.0, 2.0), posts_fts.rowid DESC`
	}
	_, before := q.Before.bounds()
	rows, err := s.db.QueryContext(ctx, searchSQL(where, order), match, unixOrMin(q.Since), f.blockedJSON(), q.FeedID, before)
	if err != nil {
		return nil, fmt.Errorf("store: search %q: %w", q.Text, err)
	}
	var snippet string
	posts, err := collect(rows, q.Limit, func(p *Post) bool {
		p.Snippet = snippet
		return f.Keep(*p)
	}, func() []any { return []any{&snippet} })
	return posts, err
}

func searchSQL(where, order string) string {
	return `SELECT ` + postCols + `, snippet(posts_fts, 1, '[', ']', '…', 16)
		FROM posts_fts JOIN posts p ON p.id = posts_fts.rowid JOIN feeds f ON f.id = p.feed_id
		LEFT JOIN replies r ON r.post_id = p.id WHERE ` + where + order
}

// MatchExpr turns user words into an FTS5 expression: every word must occur;
// FTS syntax characters are quoted away; a trailing * keeps prefix search.
func MatchExpr(text string) string {
	var terms []string
	for _, w := range strings.Fields(text) {
		prefix := strings.HasSuffix(w, "*")
		w = strings.Trim(w, "*")
		if w == "" {
			continue
		}
		t := `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
		if prefix {
			t += "*"
		}
		terms = append(terms, t)
	}
	return strings.Join(terms, " ")
}

// MentionQuery says who "me" is.
type MentionQuery struct {
	Me     string // my feed URL
	Limit  int
	Since  time.Time
	Before Cursor // only posts after this one in the listing
}

// mentionIDsSQL selects the ids of the posts that mention ?1 (my feed) or
// its origin ?2, newest first below the cursor (?5, ?6), a page (?7, ?8)
// at a time: candidates are
// sorted by date alone, and only a page's posts get their columns (text,
// tags, mentions) computed.
const mentionIDsSQL = `SELECT p.id FROM posts p JOIN feeds f ON f.id = p.feed_id
		WHERE p.id IN (
			SELECT post_id FROM post_mentions WHERE url = ?1
			UNION SELECT post_id FROM post_mentions WHERE kind = 1 AND origin = ?2
			UNION SELECT post_id FROM replies WHERE ref IN (SELECT p2.entry_id FROM posts p2 JOIN feeds f2 ON f2.id = p2.feed_id WHERE f2.url = ?1)
			UNION SELECT post_id FROM replies WHERE source = ?1
			UNION SELECT post_id FROM replies WHERE href_origin = ?2
			UNION SELECT post_id FROM replies WHERE source_origin = ?2
			UNION SELECT post_id FROM webmentions)
		AND f.url != ?1 AND p.published >= ?3 AND p.feed_id NOT IN (SELECT value FROM json_each(?4))
		AND p.published <= ?5 AND (p.published < ?5 OR p.id < ?6)
		ORDER BY p.published DESC, p.id DESC LIMIT ?7 OFFSET ?8`

// Mentions lists posts by others that mention me (rel="mentioned" to my
// feed, a u-mention/h-card link to my site, a reply to one of my posts or to
// my site, or a verified Webmention), newest first.
func (s *Store) Mentions(ctx context.Context, q MentionQuery, f Filter) ([]Post, error) {
	origin := Origin(q.Me)
	pub, id := q.Before.bounds()
	posts, err := s.paged(ctx, mentionIDsSQL, []any{q.Me, origin, unixOrMin(q.Since), f.blockedJSON(), pub, id}, q.Limit, f.keep)
	if err != nil {
		return nil, fmt.Errorf("store: mentions: %w", err)
	}
	return posts, nil
}

// paged runs idQuery, which selects post ids in display order and takes its
// page size and offset as its last two parameters, and reads the posts page
// by page until limit of them pass keep (limit <= 0: all of them).
func (s *Store) paged(ctx context.Context, idQuery string, args []any, limit int, keep func(*Post) bool) ([]Post, error) {
	page := max(limit, 50)
	if limit <= 0 {
		page = -1 // SQLite: no limit
	}
	out := []Post{}
	for offset := 0; ; offset += page {
		rows, err := s.db.QueryContext(ctx, `SELECT `+postCols+postFrom+` WHERE p.id IN (`+idQuery+`)
			ORDER BY p.published DESC, p.id DESC`, append(args, page, offset)...)
		if err != nil {
			return nil, err
		}
		n := 0
		more, err := collectInto(rows, &out, limit, keep, &n)
		if err != nil || !more || page < 0 || n < page {
			return out, err
		}
	}
}

// collectInto appends rows that pass keep to out, counting the rows read in
// n; it reports whether out still wants more posts.
func collectInto(rows *sql.Rows, out *[]Post, limit int, keep func(*Post) bool, n *int) (bool, error) {
	defer rows.Close()
	for rows.Next() {
		*n++
		p, err := scanPost(rows)
		if err != nil {
			return false, fmt.Errorf("store: read posts: %w", err)
		}
		if keep != nil && !keep(&p) {
			continue
		}
		*out = append(*out, p)
		if limit > 0 && len(*out) >= limit {
			return false, rows.Err()
		}
	}
	return true, rows.Err()
}

// notificationIDsSQL selects, like mentionIDsSQL (below the cursor ?5, ?6, a
// page ?7, ?8 at a time), the posts by others
// that mention me, reply to me, or repost, quote or like one of my posts.
const notificationIDsSQL = `SELECT p.id FROM posts p JOIN feeds f ON f.id = p.feed_id
		WHERE p.id IN (
			SELECT post_id FROM post_mentions WHERE url = ?1
			UNION SELECT post_id FROM post_mentions WHERE kind = 1 AND origin = ?2
			UNION SELECT post_id FROM replies WHERE ref IN (SELECT p2.entry_id FROM posts p2 JOIN feeds f2 ON f2.id = p2.feed_id WHERE f2.url = ?1)
			UNION SELECT post_id FROM replies WHERE source = ?1
			UNION SELECT post_id FROM replies WHERE href_origin = ?2
			UNION SELECT post_id FROM replies WHERE source_origin = ?2
			UNION SELECT post_id FROM post_cites WHERE href_origin = ?2
			UNION SELECT post_id FROM post_cites WHERE ref IN (SELECT p2.entry_id FROM posts p2 JOIN feeds f2 ON f2.id = p2.feed_id WHERE f2.url = ?1)
			UNION SELECT post_id FROM webmentions)
		AND f.url != ?1 AND p.published >= ?3 AND p.feed_id NOT IN (SELECT value FROM json_each(?4))
		AND p.published <= ?5 AND (p.published < ?5 OR p.id < ?6)
		ORDER BY p.published DESC, p.id DESC LIMIT ?7 OFFSET ?8`

// Notifications lists what others did to me, newest first: posts that
// mention me or reply to me, and reposts, quotes and likes of my posts
// (by their cited post's origin or atom:id), blocks applied.
func (s *Store) Notifications(ctx context.Context, q MentionQuery, f Filter) ([]Post, error) {
	pub, id := q.Before.bounds()
	posts, err := s.paged(ctx, notificationIDsSQL, []any{q.Me, Origin(q.Me), unixOrMin(q.Since), f.blockedJSON(), pub, id}, q.Limit, f.keep)
	if err != nil {
		return nil, fmt.Errorf("store: notifications: %w", err)
	}
	return posts, nil
}

// MentionTarget is the target of the Webmention that marked a post, or
// "" when none did.
func (s *Store) MentionTarget(ctx context.Context, postRowID int64) (string, error) {
	var t string
	err := s.db.QueryRowContext(ctx, `SELECT target FROM webmentions WHERE post_id = ? AND target != ''
		ORDER BY created DESC LIMIT 1`, postRowID).Scan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: webmention target of post %d: %w", postRowID, err)
	}
	return t, nil
}
