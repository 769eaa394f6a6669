package aggregate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rookery-social/rookery/aggregate/store"
)

// MarkShown marks the posts of a listing read: the timeline, in the
// terminal or the web view, has shown them.
func (r *Reader) MarkShown(ctx context.Context, posts []Post) error {
	ids := make([]int64, 0, len(posts))
	for _, p := range posts {
		if p.Unread && p.RowID != 0 {
			ids = append(ids, p.RowID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if _, err := r.st.MarkRead(ctx, store.ReadQuery{RowIDs: ids}); err != nil {
		return fmt.Errorf("unable to mark %d shown posts read: %w", len(ids), err)
	}
	return nil
}

// MarkRead marks the posts with these ids or permalinks read and returns
// how many were unread.
func (r *Reader) MarkRead(ctx context.Context, keys ...string) (int, error) {
	ids := make([]int64, 0, len(keys))
	for _, k := range keys {
		p, err := r.st.PostByKey(ctx, k, "")
		if errors.Is(err, store.ErrNotFound) {
			return 0, fmt.Errorf("no stored post has the id or URL %q (see `reader timeline`)", k)
		}
		if err != nil {
			return 0, fmt.Errorf("unable to mark %q read: %w", k, err)
		}
		ids = append(ids, p.RowID)
	}
	n, err := r.st.MarkRead(ctx, store.ReadQuery{RowIDs: ids})
	if err != nil {
		return 0, fmt.Errorf("unable to mark %d posts read: %w", len(ids), err)
	}
	return n, nil
}

// ReadScope is which posts MarkAllRead marks read.
type ReadScope struct {
	Before time.Time // only posts published before this (zero: every post)
	// UpTo leaves alone the posts that arrived after the one with this
	// rowid (0: none left alone): a page marks what it showed, not what
	// arrived since.
	UpTo int64
}

// MarkAllRead marks every unread post in scope read and returns how many.
func (r *Reader) MarkAllRead(ctx context.Context, s ReadScope) (int, error) {
	n, err := r.st.MarkRead(ctx, store.ReadQuery{All: s.Before.IsZero(), Before: s.Before, UpTo: s.UpTo})
	if err != nil {
		return 0, fmt.Errorf("unable to mark posts read: %w", err)
	}
	return n, nil
}

// Unread counts the unread posts of followed feeds (blocked ones left
// out), up to max (0: all of them).
func (r *Reader) Unread(ctx context.Context, max int) (int, error) {
	f, err := r.st.Filter(ctx)
	if err != nil {
		return 0, fmt.Errorf("unable to load blocks and mutes: %w", err)
	}
	n, err := r.st.Unread(ctx, f, max)
	if err != nil {
		return 0, fmt.Errorf("unable to count unread posts: %w", err)
	}
	return n, nil
}

// ArrivedSince counts the posts of followed feeds that arrived after the
// post with rowid after (blocked ones left out): an open timeline's "new
// posts".
func (r *Reader) ArrivedSince(ctx context.Context, after int64) (int, error) {
	f, err := r.st.Filter(ctx)
	if err != nil {
		return 0, fmt.Errorf("unable to load blocks and mutes: %w", err)
	}
	n, err := r.st.ArrivedSince(ctx, after, f)
	if err != nil {
		return 0, fmt.Errorf("unable to count new posts: %w", err)
	}
	return n, nil
}

// ArrivedAfter lists up to limit posts of followed feeds that arrived
// after the post with rowid after, newest arrival first, blocks and mutes
// applied: what an open timeline has not shown yet.
func (r *Reader) ArrivedAfter(ctx context.Context, after int64, limit int) ([]Post, error) {
	f, err := r.st.Filter(ctx)
	if err != nil {
		return nil, fmt.Errorf("unable to load blocks and mutes: %w", err)
	}
	ps, err := r.st.Arrived(ctx, after, orDefault(limit, 50), f)
	if err != nil {
		return nil, fmt.Errorf("unable to list new posts: %w", err)
	}
	return r.withParents(ctx, ps), nil
}

// Post returns the stored post with this id or permalink.
func (r *Reader) Post(ctx context.Context, key string) (Post, error) {
	p, err := r.st.PostByKey(ctx, key, "")
	if errors.Is(err, store.ErrNotFound) {
		return Post{}, fmt.Errorf("no stored post has the id or URL %q (see `reader timeline`)", key)
	}
	if err != nil {
		return Post{}, fmt.Errorf("unable to read post %q: %w", key, err)
	}
	return toPost(p), nil
}

// Feed describes a stored feed, followed or not, by nick or URL.
func (r *Reader) Feed(ctx context.Context, key string) (FeedInfo, error) {
	f, err := r.st.FeedByKey(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return FeedInfo{}, fmt.Errorf("no feed %q is stored (see `reader following`)", key)
	}
	if err != nil {
		return FeedInfo{}, fmt.Errorf("unable to read feed %q: %w", key, err)
	}
	return feedInfo(f), nil
}

// LastArrival is the rowid of the newest stored post (0: none).
func (r *Reader) LastArrival(ctx context.Context) (int64, error) {
	return r.st.LastRowID(ctx)
}

// Arrivals returns a channel closed when this Reader next stores a new
// post (a push, a poll, a follow). Posts stored by other processes on
// the same database are not signalled.
func (r *Reader) Arrivals() <-chan struct{} { return r.st.Arrivals() }
