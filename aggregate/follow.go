package aggregate

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/rookery-social/rookery/aggregate/feedparse"
	"github.com/rookery-social/rookery/aggregate/fetch"
	"github.com/rookery-social/rookery/aggregate/store"
	"github.com/rookery-social/rookery/internal/htmlx"
)

// commonPaths are tried, on the page's origin, when a page names no feed.
var commonPaths = []string{"/feed.atom", "/feed.xml", "/atom.xml", "/rss.xml", "/index.xml", "/feed", "/feed.json"}

// fetched is one parsed document.
type fetched struct {
	url  string
	resp *fetch.Response
	doc  *feedparse.Feed
}

// Follow follows the feed at rawURL, or the feed a page at rawURL links to
// (HTML rel=alternate, then common feed paths). It stores the feed's posts,
// backfills its history through RFC 5005 prev-archive links (bounded) and
// records its hubs. An empty nick is derived from the feed's host.
func (r *Reader) Follow(ctx context.Context, rawURL, nick string, progress Progress) (FeedInfo, error) {
	u, err := checkURL(rawURL)
	if err != nil {
		return FeedInfo{}, err
	}
	if blocked, _ := r.Blocked(ctx, u); blocked {
		return FeedInfo{}, fmt.Errorf("%s is %w; `reader unblock` it first", u, ErrBlocked)
	}
	got, err := r.discover(ctx, u)
	if err != nil {
		return FeedInfo{}, err
	}
	progress.report(1, 0, got.url)
	f, err := r.st.EnsureFeed(ctx, got.url)
	if err != nil {
		return FeedInfo{}, fmt.Errorf("unable to follow %s: %w", got.url, err)
	}
	if err := r.followNick(ctx, f, nick); err != nil {
		return FeedInfo{}, err
	}
	if err := r.store(ctx, f, got); err != nil {
		return FeedInfo{}, err
	}
	r.backfill(ctx, f, got.doc.PrevArchive, progress)
	f, err = r.st.FeedByID(ctx, f.ID)
	if err != nil {
		return FeedInfo{}, fmt.Errorf("unable to follow %s: %w", got.url, err)
	}
	return r.infoWithCount(ctx, f), nil
}

func (r *Reader) infoWithCount(ctx context.Context, f store.Feed) FeedInfo {
	feeds, err := r.st.Feeds(ctx, false)
	if err == nil {
		for _, x := range feeds {
			if x.ID == f.ID {
				return feedInfo(x)
			}
		}
	}
	return feedInfo(f)
}

func (r *Reader) followNick(ctx context.Context, f store.Feed, nick string) error {
	nick = strings.TrimPrefix(strings.TrimSpace(nick), "@")
	if nick == "" && f.Nick == "" {
		nick = r.freeNick(ctx, f.URL)
	}
	if err := r.st.Follow(ctx, f.ID, nick); err != nil {
		return fmt.Errorf("unable to follow %s: %w", f.URL, err)
	}
	return nil
}

// freeNick derives an unused nick from a feed URL's host.
func (r *Reader) freeNick(ctx context.Context, feedURL string) string {
	base := nickFromURL(feedURL)
	for i := 1; i < 1000; i++ {
		n := base
		if i > 1 {
			n = base + strconv.Itoa(i)
		}
		if _, err := r.st.FeedByKey(ctx, n); errors.Is(err, store.ErrNotFound) {
			return n
		}
	}
	return feedURL
}

func nickFromURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return "feed"
	}
	host := strings.ToLower(u.Hostname())
	if _, err := netip.ParseAddr(host); err == nil || !strings.Contains(host, ".") {
		return "feed"
	}
	labels := strings.Split(host, ".")
	switch labels[0] {
	case "www", "blog", "feeds", "feed", "rss", "news":
		if len(labels) > 2 {
			return labels[1]
		}
	}
	return labels[0]
}

