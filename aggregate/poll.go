package aggregate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/rookery-social/rookery/aggregate/feedparse"
	"github.com/rookery-social/rookery/aggregate/fetch"
	"github.com/rookery-social/rookery/aggregate/store"
	"github.com/rookery-social/rookery/internal/backoff"
)

// FetchResult is the outcome of fetching one feed.
type FetchResult struct {
	Feed        string // the feed's URL (its new URL after a permanent redirect)
	New         int    // posts new or changed
	Deleted     int    // stored posts removed by the feed's tombstones (RFC 6721)
	NotModified bool
	Err         error
}

// ErrBlocked is returned (wrapped) when asked to fetch a blocked feed.
var ErrBlocked = errors.New("blocked")

// FetchAll fetches every followed feed now (gone feeds excepted),
// concurrency-bounded, reporting progress.
func (r *Reader) FetchAll(ctx context.Context, progress Progress) ([]FetchResult, error) {
	feeds, err := r.st.Feeds(ctx, true)
	if err != nil {
		return nil, fmt.Errorf("unable to list followed feeds: %w", err)
	}
	var todo []store.Feed
	for _, f := range feeds {
		if !f.Gone {
			todo = append(todo, f)
		}
	}
	return r.fetchMany(ctx, todo, progress), nil
}

// FetchFeed fetches one feed (by nick or URL) now, even one that was gone.
func (r *Reader) FetchFeed(ctx context.Context, key string) (FetchResult, error) {
	f, err := r.st.FeedByKey(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return FetchResult{}, fmt.Errorf("you follow no feed %q (see `reader following`)", key)
	}
	if err != nil {
		return FetchResult{}, fmt.Errorf("unable to fetch %q: %w", key, err)
	}
	res := r.fetchFeed(ctx, f)
	return res, res.Err
}

// PollDue fetches every followed feed whose next fetch is due and returns
// how many were fetched.
func (r *Reader) PollDue(ctx context.Context) (int, error) {
	due, err := r.st.DueFeeds(ctx, r.opts.Now())
	if err != nil {
		return 0, fmt.Errorf("unable to list the feeds due a poll: %w", err)
	}
	res := r.fetchMany(ctx, due, nil)
	n := 0
	for _, x := range res {
		if !errors.Is(x.Err, ErrBlocked) {
			n++
		}
	}
	return n, nil
}

func (r *Reader) fetchMany(ctx context.Context, feeds []store.Feed, progress Progress) []FetchResult {
	out := make([]FetchResult, len(feeds))
	sem := make(chan struct{}, r.opts.Concurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for i, f := range feeds {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i] = r.fetchFeed(ctx, f)
			mu.Lock()
			done++
			progress.report(done, len(feeds), f.URL)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// fetchFeed does one conditional GET of f and stores what it brings.
func (r *Reader) fetchFeed(ctx context.Context, f store.Feed) FetchResult {
	res := FetchResult{Feed: f.URL}
	blocked, err := r.Blocked(ctx, f.URL)
	if err != nil {
		res.Err = err
		return res
	}
	if blocked {
		res.Err = fmt.Errorf("%s is %w; not fetched", f.URL, ErrBlocked)
		return res
	}
	now := r.opts.Now()
	resp, err := r.fetcher.Fetch(ctx, fetch.Request{URL: f.URL, ETag: f.ETag, LastModified: f.LastModified})
	if err != nil {
		res.Err = r.failed(ctx, f, now, err)
		return res
	}
	if resp.Moved != "" {
		if f.ID, err = r.st.MoveFeed(ctx, f.ID, resp.Moved); err != nil {
			res.Err = err
			return res
		}
		f.URL, res.Feed = resp.Moved, resp.Moved
	}
	if resp.NotModified {
		res.NotModified = true
		res.Err = r.st.SetFetchState(ctx, f.ID, r.successState(f, resp, 0, now))
		return res
	}
	doc, err := r.parser.ParseStream(resp.Body, resp.Header, resp.URL, r.known(ctx, f.ID), store.SaveOrder)
	if err != nil {
		res.Err = r.failed(ctx, f, now, err)
		return res
	}
	defer doc.WaitAll()
	m := meta(doc.Feed)
	st := r.successState(f, resp, doc.Feed.TTL, now)
	m.State = &st
	saved, err := r.st.SaveDocument(ctx, f, m, doc.Feed, now, doc.Wait)
	res.New, res.Deleted, res.Err = saved.Stored, saved.Deleted, err
	return res
}

// known tells the parser which entries of a feed are stored, with which
// digests. On an error it knows none, and every entry is sanitized and
// compared by the store as usual.
func (r *Reader) known(ctx context.Context, feedID int64) feedparse.Known {
	return func(keys []string) map[string]string {
		stored, err := r.st.StoredDigests(ctx, feedID, keys)
		if err != nil {
			r.opts.Logger.Warn("unable to read stored digests", "err", err)
			return nil
		}
		return stored
	}
}

func meta(doc *feedparse.Feed) *store.FeedMeta {
	return &store.FeedMeta{Title: doc.Title, SiteURL: doc.SiteURL, Hubs: doc.Hubs, Self: doc.Self,
		Author: doc.Author, Bio: doc.Bio, Avatar: doc.Avatar}
}

// successState is the fetch state after a 2xx or 304.
func (r *Reader) successState(f store.Feed, resp *fetch.Response, ttl time.Duration, now time.Time) store.FetchState {
	interval := r.opts.PollInterval
	if f.Mode == "push" {
		interval = max(interval, r.opts.PushPollInterval)
	}
	st := store.FetchState{ETag: f.ETag, LastModified: f.LastModified, LastFetch: now,
		NextFetch: nextPoll(now, interval, resp.FreshUntil, ttl)}
	if !resp.NotModified || resp.ETag != "" {
		st.ETag = resp.ETag
	}
	if !resp.NotModified || resp.LastModified != "" {
		st.LastModified = resp.LastModified
	}
	return st
}

// nextPoll honours Cache-Control/Expires and RSS ttl, never polling sooner
// than interval nor later than a day.
func nextPoll(now time.Time, interval time.Duration, fresh time.Time, ttl time.Duration) time.Time {
	next := now.Add(interval)
	if t := now.Add(ttl); t.After(next) {
		next = t
	}
	if fresh.After(next) {
		next = fresh
	}
	return minTime(next, now.Add(24*time.Hour))
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// failed records a failure: exponential backoff with jitter, Retry-After
// honoured, 410 stops polling. The stored validators stay as they were.
func (r *Reader) failed(ctx context.Context, f store.Feed, now time.Time, cause error) error {
	st := store.FetchState{ETag: f.ETag, LastModified: f.LastModified, LastFetch: now,
		LastError: cause.Error(), Failures: f.Failures + 1}
	st.NextFetch = now.Add(pollBackoff(r.opts.PollInterval, st.Failures))
	var se *fetch.StatusError
	if errors.As(cause, &se) {
		if se.RetryAfter.After(st.NextFetch) {
			st.NextFetch = se.RetryAfter
		}
		st.Gone = se.Code == http.StatusGone
	}
	if err := r.st.SetFetchState(ctx, f.ID, st); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

// pollBackoff is base/6 doubled per consecutive failure, capped at a day, with
// ±20% jitter so that feeds failing together spread out.
func pollBackoff(base time.Duration, failures int) time.Duration {
	return backoff.Policy{Base: base / 6, Max: 24 * time.Hour, Jitter: 0.2}.Delay(failures - 1)
}
