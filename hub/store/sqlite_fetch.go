package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// activeSub is the SQL condition of a subscription that receives content.
const activeSub = `s.state = 'active' AND s.expires_at > ?`

// RequestFetch queues a fetch of topic when it has an active subscriber.
// A request arriving while the topic is being fetched makes it run again.
func (s *SQLite) RequestFetch(ctx context.Context, topic string, now time.Time) (bool, error) {
	res, err := s.exec(ctx, `INSERT INTO hub_fetches(topic_id, next_at)
		SELECT t.id, ? FROM hub_topics t WHERE t.url = ? AND EXISTS (
			SELECT 1 FROM hub_subscriptions s WHERE s.topic_id = t.id AND `+activeSub+`)
		ON CONFLICT(topic_id) DO UPDATE SET gen = gen + 1, next_at = min(next_at, excluded.next_at), attempts = 0`,
		ms(now), topic, ms(now))
	if err != nil {
		return false, fmt.Errorf("store: request fetch of %s: %w", topic, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// RequestPolls queues a fetch of every topic with an active subscriber.
func (s *SQLite) RequestPolls(ctx context.Context, now time.Time) (int, error) {
	res, err := s.exec(ctx, `INSERT INTO hub_fetches(topic_id, next_at)
		SELECT DISTINCT s.topic_id, ? FROM hub_subscriptions s WHERE `+activeSub+`
		ON CONFLICT(topic_id) DO UPDATE SET gen = gen + 1, next_at = min(next_at, excluded.next_at)`,
		ms(now), ms(now))
	if err != nil {
		return 0, fmt.Errorf("store: request polls: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// ClaimFetches leases due fetch jobs that nobody holds.
func (s *SQLite) ClaimFetches(ctx context.Context, now, until time.Time, n int) ([]FetchJob, error) {
	var out []FetchJob
	err := s.withTx(ctx, "claim fetches", func(tx *sql.Tx) error {
		var err error
		out, err = selectAll(ctx, tx, scanFetchJob, `SELECT f.topic_id, t.url, f.gen, f.attempts, t.etag, t.last_modified, t.content_hash
			FROM hub_fetches f JOIN hub_topics t ON t.id = f.topic_id
			WHERE f.next_at <= ? AND f.claimed_until <= ? ORDER BY f.next_at LIMIT ?`, ms(now), ms(now), n)
		if err != nil {
			return err
		}
		for _, j := range out {
			if _, err := tx.ExecContext(ctx, `UPDATE hub_fetches SET claimed_until = ? WHERE topic_id = ?`,
				ms(until), j.TopicID); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// FinishFetch records a fetch and fans changed content out to every active
// subscriber in the same transaction: one content row, and one INSERT …
// SELECT for the deliveries handed to the caller plus one for the rest.
func (s *SQLite) FinishFetch(ctx context.Context, job FetchJob, res FetchResult, handoff Handoff, now time.Time) (FanOut, error) {
	var out FanOut
	err := s.withTx(ctx, "finish fetch of "+job.Topic, func(tx *sql.Tx) error {
		if res.Err != "" {
			return failFetch(ctx, tx, job, res, now)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE hub_topics SET etag = ?, last_modified = ?, fetched_at = ?, fetch_status = ?
			WHERE id = ?`, res.ETag, res.LastModified, ms(now), res.Status, job.TopicID); err != nil {
			return err
		}
		if res.Changed {
			var err error
			if out, err = s.fanOut(ctx, tx, job, res, handoff, now); err != nil {
				return err
			}
		}
		return endFetch(ctx, tx, job)
	})
	if err != nil {
		return FanOut{}, err
	}
	return out, nil
}

// fanOut stores the content once, with the next content id, and creates
// one delivery per active subscriber (see fanOut).
func (s *SQLite) fanOut(ctx context.Context, tx *sql.Tx, job FetchJob, res FetchResult, handoff Handoff, now time.Time) (FanOut, error) {
	s.contentSeq++
	c := storedContent(s.contentSeq, job, res, now)
	_, err := tx.ExecContext(ctx, `INSERT INTO hub_contents(id, topic_id, content_type, body, hash, fetched_at)
		VALUES (?, ?, ?, ?, ?, ?)`, c.ID, job.TopicID, res.ContentType, nonNil(res.Body), res.Hash, ms(now))
	if err != nil {
		return FanOut{ContentID: c.ID}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE hub_topics SET content_hash = ?, content_id = ? WHERE id = ?`,
		res.Hash, c.ID, job.TopicID); err != nil {
		return FanOut{ContentID: c.ID}, err
	}
	chunk := func(after int64, n int) ([]Delivery, int64, error) {
		ds, last, err := s.handChunk(ctx, tx, job.TopicID, c, handoff.Until, after, n)
		if err != nil || len(ds) == 0 {
			return ds, last, err
		}
		return ds, last, s.fillSubscribers(ctx, tx, job.TopicID, ds, after, last)
	}
	rest := func(after int64) (int, error) {
		r, err := s.stmt(ctx, tx, "fanOut").ExecContext(ctx, c.ID, ms(now), ms(now), job.TopicID, ms(now), after)
		if err != nil {
			return 0, err
		}
		n, _ := r.RowsAffected()
		return int(n), nil
	}
	return fanOut(c, handoff, chunk, rest)
}

// handChunk creates the leased deliveries of the next n subscriptions after
// the id `after`.
func (s *SQLite) handChunk(ctx context.Context, tx *sql.Tx, topicID int64, c Content, until time.Time, after int64, n int) ([]Delivery, int64, error) {
	now := ms(c.FetchedAt)
	rows, err := s.stmt(ctx, tx, "fanOutHanded").QueryContext(ctx, c.ID, ms(until), now, topicID, now, after, n)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	return readHanded(rows, c, after, n, func(r scanner, d *Delivery) error {
		return r.Scan(&d.ID, &d.SubscriptionID)
	})
}

// fillSubscribers adds the callback, secret and lease of each delivery,
// whose subscriptions have ids in (after, last].
func (s *SQLite) fillSubscribers(ctx context.Context, tx *sql.Tx, topicID int64, ds []Delivery, after, last int64) error {
	type sub struct {
		callback string
		secret   []byte
		expires  int64
		protocol string
	}
	subs := make(map[int64]sub, len(ds))
	rows, err := s.stmt(ctx, tx, "subscribers").QueryContext(ctx, topicID, after, last)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var x sub
		if err := rows.Scan(&id, &x.callback, &x.secret, &x.expires, &x.protocol); err != nil {
			return err
		}
		subs[id] = x
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range ds {
		x := subs[ds[i].SubscriptionID]
		ds[i].Callback, ds[i].Secret, ds[i].ExpiresAt, ds[i].Protocol = x.callback, x.secret, fromMS(x.expires), x.protocol
	}
	return nil
}

// endFetch removes a finished job unless it was requested again meanwhile.
func endFetch(ctx context.Context, tx *sql.Tx, job FetchJob) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM hub_fetches WHERE topic_id = ? AND gen = ?`, job.TopicID, job.Gen)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		_, err = tx.ExecContext(ctx, `UPDATE hub_fetches SET claimed_until = 0, attempts = 0 WHERE topic_id = ?`, job.TopicID)
	}
	return err
}

func failFetch(ctx context.Context, tx *sql.Tx, job FetchJob, res FetchResult, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE hub_topics SET fetched_at = ?, fetch_status = ? WHERE id = ?`,
		ms(now), res.Err, job.TopicID); err != nil {
		return err
	}
	if res.GiveUp {
		return endFetch(ctx, tx, job)
	}
	_, err := tx.ExecContext(ctx, `UPDATE hub_fetches SET claimed_until = 0, attempts = attempts + 1,
		next_at = max(next_at, ?) WHERE topic_id = ?`, ms(res.RetryAt), job.TopicID)
	return err
}
