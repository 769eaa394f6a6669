package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// SaveTrackEntries upserts entries and re-indexes the terms of those that
// are new or whose data changed: three statements per call, rows sorted
// by key so that two processes saving the same entries cannot deadlock.
func (p *Postgres) SaveTrackEntries(ctx context.Context, entries []TrackEntry) error {
	entries = slices.Clone(lastOfEach(entries))
	if len(entries) == 0 {
		return nil
	}
	slices.SortFunc(entries, func(a, b TrackEntry) int {
		return cmpKey(TrackKey{a.Origin, a.EntryID}, TrackKey{b.Origin, b.EntryID})
	})
	origins, eids, sorts, datas := make([]string, len(entries)), make([]string, len(entries)), make([]int64, len(entries)), make([][]byte, len(entries))
	for i, e := range entries {
		origins[i], eids[i], sorts[i], datas[i] = e.Origin, e.EntryID, ms(e.SortAt), nonNil(e.Data)
	}
	return p.withTx(ctx, "save track entries", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `INSERT INTO hub_track_entries(origin, entry_id, sort_at, data)
			SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bytea[])
			ON CONFLICT (origin, entry_id) DO UPDATE SET sort_at = excluded.sort_at, data = excluded.data
			WHERE hub_track_entries.data <> excluded.data RETURNING id, origin, entry_id`, origins, eids, sorts, datas)
		if err != nil {
			return err
		}
		changed := map[TrackKey]int64{}
		var id int64
		var k TrackKey
		if _, err := pgx.ForEachRow(rows, []any{&id, &k.Origin, &k.EntryID}, func() error {
			changed[k] = id
			return nil
		}); err != nil {
			return err
		}
		if len(changed) == 0 {
			return nil
		}
		return pgIndexTerms(ctx, tx, entries, changed)
	})
}

// pgIndexTerms rewrites the terms of the changed entries.
func pgIndexTerms(ctx context.Context, tx pgx.Tx, entries []TrackEntry, changed map[TrackKey]int64) error {
	ids := make([]int64, 0, len(changed))
	var terms []string
	var owners []int64
	for _, e := range entries {
		id, ok := changed[TrackKey{e.Origin, e.EntryID}]
		if !ok {
			continue
		}
		ids = append(ids, id)
		for _, t := range e.Terms {
			terms, owners = append(terms, t), append(owners, id)
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM hub_track_terms WHERE entry = ANY($1)`, ids); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO hub_track_terms(term, entry)
		SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT DO NOTHING`, terms, owners)
	return err
}

// TrackCandidates returns the newest entries holding any of terms.
func (p *Postgres) TrackCandidates(ctx context.Context, terms []string, n int) ([]TrackEntry, error) {
	var out []TrackEntry
	for _, term := range terms {
		got, err := pgSelectAll(ctx, p.pool, scanTrackEntry, `SELECT e.origin, e.entry_id, e.sort_at, e.data
			FROM hub_track_terms t JOIN hub_track_entries e ON e.id = t.entry
			WHERE t.term = $1 ORDER BY e.sort_at DESC LIMIT $2`, term, n)
		if err != nil {
			return nil, fmt.Errorf("store: track candidates: %w", err)
		}
		out = append(out, got...)
	}
	return out, nil
}

// ActiveTrackTopics lists topics under prefix with an active subscriber.
func (p *Postgres) ActiveTrackTopics(ctx context.Context, prefix string, now time.Time) ([]string, error) {
	out, err := pgSelectAll(ctx, p.pool, scanString, `SELECT DISTINCT t.url FROM hub_topics t JOIN hub_subscriptions s ON s.topic_id = t.id
		WHERE starts_with(t.url, $2) AND `+pgActiveSub, ms(now), prefix)
	if err != nil {
		return nil, fmt.Errorf("store: tracked topics: %w", err)
	}
	return out, nil
}

// CountTrackByHost counts a callback host's active tracked subscriptions.
func (p *Postgres) CountTrackByHost(ctx context.Context, host, prefix string, now time.Time) (int, error) {
	var n int
	err := p.pool.QueryRow(ctx, `SELECT count(*) FROM hub_subscriptions s JOIN hub_topics t ON t.id = s.topic_id
		WHERE s.callback_host = $2 AND `+pgActiveSub+` AND starts_with(t.url, $3)`, ms(now), host, prefix).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count tracked subscriptions: %w", err)
	}
	return n, nil
}

