package aggregate

import (
	"context"
	"errors"
	"fmt"

	"github.com/rookery-social/rookery/aggregate/store"
)

const (
	// maxThreadPosts bounds the size of a thread walk.
	maxThreadPosts = 1000
	// maxThreadArchivePages bounds the archive pages walked for one parent.
	maxThreadArchivePages = 10
)

// Thread returns the conversation holding the post with id or permalink
// key, in tree order: the root first, each reply after its parent, with
// Depth set. Parents that are not stored are fetched from their source
// feeds (at most MaxThreadFetches feeds). Blocked authors are left out.
func (r *Reader) Thread(ctx context.Context, key string) ([]Post, error) {
	f, err := r.st.Filter(ctx)
	if err != nil {
		return nil, fmt.Errorf("unable to load blocks and mutes: %w", err)
	}
	p, err := r.st.PostByKey(ctx, key, "")
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("no stored post has the id or URL %q (see `reader timeline`)", key)
	}
	if err != nil {
		return nil, fmt.Errorf("unable to show the thread of %q: %w", key, err)
	}
	if blocked(f, p.FeedID) {
		return nil, fmt.Errorf("unable to show the thread of %q: that post's author is blocked", key)
	}
	root := r.findRoot(ctx, p, f)
	out := []Post{}
	seen := map[int64]bool{}
	err = r.walkDown(ctx, root, 0, f, seen, &out)
	r.showDeletedCites(ctx, out)
	return out, err
}

func blocked(f store.Filter, feedID int64) bool {
	for _, id := range f.BlockedFeeds {
		if id == feedID {
			return true
		}
	}
	return false
}

// findRoot climbs thr:in-reply-to links from p to the oldest ancestor it can
// find that is not blocked.
func (r *Reader) findRoot(ctx context.Context, p store.Post, f store.Filter) store.Post {
	fetches := 0
	seen := map[int64]bool{p.RowID: true}
	for len(seen) < maxThreadPosts {
		parent, ok := r.parent(ctx, p, &fetches)
		if !ok || seen[parent.RowID] || blocked(f, parent.FeedID) {
			return p
		}
		seen[parent.RowID] = true
		p = parent
	}
	return p
}

// parent finds p's parent, fetching its source feed if it is not stored.
func (r *Reader) parent(ctx context.Context, p store.Post, fetches *int) (store.Post, bool) {
	if p.InReplyTo == "" && p.ReplyHref == "" {
		return store.Post{}, false
	}
	if par, err := r.lookupParent(ctx, p); err == nil {
		return par, true
	}
	src := p.ReplySource
	if src == "" || *fetches >= r.opts.MaxThreadFetches {
		return store.Post{}, false
	}
	if b, _ := r.Blocked(ctx, src); b {
		return store.Post{}, false
	}
	*fetches++
	found := func() bool { _, err := r.lookupParent(ctx, p); return err == nil }
	if err := r.fetchForeign(ctx, src, found); err != nil {
		r.opts.Logger.Warn("unable to fetch a thread's parent", "feed", src, "err", err)
		return store.Post{}, false
	}
	par, err := r.lookupParent(ctx, p)
	return par, err == nil
}

func (r *Reader) lookupParent(ctx context.Context, p store.Post) (store.Post, error) {
	if p.InReplyTo != "" {
		if par, err := r.st.PostByKey(ctx, p.InReplyTo, p.ReplySource); err == nil {
			return par, nil
		}
	}
	if p.ReplyHref != "" {
		return r.st.PostByKey(ctx, p.ReplyHref, p.ReplySource)
	}
	return store.Post{}, store.ErrNotFound
}

// fetchForeign fetches a feed that may not be followed and stores its
// posts, walking its archives (bounded) until found reports success.
func (r *Reader) fetchForeign(ctx context.Context, feedURL string, found func() bool) error {
	got, err := r.fetchDoc(ctx, feedURL)
	if err != nil {
		return err
	}
	f, err := r.st.EnsureFeed(ctx, got.url)
	if err != nil {
		return err
	}
	if _, err := r.st.SaveDocument(ctx, f, meta(got.doc), got.doc, r.opts.Now(), nil); err != nil {
		return err
	}
	seen := map[string]bool{got.url: true}
	prev := got.doc.PrevArchive
	for page := 0; page < min(r.opts.MaxArchivePages, maxThreadArchivePages) && prev != "" && !seen[prev] && !found(); page++ {
		seen[prev] = true
		arch, err := r.fetchDoc(ctx, prev)
		if err != nil {
			return err
		}
		if _, err := r.st.SaveDocument(ctx, f, nil, arch.doc, r.opts.Now(), nil); err != nil {
			return err
		}
		prev = arch.doc.PrevArchive
	}
	return nil
}

func (r *Reader) walkDown(ctx context.Context, p store.Post, depth int, f store.Filter, seen map[int64]bool, out *[]Post) error {
	if seen[p.RowID] || len(seen) >= maxThreadPosts {
		return nil
	}
	seen[p.RowID] = true
	if f.Keep(p) {
		tp := toPost(p)
		tp.Depth = depth
		*out = append(*out, tp)
	}
	kids, err := r.st.Replies(ctx, p, f)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("unable to list the replies to post %q of %s: %w", p.ID, p.Feed, err)
	}
	for _, k := range kids {
		if err := r.walkDown(ctx, k, depth+1, f, seen, out); err != nil {
			return err
		}
	}
	return nil
}
