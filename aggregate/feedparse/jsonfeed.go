package feedparse

import (
	"encoding/json"

	"github.com/mmcdole/gofeed"
	gjson "github.com/mmcdole/gofeed/json"

	"github.com/rookery-social/rookery/aggregate/sanitize"
)

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
}

// jsonExtensions reads the _rookery objects of a JSON Feed, by item index.
func jsonExtensions(gf *gofeed.Feed, doc []byte) map[int]rookeryItem {
	if _, ok := gf.OriginalFeed().(*gjson.Feed); !ok {
		return nil
	}
	var f struct {
		Items []struct {
			Rookery *rookeryItem `json:"_rookery"`
		} `json:"items"`
	}
	if json.Unmarshal(doc, &f) != nil {
		return nil
	}
	out := map[int]rookeryItem{}
	for i, it := range f.Items {
		if it.Rookery != nil {
			out[i] = *it.Rookery
		}
	}
	return out
}

func (r rookeryItem) apply(e *Entry, feedURL string) {
	if r.InReplyTo != nil {
		e.InReplyTo = InReplyTo{
			Ref:    r.InReplyTo.Ref,
			Href:   sanitize.ResolveURL(feedURL, r.InReplyTo.Href),
			Source: sanitize.ResolveURL(feedURL, r.InReplyTo.Source),
		}
	}
	for _, m := range r.Mentions {
		e.Mentions = appendNew(e.Mentions, sanitize.ResolveURL(feedURL, m.URL))
	}
}