// PublishTracked records what topic was sent and fans out the new part.
// Two processes publishing the same entries to one tracked topic send
// them once: the second waits for the first's sent records and finds
// nothing fresh.
func (p *Postgres) PublishTracked(ctx context.Context, topic string, keys []TrackKey, build func(fresh []int) (FetchResult, error), handoff Handoff, now time.Time) (FanOut, error) {
	var out FanOut
	err := p.withTx(ctx, "publish tracked "+topic, func(tx pgx.Tx) error {
		out = FanOut{}
		job := FetchJob{Topic: topic}
		err := tx.QueryRow(ctx, `SELECT id FROM hub_topics WHERE url = $1`, topic).Scan(&job.TopicID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		fresh, err := pgMarkSent(ctx, tx, job.TopicID, keys, now)
		if err != nil || len(fresh) == 0 {
			return err
		}
		res, err := build(fresh)
		if err != nil {
			return err
		}
		out, err = pgFanOut(ctx, tx, job, res, handoff, now)
		return err
	})
	if err != nil {
		return FanOut{}, err
	}
	return out, nil
}

// pgMarkSent records keys as sent to a topic (in key order) and returns
// the positions in keys of those that were not sent before.
func pgMarkSent(ctx context.Context, tx pgx.Tx, topicID int64, keys []TrackKey, now time.Time) ([]int, error) {
	sorted := slices.Clone(keys)
	slices.SortFunc(sorted, cmpKey)
	origins, eids := make([]string, len(sorted)), make([]string, len(sorted))
	for i, k := range sorted {
		origins[i], eids[i] = k.Origin, k.EntryID
	}
	rows, err := tx.Query(ctx, `INSERT INTO hub_track_sent(topic_id, origin, entry_id, sent_at)
		SELECT $1, o, e, $2 FROM unnest($3::text[], $4::text[]) AS k(o, e)
		ON CONFLICT DO NOTHING RETURNING origin, entry_id`, topicID, ms(now), origins, eids)
	if err != nil {
		return nil, err
	}
	inserted := map[TrackKey]bool{}
	var k TrackKey
	if _, err := pgx.ForEachRow(rows, []any{&k.Origin, &k.EntryID}, func() error {
		inserted[k] = true
		return nil
	}); err != nil {
		return nil, err
	}
	var fresh []int
	for i, k := range keys {
		if inserted[k] {
			fresh = append(fresh, i)
			delete(inserted, k) // a key given twice is fresh once
		}
	}
	return fresh, nil
}

// SweepTrack forgets old entries and the sent records of unsubscribed
// tracked topics.
func (p *Postgres) SweepTrack(ctx context.Context, before, now time.Time) error {
	return p.withTx(ctx, "sweep tracked", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM hub_track_entries WHERE sort_at < $1`, ms(before)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM hub_track_sent WHERE topic_id NOT IN (
			SELECT s.topic_id FROM hub_subscriptions s WHERE `+pgActiveSub+`)`, ms(now))
		return err
	})
}

// RequestTrackFetch queues a fetch of topic whether or not it has a
// subscriber (creating the topic), so that its entries reach tracked
// topics.
func (p *Postgres) RequestTrackFetch(ctx context.Context, topic string, now time.Time) error {
	return p.withTx(ctx, "request fetch of "+topic, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO hub_topics(url) VALUES ($1) ON CONFLICT (url) DO NOTHING`, topic); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO hub_fetches(topic_id, next_at) SELECT id, $1 FROM hub_topics WHERE url = $2
			ON CONFLICT (topic_id) DO UPDATE SET gen = hub_fetches.gen + 1,
				next_at = least(hub_fetches.next_at, excluded.next_at), attempts = 0`, ms(now), topic)
		return err
	})
}

// TrackOrigins maps the kept entry ids among ids to their first origin.
func (p *Postgres) TrackOrigins(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := p.pool.Query(ctx, `SELECT DISTINCT ON (entry_id) entry_id, origin FROM hub_track_entries
		WHERE entry_id = ANY($1) ORDER BY entry_id, id`, ids)
	if err != nil {
		return nil, fmt.Errorf("store: track origins: %w", err)
	}
	var id, origin string
	if _, err := pgx.ForEachRow(rows, []any{&id, &origin}, func() error {
		out[id] = origin
		return nil
	}); err != nil {
		return nil, fmt.Errorf("store: track origins: %w", err)
	}
	return out, nil
}
