// Package track is the reader's side of tracked topics: the queries
// (#tag, @FEED_URL, words) the reader tracks at hubs, resolving a query
// to its canonical track URL at a hub, storing each delivered entry as an
// ordinary post under its origin feed, and the record of which tracked
// query brought which post.
//
// It keeps its own tables (component "track") in the reader's database.
// It does not subscribe: the daemon's WebSub subscriber does, through
// Service; and it does not list posts: package aggregate does.
package track

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rookery-social/rookery/aggregate/store"
	"github.com/rookery-social/rookery/internal/sqlitedb"
)

var migrations = []string{`
CREATE TABLE track_queries (
	topic TEXT PRIMARY KEY,          -- the canonical track URL at hub: the WebSub topic
	query TEXT NOT NULL,             -- its canonical query (the q of topic)
	typed TEXT NOT NULL,             -- the query as the user typed it
	hub TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE track_posts (
	id INTEGER PRIMARY KEY,          -- arrival order
	topic TEXT NOT NULL,
	feed_url TEXT NOT NULL,          -- the origin feed the post is stored under
	entry_id TEXT NOT NULL,
	arrived_at INTEGER NOT NULL,
	UNIQUE (topic, feed_url, entry_id)
);
CREATE INDEX track_posts_topic ON track_posts(topic, id);`,
	// 2: a tracked entry is the origin's post only once the origin's own
	// feed has it (confirmed); until then it is kept as the hub delivered
	// it (doc), apart from the origin's posts. Records of version 1 were
	// stored on the hub's word: they are kept, unconfirmed and without a
	// document, so they are no longer listed as the origin's.
	`CREATE TABLE track_entries (
	id INTEGER PRIMARY KEY,          -- arrival order
	topic TEXT NOT NULL,
	hub TEXT NOT NULL,
	feed_url TEXT NOT NULL,          -- the origin its atom:source claims
	entry_id TEXT NOT NULL,
	doc BLOB NOT NULL,               -- a one-entry Atom document, as delivered
	digest TEXT NOT NULL,            -- of its content, as delivered
	confirmed INTEGER NOT NULL DEFAULT 0,
	checks INTEGER NOT NULL DEFAULT 0,
	next_check INTEGER NOT NULL,     -- when to look at the origin again (unconfirmed only)
	arrived_at INTEGER NOT NULL,
	UNIQUE (topic, feed_url, entry_id)
);
CREATE INDEX track_entries_topic ON track_entries(topic, id);
CREATE INDEX track_entries_due ON track_entries(confirmed, next_check);
INSERT INTO track_entries(topic, hub, feed_url, entry_id, doc, digest, next_check, arrived_at)
	SELECT t.topic, COALESCE(q.hub, ''), t.feed_url, t.entry_id, '', '', 0, t.arrived_at
	FROM track_posts t LEFT JOIN track_queries q ON q.topic = t.topic ORDER BY t.id;
DROP TABLE track_posts;`}

// Tracker holds the tracked queries and the entries they brought.
type Tracker struct {
	db *sql.DB
	// Now is the clock; default time.Now.
	Now func() time.Time
}

func (t *Tracker) now() time.Time {
	if t.Now == nil {
		return time.Now()
	}
	return t.Now()
}

// Topic is one tracked query at one hub.
type Topic struct {
	Query   string    `json:"query"` // canonical
	Typed   string    `json:"typed"`
	Hub     string    `json:"hub"`
	Topic   string    `json:"topic"`
	Created time.Time `json:"created"`
	State   string    `json:"state"` // of the WebSub subscription; "" when none yet
}

// Open migrates the tracker's tables in db (the reader's database).
func Open(ctx context.Context, db *sql.DB) (*Tracker, error) {
	if err := sqlitedb.Migrate(ctx, db, "track", migrations); err != nil {
		return nil, fmt.Errorf("track: %w", err)
	}
	return &Tracker{db: db}, nil
}

// Add records a tracked topic (again: it keeps the first).
func (t *Tracker) Add(ctx context.Context, tp Topic) error {
	_, err := t.db.ExecContext(ctx, `INSERT INTO track_queries(topic, query, typed, hub, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT(topic) DO NOTHING`, tp.Topic, tp.Query, tp.Typed, tp.Hub, t.now().Unix())
	if err != nil {
		return fmt.Errorf("track: add %s: %w", tp.Topic, err)
	}
	return nil
}

