package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgActiveSub is the SQL condition of a subscription that receives
// content at the time $now.
const pgActiveSub = `s.state = 'active' AND s.expires_at > $1`

// RequestFetch queues a fetch of topic when it has an active subscriber.
// Whichever process claims the job fetches it, once; a request arriving
// while it is being fetched makes it run again.
func (p *Postgres) RequestFetch(ctx context.Context, topic string, now time.Time) (bool, error) {
	tag, err := p.pool.Exec(ctx, `INSERT INTO hub_fetches(topic_id, next_at)
		SELECT t.id, $1 FROM hub_topics t WHERE t.url = $2 AND EXISTS (
			SELECT 1 FROM hub_subscriptions s WHERE s.topic_id = t.id AND `+pgActiveSub+`)
		ON CONFLICT (topic_id) DO UPDATE SET gen = hub_fetches.gen + 1,
			next_at = least(hub_fetches.next_at, excluded.next_at), attempts = 0`, ms(now), topic)
	if err != nil {
		return false, fmt.Errorf("store: request fetch of %s: %w", topic, err)
	}
	return tag.RowsAffected() > 0, nil
}

// RequestPolls queues a fetch of every topic with an active subscriber.
func (p *Postgres) RequestPolls(ctx context.Context, now time.Time) (int, error) {
	tag, err := p.pool.Exec(ctx, `INSERT INTO hub_fetches(topic_id, next_at)
		SELECT DISTINCT s.topic_id, $1::bigint FROM hub_subscriptions s WHERE `+pgActiveSub+` ORDER BY 1
		ON CONFLICT (topic_id) DO UPDATE SET gen = hub_fetches.gen + 1,
			next_at = least(hub_fetches.next_at, excluded.next_at)`, ms(now))
	if err != nil {
		return 0, fmt.Errorf("store: request polls: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// ClaimFetches leases due fetch jobs that no process holds.
func (p *Postgres) ClaimFetches(ctx context.Context, now, until time.Time, n int) ([]FetchJob, error) {
	out, err := pgSelectAll(ctx, p.pool, scanFetchJob, `WITH due AS (
			SELECT topic_id FROM hub_fetches WHERE next_at <= $1 AND claimed_until <= $1
			ORDER BY next_at LIMIT $3 FOR UPDATE SKIP LOCKED),
		claimed AS (
			UPDATE hub_fetches f SET claimed_until = $2 FROM due WHERE f.topic_id = due.topic_id
			RETURNING f.topic_id, f.gen, f.attempts)
		SELECT c.topic_id, t.url, c.gen, c.attempts, t.etag, t.last_modified, t.content_hash
		FROM claimed c JOIN hub_topics t ON t.id = c.topic_id`, ms(now), ms(until), n)
	if err != nil {
		return nil, fmt.Errorf("store: claim fetches: %w", err)
	}
	return out, nil
}

// FinishFetch records a fetch and fans changed content out to every active
// subscriber in the same transaction.
func (p *Postgres) FinishFetch(ctx context.Context, job FetchJob, res FetchResult, handoff Handoff, now time.Time) (FanOut, error) {
	var out FanOut
	err := p.withTx(ctx, "finish fetch of "+job.Topic, func(tx pgx.Tx) error {
		out = FanOut{}
		if res.Err != "" {
			return pgFailFetch(ctx, tx, job, res, now)
		}
		if _, err := tx.Exec(ctx, `UPDATE hub_topics SET etag = $1, last_modified = $2, fetched_at = $3, fetch_status = $4
			WHERE id = $5`, res.ETag, res.LastModified, ms(now), res.Status, job.TopicID); err != nil {
			return err
		}
		if res.Changed {
			var err error
			if out, err = pgFanOut(ctx, tx, job, res, handoff, now); err != nil {
				return err
			}
		}
		return pgEndFetch(ctx, tx, job)
	})
	if err != nil {
		return FanOut{}, err
	}
	return out, nil
}

// pgFanOut stores the content once and creates one delivery per active
// subscriber (see fanOut). Content ids come from a sequence, so they are
// never reused even when the transaction rolls back.
func pgFanOut(ctx context.Context, tx pgx.Tx, job FetchJob, res FetchResult, handoff Handoff, now time.Time) (FanOut, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO hub_contents(topic_id, content_type, body, hash, fetched_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, job.TopicID, res.ContentType, nonNil(res.Body), res.Hash, ms(now)).
		Scan(&id)
	if err != nil {
		return FanOut{}, err
	}
	if _, err := tx.Exec(ctx, `UPDATE hub_topics SET content_hash = $1, content_id = $2 WHERE id = $3`,
		res.Hash, id, job.TopicID); err != nil {
		return FanOut{ContentID: id}, err
	}
	c := storedContent(id, job, res, now)
	chunk := func(after int64, n int) ([]Delivery, int64, error) {
		return pgHandChunk(ctx, tx, job.TopicID, c, handoff.Until, after, n)
	}
	rest := func(after int64) (int, error) {
		tag, err := tx.Exec(ctx, `INSERT INTO hub_deliveries(subscription_id, content_id, next_at, created_at)
			SELECT s.id, $2, $1, $1 FROM hub_subscriptions s
			WHERE s.topic_id = $3 AND `+pgActiveSub+` AND s.id > $4 ORDER BY s.id`,
			ms(now), id, job.TopicID, after)
		return int(tag.RowsAffected()), err
	}
	return fanOut(c, handoff, chunk, rest)
}

// pgHandChunk creates the leased deliveries of the next n subscriptions
// after the id `after`, with what sending them needs, in one statement.
func pgHandChunk(ctx context.Context, tx pgx.Tx, topicID int64, c Content, until time.Time, after int64, n int) ([]Delivery, int64, error) {
	rows, err := tx.Query(ctx, `WITH subs AS (
			SELECT s.id, s.callback, s.secret, s.expires_at, s.protocol FROM hub_subscriptions s
			WHERE s.topic_id = $3 AND `+pgActiveSub+` AND s.id > $4 ORDER BY s.id LIMIT $5),
		ins AS (
			INSERT INTO hub_deliveries(subscription_id, content_id, next_at, created_at, claimed)
			SELECT id, $2, $6, $1, true FROM subs ORDER BY id RETURNING id, subscription_id)
		SELECT ins.id, ins.subscription_id, subs.callback, subs.secret, subs.expires_at, subs.protocol
		FROM ins JOIN subs ON subs.id = ins.subscription_id ORDER BY ins.subscription_id`,
		ms(c.FetchedAt), c.ID, topicID, after, n, ms(until))
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	return readHanded(rows, c, after, n, func(r scanner, d *Delivery) error {
		var expires int64
		err := r.Scan(&d.ID, &d.SubscriptionID, &d.Callback, &d.Secret, &expires, &d.Protocol)
		d.ExpiresAt = fromMS(expires)
		return err
	})
}

// pgEndFetch removes a finished job unless it was requested again meanwhile.
func pgEndFetch(ctx context.Context, tx pgx.Tx, job FetchJob) error {
	tag, err := tx.Exec(ctx, `DELETE FROM hub_fetches WHERE topic_id = $1 AND gen = $2`, job.TopicID, job.Gen)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		_, err = tx.Exec(ctx, `UPDATE hub_fetches SET claimed_until = 0, attempts = 0 WHERE topic_id = $1`, job.TopicID)
	}
	return err
}

func pgFailFetch(ctx context.Context, tx pgx.Tx, job FetchJob, res FetchResult, now time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE hub_topics SET fetched_at = $1, fetch_status = $2 WHERE id = $3`,
		ms(now), res.Err, job.TopicID); err != nil {
		return err
	}
	if res.GiveUp {
		return pgEndFetch(ctx, tx, job)
	}
	_, err := tx.Exec(ctx, `UPDATE hub_fetches SET claimed_until = 0, attempts = attempts + 1,
		next_at = greatest(next_at, $1) WHERE topic_id = $2`, ms(res.RetryAt), job.TopicID)
	return err
}
