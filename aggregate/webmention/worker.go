package webmention

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/rookery-social/rookery/aggregate/store"
	"github.com/rookery-social/rookery/internal/htmlx"
	"github.com/rookery-social/rookery/internal/safehttp"
)

// Run verifies queued Webmentions until ctx ends: at once when one
// arrives, and every few seconds for retries that come due.
func (r *Receiver) Run(ctx context.Context) error {
	for {
		if _, err := r.ProcessDue(ctx); err != nil && ctx.Err() == nil {
			r.log.Error("webmention worker", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-r.wake:
		case <-time.After(idleWait):
		}
	}
}

// ProcessDue verifies the queued Webmentions that are due (at most a
// batch) and returns how many it handled.
func (r *Receiver) ProcessDue(ctx context.Context) (int, error) {
	items, err := r.due(ctx)
	if err != nil {
		return 0, err
	}
	for _, m := range items {
		if ctx.Err() != nil {
			return 0, nil
		}
		out := r.verify(ctx, m)
		if err := r.finish(ctx, m, out); err != nil {
			return 0, err
		}
	}
	return len(items), nil
}

func (r *Receiver) due(ctx context.Context) ([]Mention, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT id, source, target, attempts FROM webmention_queue
		WHERE status = ? AND next_at <= ? ORDER BY next_at, id LIMIT ?`, StatusQueued, r.cfg.Now().Unix(), batchSize)
	if err != nil {
		return nil, fmt.Errorf("webmention: load queue: %w", err)
	}
	defer rows.Close()
	var out []Mention
	for rows.Next() {
		var m Mention
		if err := rows.Scan(&m.ID, &m.Source, &m.Target, &m.Attempts); err != nil {
			return nil, fmt.Errorf("webmention: load queue: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// outcome is what verifying one Webmention came to.
type outcome struct {
	status string // StatusDone, StatusDropped, or StatusQueued to retry
	result string
	quiet  bool // logged already, with others like it (see Receiver.dropped)
	gone   bool // the document fetched answered 404 or 410
}

func done(format string, a ...any) outcome {
	return outcome{status: StatusDone, result: fmt.Sprintf(format, a...)}
}
func drop(format string, a ...any) outcome {
	return outcome{status: StatusDropped, result: fmt.Sprintf(format, a...)}
}
func retry(format string, a ...any) outcome {
	return outcome{status: StatusQueued, result: fmt.Sprintf(format, a...)}
}

// finish records an outcome; a retry backs off 1, 2, 4, 8 minutes and
// gives up after maxAttempts.
func (r *Receiver) finish(ctx context.Context, m Mention, o outcome) error {
	attempts, now := m.Attempts+1, r.cfg.Now()
	if o.status == StatusQueued && attempts >= maxAttempts {
		o = drop("gave up after %d attempts: %s", attempts, o.result)
	}
	next := now.Add(time.Minute << (attempts - 1))
	if !o.quiet {
		r.log.Info("webmention "+o.status, "source", m.Source, "target", m.Target, "result", o.result)
	}
	_, err := r.db.ExecContext(ctx, `UPDATE webmention_queue SET status = ?, attempts = ?, next_at = ?,
		updated_at = ?, result = ? WHERE id = ? AND status = ?`,
		o.status, attempts, next.Unix(), now.Unix(), o.result, m.ID, StatusQueued)
	if err != nil {
		return fmt.Errorf("webmention: record result: %w", err)
	}
	return nil
}

// verify fetches the source, checks that it links to target, and stores
// its entry as a mention of me.
func (r *Receiver) verify(ctx context.Context, m Mention) outcome {
	source, target := m.Source, m.Target
	if o, blocked := r.blocked(ctx, source); blocked {
		return o
	}
	doc, o, ok := r.fetch(ctx, source, maxSourceBytes)
	if o.gone {
		return r.forget(ctx, source, o.result)
	}
	if !ok {
		return o
	}
	if o, blocked := r.blocked(ctx, doc.url.String()); blocked {
		return o
	}
	if o, same := r.samePage(ctx, m, doc); same {
		return o
	}
	switch kind := kindOf(doc.contentType, doc.body); kind {
	case kindXML, kindJSON:
		return r.fromFeedSource(ctx, source, target, doc, kind)
	case kindText:
		if !bytes.Contains(doc.body, []byte(target)) {
			return r.forget(ctx, source, "the source does not link to the target")
		}
		return r.fromPage(ctx, source, target, doc)
	default:
		if !htmlLinksTo(doc.body, doc.url, target) {
			return r.forget(ctx, source, "the source does not link to the target")
		}
		return r.fromPage(ctx, source, target, doc)
	}
}

// samePage records the source's page and drops the Webmention when
// another one for the same target was stored from the same page: one
// page under many URLs (?m=1, ?m=2 …) is one mention.
func (r *Receiver) samePage(ctx context.Context, m Mention, doc fetched) (outcome, bool) {
	final, digest := doc.url.String(), pageDigest(doc.body)
	if err := r.recordPage(ctx, m.ID, final, digest); err != nil {
		return retry("%v", err), true
	}
	other, err := r.variantOf(ctx, m.ID, m.Target, final, digest)
	if err != nil {
		return retry("%v", err), true
	}
	if other != "" {
		r.dropped("the same page as a Webmention already stored", hostOf(m.Source))
		o := drop("the same page as %s, already stored", other)
		o.quiet = true
		return o, true
	}
	return outcome{}, false
}

func (r *Receiver) blocked(ctx context.Context, u string) (outcome, bool) {
	if u == "" {
		return outcome{}, false
	}
	b, err := r.store.Blocked(ctx, u)
	if err != nil {
		return retry("checking blocks: %v", err), true
	}
	if b {
		return drop("%s is blocked", u), true
	}
	return outcome{}, false
}

// fetched is a fetched document.
type fetched struct {
	url         *url.URL // after redirects
	contentType string
	body        []byte
}

// fetch GETs u. A refused address, a too large body, 404/410 or another
// 4xx drop the Webmention; network errors, 429 and 5xx are retried.
// A 404/410 answer is dropped with gone set: for a source, what a
// previous Webmention stored is removed (see forget).
func (r *Receiver) fetch(ctx context.Context, u string, max int64) (fetched, outcome, bool) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	h := http.Header{"Accept": {"text/html, application/xhtml+xml, application/atom+xml, application/rss+xml, application/feed+json, application/json;q=0.9, text/plain;q=0.8, */*;q=0.1"}}
	resp, body, err := safehttp.Get(ctx, r.cfg.Client, u, h, max)
	switch {
	case errors.Is(err, safehttp.ErrForbiddenAddress), errors.Is(err, safehttp.ErrScheme):
		return fetched{}, drop("refused to fetch %s: %v", u, err), false
	case errors.Is(err, safehttp.ErrTooLarge):
		return fetched{}, drop("%s is larger than %d bytes", u, max), false
	case err != nil:
		return fetched{}, retry("fetching %s: %v", u, err), false
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		o := drop("%s is gone (%s)", u, resp.Status)
		o.gone = true
		return fetched{}, o, false
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fetched{}, retry("fetching %s: %s", u, resp.Status), false
	case resp.StatusCode != http.StatusOK:
		return fetched{}, drop("fetching %s: %s", u, resp.Status), false
	}
	return fetched{resp.Request.URL, resp.Header.Get("Content-Type"), body}, outcome{}, true
}

// fromFeedSource handles a source that is itself a feed: the entry that
// links to the target is the mention.
func (r *Receiver) fromFeedSource(ctx context.Context, source, target string, doc fetched, kind string) outcome {
	find := xmlEntryLinking
	if kind == kindJSON {
		find = jsonEntryLinking
	}
	entry, ok := find(doc.body, doc.url, target)
	if !ok {
		return r.forget(ctx, source, "the source does not link to the target")
	}
	return r.ingest(ctx, source, doc, source, target, entry)
}

// fromPage handles an HTML (or text) source: its entry is read from the
// page's feed (rel=alternate, Atom preferred) when the feed has it, and
// otherwise from the page's h-entry.
func (r *Receiver) fromPage(ctx context.Context, source, target string, doc fetched) outcome {
	if feedURL := alternateFeed(doc); feedURL != "" {
		if o, blocked := r.blocked(ctx, feedURL); blocked {
			return o
		}
		feed, o, ok := r.fetch(ctx, feedURL, maxFeedBytes)
		if !ok && o.status == StatusQueued {
			return o
		}
		if ok {
			o := r.ingest(ctx, feedURL, feed, source, target, feedEntry{Link: doc.url.String()})
			if o.status != StatusDropped {
				return o
			}
			r.log.Info("source not in its feed; reading its h-entry", "source", source, "feed", feedURL)
		}
	}
	return r.fromHEntry(ctx, source, target, doc)
}

// fromHEntry stores a one-item JSON Feed built from the page's h-entry,
// under the page URL.
func (r *Receiver) fromHEntry(ctx context.Context, source, target string, doc fetched) outcome {
	e, err := parseHEntry(doc.body, doc.url)
	if err != nil {
		return drop("%v", err)
	}
	if o, blocked := r.blocked(ctx, e.Author.URL); blocked {
		return o
	}
	body, err := jsonFeed(e, source)
	if err != nil {
		return drop("%v", err)
	}
	built := fetched{doc.url, "application/feed+json", body}
	return r.ingest(ctx, source, built, source, target, feedEntry{ID: source, Link: source})
}

// ingest stores a feed document and marks the entry as a mention.
func (r *Receiver) ingest(ctx context.Context, feedURL string, doc fetched, source, target string, entry feedEntry) outcome {
	res, err := r.store.Ingest(ctx, feedURL, doc.contentType, doc.body)
	if err != nil {
		return drop("storing %s: %v", feedURL, err)
	}
	post, ok := match(res.Posts, entry, source)
	if !ok {
		return drop("%s has no entry for %s", feedURL, source)
	}
	if err := r.store.MarkMention(ctx, post.Feed, post.ID, source, target); err != nil {
		return retry("marking the mention: %v", err)
	}
	return done("stored %s from %s", post.ID, post.Feed)
}

// match finds the stored post for entry: same id, or same permalink, or a
// permalink equal to the source URL.
func match(posts []store.PostRef, entry feedEntry, source string) (store.PostRef, bool) {
	for _, p := range posts {
		if entry.ID != "" && p.ID == entry.ID {
			return p, true
		}
	}
	for _, p := range posts {
		if p.URL == "" {
			continue
		}
		if sameURL(p.URL, source) || (entry.Link != "" && sameURL(p.URL, entry.Link)) || p.ID == source {
			return p, true
		}
	}
	return store.PostRef{}, false
}

// alternateFeed returns the page's best rel=alternate feed: Atom, else
// JSON Feed, else RSS.
func alternateFeed(doc fetched) string {
	if feeds := htmlx.Alternates(doc.body, doc.url); len(feeds) > 0 {
		return feeds[0]
	}
	return ""
}

// forget drops a Webmention whose source is gone or no longer links to
// the target, and removes what an earlier one from the same source
// stored (W3C Webmention §3.2.4: an update or a deletion).
func (r *Receiver) forget(ctx context.Context, source, why string) outcome {
	n, err := r.store.ForgetMention(ctx, source)
	if err != nil {
		return retry("%v", err)
	}
	if n > 0 {
		return drop("%s: removed %d stored post(s)", why, n)
	}
	return drop("%s: nothing stored", why)
}