// Remove forgets every topic of query (as typed or canonical) and the
// record of the posts they brought (the posts stay); it returns them.
func (t *Tracker) Remove(ctx context.Context, query string) ([]Topic, error) {
	gone, err := t.Find(ctx, query)
	if err != nil || len(gone) == 0 {
		return gone, err
	}
	tx, err := t.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("track: remove: %w", err)
	}
	defer tx.Rollback()
	for _, tp := range gone {
		for _, q := range []string{`DELETE FROM track_queries WHERE topic = ?`, `DELETE FROM track_entries WHERE topic = ?`} {
			if _, err := tx.ExecContext(ctx, q, tp.Topic); err != nil {
				return nil, fmt.Errorf("track: remove: %w", err)
			}
		}
	}
	return gone, tx.Commit()
}

// Find returns the topics of query, as typed or in any equivalent
// spelling (case, word order).
func (t *Tracker) Find(ctx context.Context, query string) ([]Topic, error) {
	all, err := t.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []Topic
	for _, tp := range all {
		if same(tp.Typed, query) || same(tp.Query, query) {
			out = append(out, tp)
		}
	}
	return out, nil
}

// same compares queries ignoring case, spacing and word order.
func same(a, b string) bool {
	norm := func(s string) string {
		w := strings.Fields(strings.ToLower(s))
		slices.Sort(w)
		return strings.Join(w, " ")
	}
	return norm(a) == norm(b)
}

// List returns the tracked topics, oldest first, with the state of their
// subscriptions when `reader serve` has made them.
func (t *Tracker) List(ctx context.Context) ([]Topic, error) {
	rows, err := t.db.QueryContext(ctx, `SELECT topic, query, typed, hub, created_at FROM track_queries ORDER BY created_at, topic`)
	if err != nil {
		return nil, fmt.Errorf("track: list: %w", err)
	}
	defer rows.Close()
	out := []Topic{}
	for rows.Next() {
		var tp Topic
		var created int64
		if err := rows.Scan(&tp.Topic, &tp.Query, &tp.Typed, &tp.Hub, &created); err != nil {
			return nil, fmt.Errorf("track: list: %w", err)
		}
		tp.Created = time.Unix(created, 0).UTC()
		out = append(out, tp)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("track: list: %w", err)
	}
	for i := range out {
		out[i].State = t.state(ctx, out[i].Topic)
	}
	return out, nil
}

// state is the subscriber's state of topic; "" when there is none (the
// subscriber's table may not exist before the first `reader serve`).
func (t *Tracker) state(ctx context.Context, topic string) string {
	var s string
	if t.db.QueryRowContext(ctx, `SELECT state FROM subscriber_subscriptions WHERE feed_url = ? ORDER BY created_at DESC LIMIT 1`,
		topic).Scan(&s) != nil {
		return ""
	}
	return s
}

// Item is one entry a tracked topic brought, as Posts lists it.
type Item struct {
	Ref       store.PostRef // the origin feed its atom:source claims, and its id
	Hub       string        // the hub that delivered it
	Confirmed bool          // the origin's own feed has it: it is the origin's stored post
	Doc       []byte        // unconfirmed: a one-entry Atom document, as delivered
	// Seq is the entry's place in arrival order (its first delivery):
	// Posts with before = Seq lists the entries that arrived before it.
	Seq int64
}

// Posts returns up to n entries brought by the topics of query (every
// tracked topic when query is ""), newest first by first arrival, each
// once, as last delivered; before > 0 keeps those whose Seq is below it.
func (t *Tracker) Posts(ctx context.Context, query string, n int, before int64) ([]Item, error) {
	topics, err := t.List(ctx)
	if query != "" && err == nil {
		topics, err = t.Find(ctx, query)
	}
	if err != nil || len(topics) == 0 {
		return nil, err
	}
	args := make([]any, 0, len(topics)+1)
	for _, tp := range topics {
		args = append(args, tp.Topic)
	}
	if before <= 0 {
		before = math.MaxInt64
	}
	rows, err := t.db.QueryContext(ctx, `SELECT e.feed_url, e.entry_id, e.hub, e.confirmed, e.doc, g.first
		FROM (SELECT min(id) AS first, max(id) AS last FROM track_entries
			WHERE topic IN (?`+strings.Repeat(", ?", len(topics)-1)+`)
			GROUP BY feed_url, entry_id HAVING min(id) < ?) g
		JOIN track_entries e ON e.id = g.last ORDER BY g.first DESC LIMIT ?`, append(args, before, n)...)
	if err != nil {
		return nil, fmt.Errorf("track: posts: %w", err)
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		var it Item
		if err := rows.Scan(&it.Ref.Feed, &it.Ref.ID, &it.Hub, &it.Confirmed, &it.Doc, &it.Seq); err != nil {
			return nil, fmt.Errorf("track: posts: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// queryOf reads the canonical query of a track URL (its q parameter).
func queryOf(topic string) string {
	u, err := url.Parse(topic)
	if err != nil {
		return ""
	}
	return u.Query().Get("q")
}