// store saves a fetched document for feed f and records a successful fetch.
func (r *Reader) store(ctx context.Context, f store.Feed, got fetched) error {
	now := r.opts.Now()
	m := meta(got.doc)
	st := r.successState(f, got.resp, got.doc.TTL, now)
	m.State = &st
	if _, err := r.st.SaveDocument(ctx, f, m, got.doc, now, nil); err != nil {
		return fmt.Errorf("unable to store feed %s: %w", f.URL, err)
	}
	return nil
}

// backfill walks prev-archive links from prev, at most MaxArchivePages.
func (r *Reader) backfill(ctx context.Context, f store.Feed, prev string, progress Progress) {
	seen := map[string]bool{f.URL: true}
	for page := 1; prev != "" && !seen[prev] && page <= r.opts.MaxArchivePages; page++ {
		seen[prev] = true
		got, err := r.fetchDoc(ctx, prev)
		if err != nil {
			r.opts.Logger.Warn("skipping an archive page", "url", prev, "err", err)
			return
		}
		if _, err := r.st.SaveDocument(ctx, f, nil, got.doc, r.opts.Now(), nil); err != nil {
			r.opts.Logger.Warn("skipping an archive page", "url", prev, "err", err)
			return
		}
		progress.report(page+1, 0, "archive "+prev)
		prev = got.doc.PrevArchive
	}
}

// fetchDoc GETs and parses a feed document, unconditionally.
func (r *Reader) fetchDoc(ctx context.Context, u string) (fetched, error) {
	resp, err := r.fetcher.Fetch(ctx, fetch.Request{URL: u})
	if err != nil {
		return fetched{}, err
	}
	final := u
	if resp.Moved != "" {
		final = resp.Moved
	}
	doc, err := r.parser.Parse(resp.Body, resp.Header, resp.URL)
	if err != nil {
		return fetched{}, fmt.Errorf("unable to parse %s: %w", u, err)
	}
	return fetched{url: final, resp: resp, doc: doc}, nil
}

// discover finds the feed at u: u itself, a feed its HTML links to, or a
// feed at a common path of its origin.
func (r *Reader) discover(ctx context.Context, u string) (fetched, error) {
	resp, err := r.fetcher.Fetch(ctx, fetch.Request{URL: u})
	if err != nil {
		return fetched{}, fmt.Errorf("unable to follow %s: %w", u, err)
	}
	final := u
	if resp.Moved != "" {
		final = resp.Moved
	}
	doc, perr := r.parser.Parse(resp.Body, resp.Header, resp.URL)
	if perr == nil {
		return fetched{url: final, resp: resp, doc: doc}, nil
	}
	if !errors.Is(perr, feedparse.ErrNotFeed) {
		return fetched{}, fmt.Errorf("unable to follow %s: %w", u, perr)
	}
	candidates := append(alternates(resp.Body, resp.URL), originPaths(resp.URL)...)
	for _, c := range candidates {
		if got, err := r.fetchDoc(ctx, c); err == nil {
			return got, nil
		}
	}
	return fetched{}, fmt.Errorf("unable to follow %s: no feed found there (no <link rel=alternate> to a feed, none at %s): %w",
		u, strings.Join(commonPaths, ", "), perr)
}

// alternates lists the feeds an HTML page links to with rel=alternate,
// best type first (htmlx.Alternates).
func alternates(body []byte, pageURL string) []string {
	base, err := url.Parse(pageURL)
	if err != nil {
		return nil
	}
	return htmlx.Alternates(body, base)
}

func originPaths(page string) []string {
	o := store.Origin(page)
	if o == "" {
		return nil
	}
	out := make([]string, 0, len(commonPaths))
	for _, p := range commonPaths {
		out = append(out, o+p)
	}
	return out
}

// checkURL requires an absolute http(s) URL.
func checkURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%q is not an http or https URL (give the full address, e.g. https://example.com/feed.atom)", raw)
	}
	return u.String(), nil
}
