package store

import "time"

// handChunks are the sizes of the chunks of handed deliveries: a small
// first one so that sending starts at once, then larger ones.
var handChunks = []int{32, 256, 1024}

// storedContent is the content version id that a fetch of job stored.
func storedContent(id int64, job FetchJob, res FetchResult, now time.Time) Content {
	return Content{ID: id, Topic: job.Topic, ContentType: res.ContentType, Body: res.Body, Hash: res.Hash, FetchedAt: now}
}

// rowIter is the rows of a result of either backend: *sql.Rows or
// pgx.Rows.
type rowIter interface {
	scanner
	Next() bool
	Err() error
}

// readHanded reads the deliveries of content c that a chunk statement
// created (up to n), scan reading the columns of each into d, and returns
// them with the highest subscription id among them (at least after).
func readHanded(rows rowIter, c Content, after int64, n int, scan func(r scanner, d *Delivery) error) ([]Delivery, int64, error) {
	ds := make([]Delivery, 0, n)
	last := after
	for rows.Next() {
		d := Delivery{ContentID: c.ID, Topic: c.Topic, Active: true, CreatedAt: c.FetchedAt}
		if err := scan(rows, &d); err != nil {
			return nil, 0, err
		}
		last = max(last, d.SubscriptionID)
		ds = append(ds, d)
	}
	return ds, last, rows.Err()
}

// chunkFunc creates the deliveries, leased to the caller, of the next n
// active subscriptions (in id order) after the id `after`, with what
// sending them needs; it returns them and the highest subscription id
// among them.
type chunkFunc func(after int64, n int) ([]Delivery, int64, error)

// restFunc creates the deliveries of every active subscription after the
// id `after` and returns how many it made.
type restFunc func(after int64) (int, error)

// fanOut creates one delivery of the stored content c per active
// subscriber: up to handoff.Max of them leased to the caller, chunk by
// chunk, then the rest at once. The backend's SQL does the creating.
func fanOut(c Content, handoff Handoff, chunk chunkFunc, rest restFunc) (FanOut, error) {
	out := FanOut{ContentID: c.ID}
	var after int64 // subscriptions up to this id were handed
	if handoff.Max > 0 {
		handed, last, err := handOut(c, handoff, chunk, &out)
		if err != nil {
			return out, err
		}
		out.Deliveries, after = handed, last
		if handed < handoff.Max {
			return out, nil
		}
	}
	n, err := rest(after)
	out.Deliveries += n
	return out, err
}

// handOut creates up to handoff.Max leased deliveries in chunks (in
// subscription order), passing each to handoff.Hand or appending it to
// out.Handed; it returns how many it made and the highest subscription id
// handed.
func handOut(c Content, handoff Handoff, chunk chunkFunc, out *FanOut) (int, int64, error) {
	var total int
	var after int64
	for i := 0; total < handoff.Max; i++ {
		n := min(handChunks[min(i, len(handChunks)-1)], handoff.Max-total)
		ds, last, err := chunk(after, n)
		if err != nil {
			return 0, 0, err
		}
		if len(ds) == 0 {
			break
		}
		total, after = total+len(ds), last
		if handoff.Hand != nil {
			handoff.Hand(c, ds)
		} else {
			out.Handed = append(out.Handed, ds...)
		}
		if len(ds) < n {
			break
		}
	}
	return total, after, nil
}
