package aggregate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/rookery-social/rookery/aggregate/feedparse"
	"github.com/rookery-social/rookery/aggregate/store"
)

// TrackedRef is one entry a tracked topic brought. Confirmed, it names the
// origin's stored post (the reader found it in the origin's own feed);
// unconfirmed, Doc holds it as the hub delivered it, a one-entry Atom
// document claimed by Feed, which is not the origin's post.
type TrackedRef struct {
	store.PostRef
	Hub       string
	Confirmed bool
	Doc       []byte
	Seq       int64 // its place in the tracked entries' arrival order
}

// TrackedPost is a post as `reader tracked` lists it: the hub that
// brought it and whether its origin confirmed it.
type TrackedPost struct {
	Post
	Confirmed bool   `json:"confirmed"`
	Via       string `json:"via"`
}

// TrackedPosts returns the entries named by refs, in the order given,
// with blocks and mutes applied: confirmed ones as the origin's stored
// posts (left out when not stored), unconfirmed ones read from the hub's
// delivery and never from (or into) the origin's posts.
func (r *Reader) TrackedPosts(ctx context.Context, refs []TrackedRef) ([]TrackedPost, error) {
	f, err := r.st.Filter(ctx)
	if err != nil {
		return nil, fmt.Errorf("unable to load blocks and mutes: %w", err)
	}
	rules, err := r.st.Blocks(ctx)
	if err != nil {
		return nil, fmt.Errorf("unable to load blocks and mutes: %w", err)
	}
	out := []TrackedPost{}
	for _, ref := range refs {
		p, ok, err := r.trackedPost(ctx, ref)
		if err != nil {
			return nil, err
		}
		if !ok || slices.Contains(f.BlockedFeeds, p.FeedID) || store.Blocked(rules, p.Feed) || !f.Keep(p) {
			continue
		}
		tp := TrackedPost{Post: toPost(p), Confirmed: ref.Confirmed, Via: ref.Hub}
		tp.Cursor = store.Cursor{RowID: ref.Seq}.String()
		out = append(out, tp)
	}
	return out, nil
}

func (r *Reader) trackedPost(ctx context.Context, ref TrackedRef) (store.Post, bool, error) {
	if !ref.Confirmed {
		return r.unconfirmed(ref)
	}
	p, err := r.st.PostInFeed(ctx, ref.Feed, ref.ID)
	if errors.Is(err, store.ErrNotFound) {
		return p, false, nil
	}
	if err != nil {
		return p, false, fmt.Errorf("unable to read post %q of %s: %w", ref.ID, ref.Feed, err)
	}
	return p, true, nil
}

// unconfirmed reads a tracked entry from the hub's delivery.
func (r *Reader) unconfirmed(ref TrackedRef) (store.Post, bool, error) {
	doc, err := r.parser.Parse(ref.Doc, nil, ref.Feed)
	if err != nil || len(doc.Entries) == 0 {
		return store.Post{}, false, nil
	}
	e := feedparse.KeepHTTPURLs(doc.Entries[0])
	pub, upd := e.Published, e.Updated
	return store.Post{ID: ref.ID, URL: e.URL, Feed: ref.Feed, FeedTitle: doc.Title, Author: e.Author,
		Title: e.Title, Published: pub, Updated: upd, HTML: e.HTML, Text: e.Text, InReplyTo: e.InReplyTo.Ref,
		ReplyHref: e.InReplyTo.Href, ReplySource: e.InReplyTo.Source, Mentions: e.Mentions, Tags: e.Tags,
		Enclosures: e.Enclosures}, true, nil
}

// IngestConfirmed stores, under feedURL, only those entries of a document
// fetched from feedURL itself whose ids are in ids: the tracked entries
// that the origin's own feed confirmed. Feed details are not changed.
func (r *Reader) IngestConfirmed(ctx context.Context, feedURL, contentType string, body []byte, ids []string) (store.IngestResult, error) {
	u, err := checkURL(feedURL)
	if err != nil {
		return store.IngestResult{}, err
	}
	header := http.Header{}
	if contentType != "" {
		header.Set("Content-Type", contentType)
	}
	doc, err := r.parser.Parse(body, header, u)
	if err != nil {
		return store.IngestResult{}, fmt.Errorf("unable to ingest %s: %w", u, err)
	}
	keep := slices.DeleteFunc(doc.Entries, func(e feedparse.Entry) bool { return !slices.Contains(ids, entryKey(e)) })
	f, err := r.st.EnsureFeed(ctx, u)
	if err != nil {
		return store.IngestResult{}, fmt.Errorf("unable to ingest %s: %w", u, err)
	}
	doc.Entries = keep
	res, err := r.st.SaveDocument(ctx, f, nil, doc, r.opts.Now(), nil)
	if err != nil {
		return store.IngestResult{}, fmt.Errorf("unable to ingest %s: %w", u, err)
	}
	return res, nil
}

// entryKey is the id a stored entry is named by (its PostRef.ID).
func entryKey(e feedparse.Entry) string {
	if e.ID != "" {
		return e.ID
	}
	return e.Key
}
