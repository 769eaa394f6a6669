package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// trackMigration (step 2) adds the tables of tracked topics: the recent
// entries of every fetched topic with their match terms (for GET /track),
// and which entries each tracked topic has already been sent.
const trackMigration = `
CREATE TABLE hub_track_entries (
	id INTEGER PRIMARY KEY,
	origin TEXT NOT NULL,
	entry_id TEXT NOT NULL,
	sort_at INTEGER NOT NULL,
	data BLOB NOT NULL,
	UNIQUE (origin, entry_id)
);
CREATE INDEX hub_track_entries_sort ON hub_track_entries(sort_at);
CREATE INDEX hub_track_entries_id ON hub_track_entries(entry_id);
CREATE TABLE hub_track_terms (
	term TEXT NOT NULL,
	entry INTEGER NOT NULL REFERENCES hub_track_entries(id) ON DELETE CASCADE,
	PRIMARY KEY (term, entry)
) WITHOUT ROWID;
CREATE INDEX hub_track_terms_entry ON hub_track_terms(entry);
CREATE TABLE hub_track_sent (
	topic_id INTEGER NOT NULL REFERENCES hub_topics(id),
	origin TEXT NOT NULL,
	entry_id TEXT NOT NULL,
	sent_at INTEGER NOT NULL,
	PRIMARY KEY (topic_id, origin, entry_id)
) WITHOUT ROWID;
`

var _ TrackStore = (*SQLite)(nil)

// SaveTrackEntries upserts entries; the terms of an entry are rewritten
// only when its data changed. Each chunk of entries takes three statements
// (upsert, delete old terms, insert new ones) rather than three per entry:
// this runs on every publish, beside its deliveries.
func (s *SQLite) SaveTrackEntries(ctx context.Context, entries []TrackEntry) error {
	entries = lastOfEach(entries)
	return s.withTx(ctx, "save track entries", func(tx *sql.Tx) error {
		for len(entries) > 0 {
			chunk := entries[:min(len(entries), entriesPerUpsert)]
			entries = entries[len(chunk):]
			if err := saveTrackChunk(ctx, tx, chunk); err != nil {
				return err
			}
		}
		return nil
	})
}

// entriesPerUpsert bounds the rows of one upsert (four parameters each).
const entriesPerUpsert = 200

