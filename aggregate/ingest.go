package aggregate

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/rookery-social/rookery/aggregate/feedparse"
	"github.com/rookery-social/rookery/aggregate/store"
)

// Ingest parses a feed document delivered for feedURL (a WebSub push, a
// Webmention source's feed) with the same code as a fetch, and upserts its
// entries, creating an unfollowed feed row when feedURL is unknown.
func (r *Reader) Ingest(ctx context.Context, feedURL, contentType string, body []byte) (store.IngestResult, error) {
	u, err := checkURL(feedURL)
	if err != nil {
		return store.IngestResult{}, err
	}
	header := http.Header{}
	if contentType != "" {
		header.Set("Content-Type", contentType)
	}
	var known feedparse.Known
	if f, err := r.st.FeedByURL(ctx, u); err == nil {
		known = r.known(ctx, f.ID)
	}
	// Entries are sanitized in the background while the first ones are
	// stored: on two cores that hides most of the sanitizing.
	doc, err := r.parser.ParseStream(body, header, u, known, store.SaveOrder)
	if err != nil {
		return store.IngestResult{}, fmt.Errorf("unable to ingest %s: %w", u, err)
	}
	defer doc.WaitAll()
	f, err := r.st.EnsureFeed(ctx, u)
	if err != nil {
		return store.IngestResult{}, fmt.Errorf("unable to ingest %s: %w", u, err)
	}
	res, err := r.st.SaveDocument(ctx, f, meta(doc.Feed), doc.Feed, r.opts.Now(), doc.Wait)
	if err != nil {
		return store.IngestResult{}, fmt.Errorf("unable to ingest %s: %w", u, err)
	}
	return res, nil
}

// MarkMention records that a verified Webmention from source to target
// makes the stored post postID of feedURL a mention of me.
func (r *Reader) MarkMention(ctx context.Context, feedURL, postID, source, target string) error {
	p, err := r.st.PostInFeed(ctx, feedURL, postID)
	if err != nil {
		return fmt.Errorf("unable to mark post %q of %s as a mention: %w", postID, feedURL, err)
	}
	if err := r.st.MarkMention(ctx, p.RowID, source, target); err != nil {
		return fmt.Errorf("unable to mark post %q of %s as a mention: %w", postID, feedURL, err)
	}
	return nil
}

// ForgetMention removes what Webmentions from source stored, now that
// source is gone or no longer links to me (W3C Webmention §3.2.4): the
// marks, and the posts themselves unless their feed is followed. It
// returns how many posts it removed.
func (r *Reader) ForgetMention(ctx context.Context, source string) (int, error) {
	n, err := r.st.ForgetMention(ctx, source)
	if err != nil {
		return 0, fmt.Errorf("unable to forget the Webmention from %s: %w", source, err)
	}
	return n, nil
}

// Blocked reports whether the feed or page at rawURL is blocked: the URL
// itself, its domain, or the feed of the stored post it is the permalink of.
func (r *Reader) Blocked(ctx context.Context, rawURL string) (bool, error) {
	rules, err := r.st.Blocks(ctx)
	if err != nil || len(rules) == 0 {
		return false, err
	}
	if store.Blocked(rules, rawURL) {
		return true, nil
	}
	if f, err := r.st.FeedByURL(ctx, rawURL); err == nil && store.Blocked(rules, f.URL) {
		return true, nil
	}
	if p, err := r.st.PostByKey(ctx, rawURL, ""); err == nil {
		return store.Blocked(rules, p.Feed), nil
	}
	return false, nil
}

// FollowedFeeds lists the feeds I follow.
func (r *Reader) FollowedFeeds(ctx context.Context) ([]FeedInfo, error) {
	feeds, err := r.st.Feeds(ctx, true)
	if err != nil {
		return nil, fmt.Errorf("unable to list followed feeds: %w", err)
	}
	out := make([]FeedInfo, 0, len(feeds))
	for _, f := range feeds {
		out = append(out, feedInfo(f))
	}
	return out, nil
}

// SubscribableFeeds lists the followed feeds that are not gone: those a
// WebSub subscription may deliver (see package subscriber).
func (r *Reader) SubscribableFeeds(ctx context.Context) ([]store.Feed, error) {
	feeds, err := r.st.Feeds(ctx, true)
	if err != nil {
		return nil, fmt.Errorf("unable to list followed feeds: %w", err)
	}
	return slices.DeleteFunc(feeds, func(f store.Feed) bool { return f.Gone }), nil
}

// SetMode records how a feed arrives: store.ModePush (WebSub) or
// store.ModePoll.
func (r *Reader) SetMode(ctx context.Context, feedURL, mode string) error {
	if mode != store.ModePush && mode != store.ModePoll {
		return fmt.Errorf("mode %q is neither push nor poll", mode)
	}
	f, err := r.st.FeedByURL(ctx, feedURL)
	if err != nil {
		return fmt.Errorf("unable to set the mode of %s: %w", feedURL, err)
	}
	return r.st.SetMode(ctx, f.ID, mode)
}

// Unfollow stops following a feed (by nick or URL). Its posts stay.
func (r *Reader) Unfollow(ctx context.Context, key string) (FeedInfo, error) {
	f, err := r.st.FeedByKey(ctx, key)
	if err != nil || !f.Followed {
		return FeedInfo{}, fmt.Errorf("you follow no feed %q (see `reader following`)", key)
	}
	if err := r.st.Unfollow(ctx, f.ID); err != nil {
		return FeedInfo{}, fmt.Errorf("unable to unfollow %s: %w", f.URL, err)
	}
	return feedInfo(f), nil
}
