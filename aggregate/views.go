package aggregate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rookery-social/rookery/aggregate/store"
)

// ErrNoMe is returned when a view needs to know who I am and `reader init`
// was never run.
var ErrNoMe = errors.New("who are you? run `reader init --me YOUR_FEED_URL` first")

// TimelineOptions selects the river of news.
type TimelineOptions struct {
	Limit  int       // default 50
	Since  time.Time // zero: no bound
	From   string    // a nick or feed URL; "" for every followed feed
	Any    bool      // with From: that feed's posts even if it is not followed (an author's page)
	Before Cursor    // the page after this post (zero: the newest)
	Unread bool      // only unread posts
}

// Cursor is a post's place in a listing (see Post.Cursor).
type Cursor = store.Cursor

// ParseCursor reads a Post.Cursor ("" is the top of a listing).
func ParseCursor(s string) (Cursor, error) {
	c, err := store.ParseCursor(s)
	if err != nil {
		return c, fmt.Errorf("%q is not a cursor: give the cursor of the last post of a page (e.g. 4711.1924992000)", s)
	}
	return c, nil
}

// Timeline lists posts of followed feeds, newest first, blocks and mutes applied.
func (r *Reader) Timeline(ctx context.Context, o TimelineOptions) ([]Post, error) {
	f, feedID, err := r.filterFrom(ctx, o.From)
	if err != nil {
		return nil, err
	}
	ps, err := r.st.Timeline(ctx, store.TimelineQuery{Limit: orDefault(o.Limit, 50), Since: o.Since, FeedID: feedID,
		All: o.Any, Before: o.Before, Unread: o.Unread}, f)
	if err != nil {
		return nil, fmt.Errorf("unable to list the timeline: %w", err)
	}
	return r.collapseReposts(ctx, r.withParents(ctx, ps)), nil
}

func orDefault(n, d int) int {
	if n <= 0 {
		return d
	}
	return n
}

func (r *Reader) feedID(ctx context.Context, key string) (int64, error) {
	if key == "" {
		return 0, nil
	}
	f, err := r.st.FeedByKey(ctx, key)
	if err != nil {
		return 0, fmt.Errorf("no feed %q is stored (see `reader following`)", key)
	}
	return f.ID, nil
}

// SearchOptions is a full-text search.
type SearchOptions struct {
	Query string
	Limit int // default 20
	Since time.Time
	From  string
	Rank  bool // by relevance (BM25) instead of newest first
	// Before is the page after this hit, newest first only (not with Rank).
	Before Cursor
}

// Search searches every stored post, blocks and mutes applied.
func (r *Reader) Search(ctx context.Context, o SearchOptions) ([]Post, error) {
	f, feedID, err := r.filterFrom(ctx, o.From)
	if err != nil {
		return nil, err
	}
	if o.Rank && !o.Before.IsZero() {
		return nil, fmt.Errorf("a search by relevance has no pages: page newest-first results only")
	}
	ps, err := r.st.Search(ctx, store.SearchQuery{Text: o.Query, Limit: orDefault(o.Limit, 20), Since: o.Since,
		FeedID: feedID, Rank: o.Rank, Before: o.Before}, f)
	if err != nil {
		return nil, fmt.Errorf("unable to search for %q: %w", o.Query, err)
	}
	out := r.withParents(ctx, ps)
	r.showDeletedCites(ctx, out)
	return out, nil
}

// ListOptions pages a newest-first listing.
type ListOptions struct {
	Limit  int       // default 50
	Since  time.Time // zero: no bound
	Before Cursor    // the page after this post (zero: the newest)
}

// mentionQuery is the query of what concerns me (mentions, notifications)
// for a page o, with the blocks and mutes to apply.
func (r *Reader) mentionQuery(ctx context.Context, o ListOptions) (store.MentionQuery, store.Filter, error) {
	me, err := r.Me(ctx)
	if err != nil {
		return store.MentionQuery{}, store.Filter{}, fmt.Errorf("unable to read my feed URL: %w", err)
	}
	if me == "" {
		return store.MentionQuery{}, store.Filter{}, ErrNoMe
	}
	f, err := r.st.Filter(ctx)
	if err != nil {
		return store.MentionQuery{}, store.Filter{}, fmt.Errorf("unable to load blocks and mutes: %w", err)
	}
	return store.MentionQuery{Me: me, Limit: orDefault(o.Limit, 50), Since: o.Since, Before: o.Before}, f, nil
}

