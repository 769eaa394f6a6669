package feedparse

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/mmcdole/gofeed"
	gjson "github.com/mmcdole/gofeed/json"

	"github.com/rookery-social/rookery/aggregate/sanitize"
	"github.com/rookery-social/rookery/internal/websub"
)

// jsonExtras is what a JSON Feed says that gofeed does not read: its hubs
// and the items' _rookery extensions. A nil *jsonExtras is a non-JSON feed.
type jsonExtras struct {
	self    string
	hubs    []string
	rookery map[int]rookeryItem
}

// readJSONExtras rejects JSON that is not a JSON Feed (gofeed accepts any
// object and returns no items) and reads what gofeed leaves out. It decodes
// the document a second time only when it has hubs or _rookery members.
func readJSONExtras(gf *gofeed.Feed, doc []byte) (*jsonExtras, error) {
	jf, ok := gf.OriginalFeed().(*gjson.Feed)
	if !ok {
		return nil, nil
	}
	if !strings.Contains(jf.Version, "jsonfeed.org/version/") {
		return nil, fmt.Errorf("%w: JSON without a JSON Feed \"version\" (https://jsonfeed.org/version/1.1)", ErrNotFeed)
	}
	jx := &jsonExtras{self: jf.FeedURL}
	if !bytes.Contains(doc, []byte(`"hubs"`)) && !bytes.Contains(doc, []byte(`"_rookery"`)) {
		return jx, nil
	}
	var v struct {
		Hubs []struct {
			Type string `json:"type"`
			URL  string `json:"url"`
		} `json:"hubs"`
		Items []struct {
			Rookery *rookeryItem `json:"_rookery"`
		} `json:"items"`
	}
	if err := json.Unmarshal(doc, &v); err != nil {
		return nil, fmt.Errorf("feedparse: malformed JSON Feed: %w", err)
	}
	for _, h := range v.Hubs {
		if h.Type == "" || strings.EqualFold(h.Type, "websub") || strings.EqualFold(h.Type, "pubsubhubbub") {
			jx.hubs = append(jx.hubs, h.URL)
		}
	}
	jx.rookery = map[int]rookeryItem{}
	for i, it := range v.Items {
		if it.Rookery != nil {
			jx.rookery[i] = *it.Rookery
		}
	}
	return jx, nil
}

// item returns the _rookery extension of item i, if any.
func (jx *jsonExtras) item(i int) (rookeryItem, bool) {
	if jx == nil {
		return rookeryItem{}, false
	}
	r, ok := jx.rookery[i]
	return r, ok
}

// discover finds the feed's hubs and self URL: Link headers first, then the
// document (for JSON Feed, from what readJSONExtras read, so that the
// document is not decoded again).
func discover(header http.Header, doc []byte, feedURL string, jx *jsonExtras) websub.Discovery {
	if jx == nil {
		return websub.Discover(header, doc, feedURL)
	}
	d := websub.Discover(header, nil, feedURL)
	base, err := url.Parse(feedURL)
	if err != nil {
		base = &url.URL{}
	}
	if d.Self == "" {
		d.Self = websub.ResolveRef(base, jx.self)
	}
	if len(d.Hubs) == 0 {
		for _, h := range jx.hubs {
			if h = websub.ResolveRef(base, h); h != "" && !slices.Contains(d.Hubs, h) {
				d.Hubs = append(d.Hubs, h)
			}
		}
	}
	return d
}

// rookeryItem is the "_rookery" extension object of a JSON Feed item.
type rookeryItem struct {
	InReplyTo *struct {
		Ref    string `json:"ref"`
		Href   string `json:"href"`
		Source string `json:"source"`
	} `json:"in_reply_to"`
	Mentions []struct {
		URL  string `json:"url"`
		Name string `json:"name"`
	} `json:"mentions"`
	RepostOf *rookeryCite `json:"repost_of"`
	QuoteOf  *rookeryCite `json:"quote_of"`
	LikeOf   *rookeryCite `json:"like_of"`
}

// rookeryCite is a _rookery repost_of, quote_of or like_of.
type rookeryCite struct {
	Ref  string `json:"ref"`
	Href string `json:"href"`
}

func (r rookeryItem) apply(e *Entry, feedURL string) {
	if r.InReplyTo != nil {
		e.InReplyTo = InReplyTo{
			Ref:    r.InReplyTo.Ref,
			Href:   sanitize.ResolveHTTP(feedURL, r.InReplyTo.Href),
			Source: sanitize.ResolveHTTP(feedURL, r.InReplyTo.Source),
		}
	}
	for _, m := range r.Mentions {
		e.Mentions = appendNew(e.Mentions, sanitize.ResolveHTTP(feedURL, m.URL))
	}
	for kind, c := range map[string]*rookeryCite{KindRepost: r.RepostOf, KindQuote: r.QuoteOf, KindLike: r.LikeOf} {
		if c != nil && (c.Ref != "" || c.Href != "") {
			e.Kind, e.Of = kind, Cited{Ref: c.Ref, Href: sanitize.ResolveHTTP(feedURL, c.Href)}
		}
	}
}
