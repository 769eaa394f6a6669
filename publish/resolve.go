package publish

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/mmcdole/gofeed"

	"github.com/rookery-social/rookery/internal/htmlx"
)

const acceptAny = "application/atom+xml, application/rss+xml, application/feed+json, text/html;q=0.9, */*;q=0.5"
const acceptFeed = "application/atom+xml, application/rss+xml, application/feed+json, application/xml;q=0.9, */*;q=0.5"

// ResolveReply finds the post at target so a reply can point at it: its
// atom:id (ref), permalink (href) and feed URL (source).
//
// target may be a post's HTML page: its rel=alternate feeds are searched
// for the entry whose link is the page, and failing that the page's h-entry
// is used. target may also be a feed: the entry whose id or link equals the
// URL's fragment (feed.atom#tag:...) or the URL itself.
func ResolveReply(ctx context.Context, client *http.Client, target string) (*ReplyTo, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("--reply-to %q is not an http(s) URL", target)
	}
	r, err := getOK(ctx, client, target, acceptAny)
	if err != nil {
		return nil, fmt.Errorf("cannot fetch the reply target: %w", err)
	}
	if !isHTML(r) {
		return replyFromFeed(r, target)
	}
	base, err := url.Parse(r.URL)
	if err != nil {
		return nil, fmt.Errorf("reply target %s: %w", target, err)
	}
	feeds := htmlx.Alternates(r.Body, base)
	for _, f := range feeds {
		if rt, ok := replyFromPageFeed(ctx, client, f, r.URL, target); ok {
			return rt, nil
		}
	}
	page, err := htmlx.ParsePage(r.Body, base)
	if err != nil {
		return nil, fmt.Errorf("reply target %s: %w", target, err)
	}
	return replyFromHEntry(page, r.URL, feeds)
}

func isHTML(r *response) bool {
	mt, _, _ := mime.ParseMediaType(r.ContentType)
	if mt == "text/html" || mt == "application/xhtml+xml" {
		return true
	}
	head := bytes.ToLower(bytes.TrimSpace(r.Body[:min(len(r.Body), 512)]))
	return mt == "" && (bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html")))
}

func replyFromFeed(r *response, target string) (*ReplyTo, error) {
	f, it, err := feedEntry(r, target)
	if err != nil {
		return nil, fmt.Errorf("reply target %s %w", target, err)
	}
	return replyTo(it, feedSource(f, r.URL)), nil
}

// feedEntry finds in the feed r the entry target names: by the
// fragment's entry id or link (FEED_URL#ENTRY_ID), else by target as its
// id or link. The error reads after the target's name ("… is a feed with
// no entry …").
func feedEntry(r *response, target string) (*gofeed.Feed, *gofeed.Item, error) {
	f, err := gofeed.NewParser().Parse(bytes.NewReader(r.Body))
	if err != nil {
		return nil, nil, fmt.Errorf("is neither an HTML page nor a feed: %w", err)
	}
	u, _ := url.Parse(target)
	want := u.Fragment
	if want == "" {
		want = target
	}
	for _, it := range f.Items {
		if it.GUID == want || sameURL(it.Link, want) {
			return f, it, nil
		}
	}
	return nil, nil, fmt.Errorf("is a feed with no entry %q; give the post's permalink, or the feed URL with #ENTRY_ID", want)
}

// replyFromPageFeed looks for the entry whose link is the page in one of
// the page's feeds.
func replyFromPageFeed(ctx context.Context, client *http.Client, feedURL, pageURL, target string) (*ReplyTo, bool) {
	f, it, fetched, ok := pageFeedEntry(ctx, client, feedURL, pageURL, target)
	if !ok {
		return nil, false
	}
	return replyTo(it, feedSource(f, fetched)), true
}

// pageFeedEntry fetches feedURL, one of the page pageURL's feeds, and
// finds the entry whose link is the page (or target); fetched is the
// feed's URL after redirects.
func pageFeedEntry(ctx context.Context, client *http.Client, feedURL, pageURL, target string) (f *gofeed.Feed, it *gofeed.Item, fetched string, ok bool) {
	r, err := getOK(ctx, client, feedURL, acceptFeed)
	if err != nil {
		return nil, nil, "", false
	}
	if f, err = gofeed.NewParser().Parse(bytes.NewReader(r.Body)); err != nil {
		return nil, nil, "", false
	}
	for _, it := range f.Items {
		if sameURL(it.Link, pageURL) || sameURL(it.Link, target) {
			return f, it, r.URL, true
		}
	}
	return nil, nil, "", false
}

func replyTo(it *gofeed.Item, source string) *ReplyTo {
	ref := it.GUID
	if ref == "" {
		ref = it.Link
	}
	return &ReplyTo{Ref: ref, Href: it.Link, Source: source}
}

// feedSource is the feed's rel=self, else the URL it was fetched from.
func feedSource(f *gofeed.Feed, fetched string) string {
	if f.FeedLink != "" {
		return f.FeedLink
	}
	return fetched
}

// sameURL compares URLs ignoring the fragment and a trailing slash.
func sameURL(a, b string) bool {
	norm := func(s string) string {
		s, _, _ = strings.Cut(s, "#")
		return strings.TrimSuffix(s, "/")
	}
	return a != "" && norm(a) == norm(b)
}

// replyFromHEntry uses the page's first h-entry: u-uid (else u-url, else
// the page) as ref, u-url (else the page) as href.
func replyFromHEntry(page *htmlx.Page, pageURL string, feeds []string) (*ReplyTo, error) {
	entry, ok := page.Entry()
	if !ok {
		return nil, fmt.Errorf("reply target %s has no entry: no feed lists it and the page has no h-entry", pageURL)
	}
	href := cmp.Or(entry.URL, pageURL)
	source := pageURL
	if len(feeds) > 0 {
		source = feeds[0]
	}
	return &ReplyTo{Ref: cmp.Or(entry.UID, href), Href: href, Source: source}, nil
}
