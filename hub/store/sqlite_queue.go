package store

import (
	"context"
	"database/sql"
	"errors"
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
		rows, err := tx.QueryContext(ctx, `SELECT f.topic_id, t.url, f.gen, f.attempts, t.etag, t.last_modified, t.content_hash
			FROM hub_fetches f JOIN hub_topics t ON t.id = f.topic_id
			WHERE f.next_at <= ? AND f.claimed_until <= ? ORDER BY f.next_at LIMIT ?`, ms(now), ms(now), n)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var j FetchJob
			if err := rows.Scan(&j.TopicID, &j.Topic, &j.Gen, &j.Attempts, &j.ETag, &j.LastModified, &j.ContentHash); err != nil {
				return err
			}
			out = append(out, j)
		}
		if err := rows.Err(); err != nil {
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

func (s *SQLite) fanOut(ctx context.Context, tx *sql.Tx, job FetchJob, res FetchResult, handoff Handoff, now time.Time) (FanOut, error) {
	s.contentSeq++
	out := FanOut{ContentID: s.contentSeq}
	_, err := tx.ExecContext(ctx, `INSERT INTO hub_contents(id, topic_id, content_type, body, hash, fetched_at)
		VALUES (?, ?, ?, ?, ?, ?)`, out.ContentID, job.TopicID, res.ContentType, nonNil(res.Body), res.Hash, ms(now))
	if err != nil {
		return out, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE hub_topics SET content_hash = ?, content_id = ? WHERE id = ?`,
		res.Hash, out.ContentID, job.TopicID); err != nil {
		return out, err
	}
	var after int64 // subscriptions up to this id were handed
	if handoff.Max > 0 {
		content := Content{ID: out.ContentID, Topic: job.Topic, ContentType: res.ContentType, Body: res.Body,
			Hash: res.Hash, FetchedAt: now}
		var handed int
		if handed, after, err = s.fanOutHanded(ctx, tx, job, content, handoff, now, &out); err != nil {
			return out, err
		}
		if handed < handoff.Max {
			out.Deliveries = handed
			return out, nil
		}
		out.Deliveries = handed
	}
	r, err := s.stmt(ctx, tx, "fanOut").ExecContext(ctx, out.ContentID, ms(now), ms(now), job.TopicID, ms(now), after)
	if err != nil {
		return out, err
	}
	n, _ := r.RowsAffected()
	out.Deliveries += int(n)
	return out, nil
}

// handChunks are the sizes of the chunks of handed deliveries: a small
// first one so that sending starts at once, then larger ones.
var handChunks = []int{32, 256, 1024}

// fanOutHanded creates up to handoff.Max deliveries already leased, chunk
// by chunk in subscription order, and passes each chunk to handoff.Hand (or
// appends it to out.Handed). It returns how many it made and the highest
// subscription id handed.
func (s *SQLite) fanOutHanded(ctx context.Context, tx *sql.Tx, job FetchJob, c Content, handoff Handoff, now time.Time, out *FanOut) (int, int64, error) {
	var total int
	var after int64
	for i := 0; total < handoff.Max; i++ {
		n := min(handChunks[min(i, len(handChunks)-1)], handoff.Max-total)
		chunk, last, err := s.handChunk(ctx, tx, job, c.ID, handoff.Until, now, after, n)
		if err != nil {
			return 0, 0, err
		}
		if len(chunk) == 0 {
			break
		}
		if err := s.fillSubscribers(ctx, tx, job.TopicID, chunk, after, last); err != nil {
			return 0, 0, err
		}
		total, after = total+len(chunk), last
		if handoff.Hand != nil {
			handoff.Hand(c, chunk)
		} else {
			out.Handed = append(out.Handed, chunk...)
		}
		if len(chunk) < n {
			break
		}
	}
	return total, after, nil
}

// handChunk creates the leased deliveries of the next n subscriptions after
// the id `after`.
func (s *SQLite) handChunk(ctx context.Context, tx *sql.Tx, job FetchJob, cid int64, until, now time.Time, after int64, n int) ([]Delivery, int64, error) {
	rows, err := s.stmt(ctx, tx, "fanOutHanded").QueryContext(ctx, cid, ms(until), ms(now), job.TopicID, ms(now), after, n)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	chunk := make([]Delivery, 0, n)
	last := after
	for rows.Next() {
		d := Delivery{ContentID: cid, Topic: job.Topic, Active: true, CreatedAt: now}
		if err := rows.Scan(&d.ID, &d.SubscriptionID); err != nil {
			return nil, 0, err
		}
		last = max(last, d.SubscriptionID)
		chunk = append(chunk, d)
	}
	return chunk, last, rows.Err()
}

// fillSubscribers adds the callback, secret and lease of each delivery,
// whose subscriptions have ids in (after, last].
func (s *SQLite) fillSubscribers(ctx context.Context, tx *sql.Tx, topicID int64, ds []Delivery, after, last int64) error {
	type sub struct {
		callback string
		secret   []byte
		expires  int64
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
		if err := rows.Scan(&id, &x.callback, &x.secret, &x.expires); err != nil {
			return err
		}
		subs[id] = x
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range ds {
		x := subs[ds[i].SubscriptionID]
		ds[i].Callback, ds[i].Secret, ds[i].ExpiresAt = x.callback, x.secret, fromMS(x.expires)
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

// ClaimDeliveries leases up to n due pending deliveries, joined with what
// sending them needs. The lease is the row's next_at (and claimed = 1): a
// crashed worker's claims become due again when it passes.
func (s *SQLite) ClaimDeliveries(ctx context.Context, now, until time.Time, n int) ([]Delivery, error) {
	var out []Delivery
	err := s.withTx(ctx, "claim deliveries", func(tx *sql.Tx) error {
		rows, err := s.stmt(ctx, tx, "claimDeliveries").QueryContext(ctx, ms(now), n)
		if err != nil {
			return err
		}
		defer rows.Close()
		ids := make([]int64, 0, n)
		for rows.Next() {
			var d Delivery
			var created, expires int64
			if err := rows.Scan(&d.ID, &d.SubscriptionID, &d.ContentID, &d.Attempts, &created,
				&d.Topic, &d.Callback, &d.Secret, &expires, &d.Active); err != nil {
				return err
			}
			d.CreatedAt, d.ExpiresAt = fromMS(created), fromMS(expires)
			out = append(out, d)
			ids = append(ids, d.ID)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		_, err = s.stmt(ctx, tx, "leaseDeliveries").ExecContext(ctx, ms(until), idList(ids))
		return err
	})
	return out, err
}

// Content returns one stored content version.
func (s *SQLite) Content(ctx context.Context, id int64) (Content, error) {
	c := Content{ID: id}
	var fetched int64
	err := s.db.QueryRowContext(ctx, `SELECT t.url, c.content_type, c.body, c.hash, c.fetched_at
		FROM hub_contents c JOIN hub_topics t ON t.id = c.topic_id WHERE c.id = ?`, id).
		Scan(&c.Topic, &c.ContentType, &c.Body, &c.Hash, &fetched)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("store: content %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("store: content %d: %w", id, err)
	}
	c.FetchedAt = fromMS(fetched)
	return c, nil
}

// CompleteDeliveries records a batch of outcomes in one transaction. The
// common case, success, is one UPDATE per status code for the whole batch.
func (s *SQLite) CompleteDeliveries(ctx context.Context, results []DeliveryResult, now time.Time) error {
	if len(results) == 0 {
		return nil
	}
	type group struct {
		status    int
		contentID int64
	}
	done := map[group][]int64{}
	var rest []DeliveryResult
	for _, r := range results {
		if r.Outcome == OutcomeDone {
			g := group{r.Status, r.ContentID}
			done[g] = append(done[g], r.ID)
		} else {
			rest = append(rest, r)
		}
	}
	return s.withTx(ctx, "complete deliveries", func(tx *sql.Tx) error {
		for g, ids := range done {
			if _, err := s.stmt(ctx, tx, "markDone").ExecContext(ctx, ms(now), g.status, g.contentID, idList(ids)); err != nil {
				return err
			}
		}
		for _, r := range rest {
			if err := applyOutcome(ctx, tx, r, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// finalOutcome ends a delivery. A zero status (no attempt was made) keeps
// the last attempt's status, and the reason is added to its error.
const finalOutcome = `UPDATE hub_deliveries SET state = ?1, attempts = attempts + ?2, finished_at = ?3,
	last_status = CASE WHEN ?4 = 0 THEN last_status ELSE ?4 END,
	last_error = CASE WHEN ?4 = 0 AND last_error <> '' THEN last_error || '; then: ' || ?5 ELSE ?5 END
	WHERE id = ?6 AND content_id = ?7 AND state = 0`

func applyOutcome(ctx context.Context, tx *sql.Tx, r DeliveryResult, now time.Time) error {
	var err error
	switch r.Outcome {
	case OutcomeRetry:
		_, err = tx.ExecContext(ctx, `UPDATE hub_deliveries SET attempts = attempts + 1, next_at = ?, claimed = 0,
			last_status = ?, last_error = ? WHERE id = ? AND content_id = ? AND state = 0`, ms(r.RetryAt), r.Status, r.Error, r.ID, r.ContentID)
	case OutcomeFailed:
		_, err = tx.ExecContext(ctx, finalOutcome, DeliveryFailed, 1, ms(now), r.Status, r.Error, r.ID, r.ContentID)
	case OutcomeCancel:
		_, err = tx.ExecContext(ctx, finalOutcome, DeliveryCancelled, 0, ms(now), r.Status, r.Error, r.ID, r.ContentID)
	case OutcomeDeferred:
		_, err = tx.ExecContext(ctx, `UPDATE hub_deliveries SET next_at = ?, claimed = 0 WHERE id = ? AND content_id = ? AND state = 0`,
			ms(r.RetryAt), r.ID, r.ContentID)
	case OutcomeGone:
		err = gone(ctx, tx, r, now)
	}
	return err
}

// gone ends a subscription whose callback answered 410 Gone.
func gone(ctx context.Context, tx *sql.Tx, r DeliveryResult, now time.Time) error {
	if _, err := tx.ExecContext(ctx, finalOutcome, DeliveryFailed, 1, ms(now), r.Status, r.Error, r.ID, r.ContentID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE hub_subscriptions SET state = 'gone', secret = x'', updated_at = ?
		WHERE id = ? AND state = 'active'`, ms(now), r.SubscriptionID); err != nil {
		return err
	}
	return cancelPending(ctx, tx, r.SubscriptionID, now, "subscription ended: callback answered 410 Gone")
}

// Sweep expires lapsed subscriptions, cancels their pending deliveries and
// forgets finished rows and unreferenced content older than keep.
func (s *SQLite) Sweep(ctx context.Context, now time.Time, keep time.Duration) error {
	old := ms(now.Add(-keep))
	return s.withTx(ctx, "sweep", func(tx *sql.Tx) error {
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`UPDATE hub_deliveries SET state = 2, finished_at = ?1,
				last_error = CASE WHEN last_error <> '' THEN last_error || '; then: ' || ?3 ELSE ?3 END
				WHERE state = 0 AND subscription_id IN (SELECT id FROM hub_subscriptions WHERE state = 'active' AND expires_at <= ?2)`,
				[]any{ms(now), ms(now), "lease ended before the delivery succeeded"}},
			{`UPDATE hub_subscriptions SET state = 'expired', secret = x'', updated_at = ?
				WHERE state = 'active' AND expires_at <= ?`, []any{ms(now), ms(now)}},
			// Rows are in creation order: only those before the first one
			// created since `old` are looked at.
			{`DELETE FROM hub_deliveries WHERE state <> 0 AND finished_at < ?1 AND id < coalesce(
				(SELECT id FROM hub_deliveries WHERE created_at >= ?1 ORDER BY id LIMIT 1),
				(SELECT max(id) + 1 FROM hub_deliveries))`, []any{old}},
			{`DELETE FROM hub_verifications WHERE state <> 'pending' AND finished_at < ?`, []any{old}},
			{`DELETE FROM hub_contents WHERE fetched_at < ? AND id NOT IN (SELECT content_id FROM hub_topics WHERE content_id IS NOT NULL)
				AND id NOT IN (SELECT content_id FROM hub_deliveries)`, []any{old}},
		} {
			if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
				return err
			}
		}
		return nil
	})
}

// Counts returns the hub's headline figures.
func (s *SQLite) Counts(ctx context.Context, now time.Time) (Counts, error) {
	var c Counts
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM hub_subscriptions s WHERE `+activeSub+`),
		(SELECT count(DISTINCT s.topic_id) FROM hub_subscriptions s WHERE `+activeSub+`),
		(SELECT count(*) FROM hub_verifications WHERE state = 'pending'),
		(SELECT count(*) FROM hub_deliveries WHERE state = 0),
		(SELECT count(*) FROM hub_deliveries WHERE state = 1),
		(SELECT count(*) FROM hub_deliveries WHERE state = 2)`, ms(now), ms(now)).
		Scan(&c.ActiveSubscriptions, &c.Topics, &c.PendingVerifications, &c.PendingDeliveries,
			&c.DeliveredTotal, &c.FailedTotal)
	if err != nil {
		return c, fmt.Errorf("store: counts: %w", err)
	}
	return c, nil
}