// saveTrackChunk upserts entries (distinct keys) and re-indexes the terms
// of those that are new or whose data changed.
func saveTrackChunk(ctx context.Context, tx *sql.Tx, entries []TrackEntry) error {
	changed, err := upsertTrackEntries(ctx, tx, entries)
	if err != nil || len(changed) == 0 {
		return err
	}
	ids := make([]int64, 0, len(changed))
	for _, id := range changed {
		ids = append(ids, id)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM hub_track_terms WHERE entry IN (SELECT value FROM json_each(?))`, idList(ids)); err != nil {
		return err
	}
	var terms []termRow
	for _, e := range entries {
		if id, ok := changed[TrackKey{e.Origin, e.EntryID}]; ok {
			for _, t := range e.Terms {
				terms = append(terms, termRow{t, id})
			}
		}
	}
	return insertTerms(ctx, tx, terms)
}

// upsertTrackEntries stores entries and returns the row ids of those that
// are new or whose data changed.
func upsertTrackEntries(ctx context.Context, tx *sql.Tx, entries []TrackEntry) (map[TrackKey]int64, error) {
	args := make([]any, 0, 4*len(entries))
	for _, e := range entries {
		args = append(args, e.Origin, e.EntryID, ms(e.SortAt), nonNil(e.Data))
	}
	rows, err := tx.QueryContext(ctx, `INSERT INTO hub_track_entries(origin, entry_id, sort_at, data) VALUES (?, ?, ?, ?)`+
		strings.Repeat(", (?, ?, ?, ?)", len(entries)-1)+`
		ON CONFLICT(origin, entry_id) DO UPDATE SET sort_at = excluded.sort_at, data = excluded.data
		WHERE data <> excluded.data RETURNING id, origin, entry_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	changed := map[TrackKey]int64{}
	for rows.Next() {
		var id int64
		var k TrackKey
		if err := rows.Scan(&id, &k.Origin, &k.EntryID); err != nil {
			return nil, err
		}
		changed[k] = id
	}
	return changed, rows.Err()
}

// termRow indexes an entry under a term.
type termRow struct {
	term  string
	entry int64
}

// termsPerInsert bounds the rows of one INSERT of terms (two parameters
// each, well under SQLite's limit of 32,766).
const termsPerInsert = 256

// insertTerms adds rows to the term index, many per statement: one
// statement per term was most of the cost of keeping fetched entries.
func insertTerms(ctx context.Context, tx *sql.Tx, terms []termRow) error {
	for len(terms) > 0 {
		chunk := terms[:min(len(terms), termsPerInsert)]
		terms = terms[len(chunk):]
		args := make([]any, 0, 2*len(chunk))
		for _, t := range chunk {
			args = append(args, t.term, t.entry)
		}
		q := `INSERT OR IGNORE INTO hub_track_terms(term, entry) VALUES (?, ?)` + strings.Repeat(", (?, ?)", len(chunk)-1)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// TrackCandidates returns the newest entries holding any of terms.
func (s *SQLite) TrackCandidates(ctx context.Context, terms []string, n int) ([]TrackEntry, error) {
	var out []TrackEntry
	for _, term := range terms {
		got, err := selectAll(ctx, s.db, scanTrackEntry, `SELECT e.origin, e.entry_id, e.sort_at, e.data
			FROM hub_track_terms t JOIN hub_track_entries e ON e.id = t.entry
			WHERE t.term = ? ORDER BY e.sort_at DESC LIMIT ?`, term, n)
		if err != nil {
			return nil, fmt.Errorf("store: track candidates: %w", err)
		}
		out = append(out, got...)
	}
	return out, nil
}

// ActiveTrackTopics lists topics under prefix with an active subscriber.
func (s *SQLite) ActiveTrackTopics(ctx context.Context, prefix string, now time.Time) ([]string, error) {
	out, err := selectAll(ctx, s.db, scanString, `SELECT DISTINCT t.url FROM hub_topics t JOIN hub_subscriptions s ON s.topic_id = t.id
		WHERE substr(t.url, 1, length(?1)) = ?1 AND s.state = 'active' AND s.expires_at > ?2`, prefix, ms(now))
	if err != nil {
		return nil, fmt.Errorf("store: tracked topics: %w", err)
	}
	return out, nil
}

// CountTrackByHost counts a callback host's active tracked subscriptions.
func (s *SQLite) CountTrackByHost(ctx context.Context, host, prefix string, now time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM hub_subscriptions s JOIN hub_topics t ON t.id = s.topic_id
		WHERE s.callback_host = ?1 AND s.state = 'active' AND s.expires_at > ?2 AND substr(t.url, 1, length(?3)) = ?3`,
		host, ms(now), prefix).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count tracked subscriptions: %w", err)
	}
	return n, nil
}

// PublishTracked records what topic was sent and fans out the new part.
func (s *SQLite) PublishTracked(ctx context.Context, topic string, keys []TrackKey, build func(fresh []int) (FetchResult, error), handoff Handoff, now time.Time) (FanOut, error) {
	var out FanOut
	err := s.withTx(ctx, "publish tracked "+topic, func(tx *sql.Tx) error {
		job := FetchJob{Topic: topic}
		err := tx.QueryRowContext(ctx, `SELECT id FROM hub_topics WHERE url = ?`, topic).Scan(&job.TopicID)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		fresh, err := markSent(ctx, tx, job.TopicID, keys, now)
		if err != nil || len(fresh) == 0 {
			return err
		}
		res, err := build(fresh)
		if err != nil {
			return err
		}
		out, err = s.fanOut(ctx, tx, job, res, handoff, now)
		return err
	})
	if err != nil {
		return FanOut{}, err
	}
	return out, nil
}

// markSent records keys as sent to a topic and returns the positions of
// those that were not sent before.
func markSent(ctx context.Context, tx *sql.Tx, topicID int64, keys []TrackKey, now time.Time) ([]int, error) {
	var fresh []int
	for i, k := range keys {
		r, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO hub_track_sent(topic_id, origin, entry_id, sent_at) VALUES (?, ?, ?, ?)`,
			topicID, k.Origin, k.EntryID, ms(now))
		if err != nil {
			return nil, err
		}
		if n, _ := r.RowsAffected(); n == 1 {
			fresh = append(fresh, i)
		}
	}
	return fresh, nil
}

// SweepTrack forgets old entries and the sent records of unsubscribed
// tracked topics.
func (s *SQLite) SweepTrack(ctx context.Context, before, now time.Time) error {
	return s.withTx(ctx, "sweep tracked", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM hub_track_entries WHERE sort_at < ?`, ms(before)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM hub_track_sent WHERE topic_id NOT IN (
			SELECT s.topic_id FROM hub_subscriptions s WHERE s.state = 'active' AND s.expires_at > ?)`, ms(now))
		return err
	})
}

// RequestTrackFetch queues a fetch of topic whether or not it has a
// subscriber (creating the topic), so that its entries reach tracked
// topics.
func (s *SQLite) RequestTrackFetch(ctx context.Context, topic string, now time.Time) error {
	return s.withTx(ctx, "request fetch of "+topic, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO hub_topics(url) VALUES (?) ON CONFLICT(url) DO NOTHING`, topic); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO hub_fetches(topic_id, next_at) SELECT id, ? FROM hub_topics WHERE url = ?
			ON CONFLICT(topic_id) DO UPDATE SET gen = gen + 1, next_at = min(next_at, excluded.next_at), attempts = 0`,
			ms(now), topic)
		return err
	})
}

// TrackOrigins maps the kept entry ids among ids to their first origin.
func (s *SQLite) TrackOrigins(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for _, id := range ids {
		var origin string
		err := s.db.QueryRowContext(ctx, `SELECT origin FROM hub_track_entries WHERE entry_id = ? ORDER BY id LIMIT 1`, id).Scan(&origin)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("store: track origins: %w", err)
		}
		out[id] = origin
	}
	return out, nil
}
