package feedparse

import "github.com/rookery-social/rookery/aggregate/sanitize"

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
