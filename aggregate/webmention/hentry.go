package webmention

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/rookery-social/rookery/internal/htmlx"
)

// parseHEntry reads the first h-entry of an HTML page. When the page has
// none, it falls back to the page's <title>, so a verified mention from a
// plain page still shows something.
func parseHEntry(doc []byte, base *url.URL) (htmlx.Entry, error) {
	page, err := htmlx.ParsePage(doc, base)
	if err != nil {
		return htmlx.Entry{}, err
	}
	e, _ := page.Entry()
	if e.Name == "" && e.Content == "" {
		e.Name = page.Title()
	}
	return e, nil
}

// jsonFeed builds a one-item JSON Feed 1.1 document for a page that has no
// feed of its own; the item's id and url are the page URL. The HTML is
// passed on as found: the store sanitizes every feed's content.
func jsonFeed(e htmlx.Entry, source string) ([]byte, error) {
	item := map[string]any{"id": source, "url": source}
	if e.Content != "" {
		item["content_html"] = e.Content
	} else {
		item["content_text"] = e.Name
	}
	if e.Name != "" && !strings.HasPrefix(e.ContentText, e.Name) {
		item["title"] = e.Name
	}
	if e.Published != "" {
		item["date_published"] = e.Published
	}
	if e.Author.Name != "" || e.Author.URL != "" {
		item["authors"] = []map[string]string{{"name": e.Author.Name, "url": e.Author.URL}}
	}
	ext := map[string]any{}
	if e.InReplyTo != "" {
		ext["in_reply_to"] = map[string]string{"href": e.InReplyTo}
	}
	for name, of := range map[string]string{"repost_of": e.RepostOf, "quote_of": e.QuotationOf, "like_of": e.LikeOf} {
		if of != "" {
			ext[name] = map[string]string{"ref": of, "href": of}
		}
	}
	if len(ext) > 0 {
		item["_rookery"] = ext
	}
	home := source
	if u, err := url.Parse(source); err == nil {
		home = origin(u) + "/"
	}
	doc := map[string]any{"version": "https://jsonfeed.org/version/1.1", "title": cmp.Or(e.Author.Name, home),
		"home_page_url": home, "items": []any{item}}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("webmention: build JSON Feed: %w", err)
	}
	return b, nil
}
