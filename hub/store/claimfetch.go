package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// FetchClaimer is a Store that can lease the fetch job of one topic, so
// that a request (rssCloud's ping) can run the fetch it queued itself and
// answer with its outcome, whichever hub instance shares the store. Both
// stores implement it; a Store without it makes the ping wait for a worker.
type FetchClaimer interface {
	// RequestClaimedFetch is RequestFetch that also leases the job to the
	// caller until `until` when nobody holds it, in one statement, so that
	// no other worker takes it first. queued is false when topic has no
	// active subscriber (nothing was queued).
	RequestClaimedFetch(ctx context.Context, topic string, now, until time.Time) (job FetchJob, queued, claimed bool, err error)
	// ClaimFetch leases topic's fetch job until `until` when it is due and
	// nobody holds it, and reports whether it did.
	ClaimFetch(ctx context.Context, topic string, now, until time.Time) (FetchJob, bool, error)
}

var (
	_ FetchClaimer = (*SQLite)(nil)
	_ FetchClaimer = (*Postgres)(nil)
)

// ClaimFetch leases the due, unclaimed fetch job of topic.
func (s *SQLite) ClaimFetch(ctx context.Context, topic string, now, until time.Time) (FetchJob, bool, error) {
	var j FetchJob
	err := s.withTx(ctx, "claim fetch of "+topic, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `UPDATE hub_fetches SET claimed_until = ?1
			WHERE topic_id = (SELECT id FROM hub_topics WHERE url = ?2) AND next_at <= ?3 AND claimed_until <= ?3
			RETURNING topic_id, gen, attempts`, ms(until), topic, ms(now)).Scan(&j.TopicID, &j.Gen, &j.Attempts)
	})
	if noRows(err) {
		return j, false, nil
	}
	if err != nil {
		return j, false, err
	}
	if err := s.readTopic(ctx, &j); err != nil {
		return j, false, fmt.Errorf("store: claim fetch of %s: %w", topic, err)
	}
	return j, true, nil
}

// readTopic fills in what a claimed fetch job needs of its topic.
func (s *SQLite) readTopic(ctx context.Context, j *FetchJob) error {
	return s.db.QueryRowContext(ctx, `SELECT url, etag, last_modified, content_hash FROM hub_topics WHERE id = ?`, j.TopicID).
		Scan(&j.Topic, &j.ETag, &j.LastModified, &j.ContentHash)
}

// ClaimFetch leases the due, unclaimed fetch job of topic; of several
// processes asking at once, one gets it.
func (p *Postgres) ClaimFetch(ctx context.Context, topic string, now, until time.Time) (FetchJob, bool, error) {
	j, err := scanFetchJob(p.pool.QueryRow(ctx, `UPDATE hub_fetches f SET claimed_until = $1 FROM hub_topics t
		WHERE t.id = f.topic_id AND t.url = $2 AND f.next_at <= $3 AND f.claimed_until <= $3
		RETURNING f.topic_id, t.url, f.gen, f.attempts, t.etag, t.last_modified, t.content_hash`,
		ms(until), topic, ms(now)))
	if noRows(err) {
		return j, false, nil
	}
	if err != nil {
		return j, false, fmt.Errorf("store: claim fetch of %s: %w", topic, err)
	}
	return j, true, nil
}

// RequestClaimedFetch queues a fetch of topic, leased to the caller when
// nobody holds it (read before the upsert, under the write lock).
func (s *SQLite) RequestClaimedFetch(ctx context.Context, topic string, now, until time.Time) (FetchJob, bool, bool, error) {
	var j FetchJob
	var queued, claimed bool
	err := s.withTx(ctx, "request fetch of "+topic, func(tx *sql.Tx) error {
		var held int64
		err := tx.QueryRowContext(ctx, `SELECT f.claimed_until FROM hub_fetches f JOIN hub_topics t ON t.id = f.topic_id
			WHERE t.url = ?`, topic).Scan(&held)
		if err != nil && !noRows(err) {
			return err
		}
		claimed = held <= ms(now)
		err = tx.QueryRowContext(ctx, `INSERT INTO hub_fetches(topic_id, next_at, claimed_until)
			SELECT t.id, ?1, ?2 FROM hub_topics t WHERE t.url = ?3 AND EXISTS (
				SELECT 1 FROM hub_subscriptions s WHERE s.topic_id = t.id AND s.state = 'active' AND s.expires_at > ?1)
			ON CONFLICT(topic_id) DO UPDATE SET gen = gen + 1, next_at = min(next_at, excluded.next_at), attempts = 0,
				claimed_until = CASE WHEN claimed_until <= ?1 THEN excluded.claimed_until ELSE claimed_until END
			RETURNING topic_id, gen, attempts`, ms(now), ms(until), topic).Scan(&j.TopicID, &j.Gen, &j.Attempts)
		if noRows(err) {
			claimed = false
			return nil
		}
		queued = err == nil
		return err
	})
	if err != nil || !claimed {
		return j, queued, false, err
	}
	if err := s.readTopic(ctx, &j); err != nil {
		return j, true, false, fmt.Errorf("store: request fetch of %s: %w", topic, err)
	}
	return j, true, true, nil
}

// RequestClaimedFetch queues a fetch of topic, leased to the caller when
// nobody holds it: the job's lease is read under a row lock before the
// upsert, and a job another process inserted meanwhile is not taken.
func (p *Postgres) RequestClaimedFetch(ctx context.Context, topic string, now, until time.Time) (FetchJob, bool, bool, error) {
	var j FetchJob
	var queued, claimed bool
	err := p.withTx(ctx, "request fetch of "+topic, func(tx pgx.Tx) error {
		queued, claimed = false, false
		var held int64
		err := tx.QueryRow(ctx, `SELECT f.claimed_until FROM hub_fetches f JOIN hub_topics t ON t.id = f.topic_id
			WHERE t.url = $1 FOR UPDATE OF f`, topic).Scan(&held)
		existed := err == nil
		if err != nil && !noRows(err) {
			return err
		}
		var inserted bool
		err = tx.QueryRow(ctx, `WITH up AS (
				INSERT INTO hub_fetches AS f (topic_id, next_at, claimed_until)
				SELECT t.id, $1, $2 FROM hub_topics t WHERE t.url = $3 AND EXISTS (
					SELECT 1 FROM hub_subscriptions s WHERE s.topic_id = t.id AND s.state = 'active' AND s.expires_at > $1)
				ON CONFLICT (topic_id) DO UPDATE SET gen = f.gen + 1, next_at = least(f.next_at, excluded.next_at), attempts = 0,
					claimed_until = CASE WHEN f.claimed_until <= $1 THEN excluded.claimed_until ELSE f.claimed_until END
				RETURNING f.topic_id, f.gen, f.attempts, f.xmax = 0 AS inserted)
			SELECT up.topic_id, t.url, up.gen, up.attempts, t.etag, t.last_modified, t.content_hash, up.inserted
			FROM up JOIN hub_topics t ON t.id = up.topic_id`, ms(now), ms(until), topic).
			Scan(&j.TopicID, &j.Topic, &j.Gen, &j.Attempts, &j.ETag, &j.LastModified, &j.ContentHash, &inserted)
		if noRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		queued = true
		claimed = inserted || (existed && held <= ms(now))
		return nil
	})
	if err != nil {
		return j, false, false, err
	}
	return j, queued, claimed, nil
}