// Mentions lists posts by anyone stored that mention me or reply to me.
func (r *Reader) Mentions(ctx context.Context, limit int, since time.Time) ([]Post, error) {
	return r.MentionsPage(ctx, ListOptions{Limit: limit, Since: since})
}

// MentionsPage is Mentions, a page at a time.
func (r *Reader) MentionsPage(ctx context.Context, o ListOptions) ([]Post, error) {
	q, f, err := r.mentionQuery(ctx, o)
	if err != nil {
		return nil, err
	}
	ps, err := r.st.Mentions(ctx, q, f)
	if err != nil {
		return nil, fmt.Errorf("unable to list the mentions of %s: %w", q.Me, err)
	}
	out := r.withParents(ctx, ps)
	r.showDeletedCites(ctx, out)
	return out, nil
}

// Hidden counts the posts a timeline would show but for blocks and mutes.
type Hidden struct {
	Blocked int `json:"blocked"` // posts of blocked feeds or domains
	Muted   int `json:"muted"`   // posts with a muted word or tag
}

// maxHiddenCount bounds the posts Hidden reads.
const maxHiddenCount = 10000

// HiddenPosts counts what the timeline o leaves out by blocks and mutes
// (up to maxHiddenCount posts read): it tells an empty timeline from one
// whose every post is hidden.
func (r *Reader) HiddenPosts(ctx context.Context, o TimelineOptions) (Hidden, error) {
	f, feedID, err := r.filterFrom(ctx, o.From)
	if err != nil {
		return Hidden{}, err
	}
	all, err := r.st.Timeline(ctx, store.TimelineQuery{Limit: maxHiddenCount, Since: o.Since, FeedID: feedID}, store.Filter{})
	if err != nil {
		return Hidden{}, fmt.Errorf("unable to count hidden posts: %w", err)
	}
	return countHidden(f, all), nil
}

// HiddenSearchResults counts the posts matching the search o (up to a
// bound) that blocks and mutes hide: what Search left out.
func (r *Reader) HiddenSearchResults(ctx context.Context, o SearchOptions) (Hidden, error) {
	f, feedID, err := r.filterFrom(ctx, o.From)
	if err != nil {
		return Hidden{}, err
	}
	all, err := r.st.Search(ctx, store.SearchQuery{Text: o.Query, Limit: maxHiddenCount, Since: o.Since,
		FeedID: feedID, Before: o.Before}, store.Filter{})
	if err != nil {
		return Hidden{}, fmt.Errorf("unable to count hidden results of %q: %w", o.Query, err)
	}
	return countHidden(f, all), nil
}

// filterFrom loads the blocks and mutes, and the id of the feed from
// names (0 when from is "").
func (r *Reader) filterFrom(ctx context.Context, from string) (store.Filter, int64, error) {
	f, err := r.st.Filter(ctx)
	if err != nil {
		return f, 0, fmt.Errorf("unable to load blocks and mutes: %w", err)
	}
	feedID, err := r.feedID(ctx, from)
	return f, feedID, err
}

// countHidden counts the posts of all that f hides, by blocks and by mutes.
func countHidden(f store.Filter, all []store.Post) Hidden {
	blocked := map[int64]bool{}
	for _, id := range f.BlockedFeeds {
		blocked[id] = true
	}
	var h Hidden
	for _, p := range all {
		switch {
		case blocked[p.FeedID]:
			h.Blocked++
		case !f.Keep(p):
			h.Muted++
		}
	}
	return h
}

// withParents is toPosts with the stored parent of each reply named.
func (r *Reader) withParents(ctx context.Context, ps []store.Post) []Post {
	out := toPosts(ps)
	for i, p := range ps {
		if p.InReplyTo == "" && p.ReplyHref == "" {
			continue
		}
		if par, err := r.lookupParent(ctx, p); err == nil {
			out[i].Parent = &Parent{Author: who(par), URL: par.URL}
			if par.URL == "" {
				out[i].Parent.URL = par.ID
			}
		}
	}
	return out
}

// who names a post's author: @nick when its feed is followed, else the
// author's name, else the feed's title or URL.
func who(p store.Post) string {
	switch {
	case p.Nick != "":
		return "@" + p.Nick
	case p.Author != "":
		return p.Author
	case p.FeedTitle != "":
		return p.FeedTitle
	}
	return p.Feed
}
