package publish

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/gorilla/feeds"
)

// JSONFeedVersion is the version URL of JSON Feed 1.1.
const JSONFeedVersion = "https://jsonfeed.org/version/1.1"

// jsonFeed wraps gorilla's JSONFeed with our item type.
type jsonFeed struct {
	feeds.JSONFeed
	Items []*jsonItem `json:"items"`
}

// jsonItem wraps gorilla's JSONItem with the _rookery extension object.
type jsonItem struct {
	feeds.JSONItem
	Rookery *jsonRookery `json:"_rookery,omitempty"`
}

// jsonRookery is the "_rookery" item extension: replies and mentions.
type jsonRookery struct {
	InReplyTo *jsonReplyTo    `json:"in_reply_to,omitempty"`
	Mentions  []jsonMentioned `json:"mentions,omitempty"`
	RepostOf  *jsonCite       `json:"repost_of,omitempty"`
	QuoteOf   *jsonCite       `json:"quote_of,omitempty"`
	LikeOf    *jsonCite       `json:"like_of,omitempty"`
}

// jsonCite is the reposted, quoted or liked post.
type jsonCite struct {
	Ref    string `json:"ref"`
	Href   string `json:"href"`
	Source string `json:"source,omitempty"`
	Author string `json:"author,omitempty"`
}

func jsonCiteOf(c *Cite) *jsonCite {
	if c == nil {
		return nil
	}
	return &jsonCite{Ref: c.Ref, Href: c.Href, Source: c.Source, Author: c.Author}
}

type jsonReplyTo struct {
	Ref    string `json:"ref"`
	Href   string `json:"href"`
	Source string `json:"source,omitempty"`
}

type jsonMentioned struct {
	URL  string `json:"url"`
	Name string `json:"name"`
}

// JSONDocument renders feed.json from the main page.
func (s *Site) JSONDocument(p Page) ([]byte, error) {
	c := s.Config
	f := &jsonFeed{JSONFeed: feeds.JSONFeed{Version: JSONFeedVersion, Title: c.Title,
		HomePageUrl: c.URL, FeedUrl: c.JSONURL(), Description: c.Subtitle(),
		Authors: []*feeds.JSONAuthor{{Name: c.Author, Url: c.URL, Avatar: c.AvatarURL()}},
		Icon:    c.AvatarURL()}}
	for _, h := range c.Hubs {
		f.Hubs = append(f.Hubs, &feeds.JSONHub{Type: "WebSub", Url: h})
	}
	f.Items = make([]*jsonItem, 0, len(p.Entries))
	for _, e := range Live(p.Entries) {
		f.Items = append(f.Items, jsonItemOf(e))
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("encoding feed.json: %w", err)
	}
	return b.Bytes(), checkDocumentSize("feed.json", b.Bytes())
}

func jsonItemOf(e *Entry) *jsonItem {
	e.Full()
	pub, upd := e.Published, e.Updated
	it := &jsonItem{JSONItem: feeds.JSONItem{Id: e.ID, Url: e.Permalink, ContentHTML: e.HTML,
		Summary: e.Title, PublishedDate: &pub, ModifiedDate: &upd, Tags: e.Tags}}
	var ext jsonRookery
	if r := e.ReplyTo; r != nil {
		ext.InReplyTo = &jsonReplyTo{Ref: r.Ref, Href: r.Href, Source: r.Source}
	}
	for _, m := range e.Mentions {
		ext.Mentions = append(ext.Mentions, jsonMentioned{URL: m.URL, Name: m.Nick})
	}
	ext.RepostOf, ext.QuoteOf, ext.LikeOf = jsonCiteOf(e.RepostOf), jsonCiteOf(e.QuoteOf), jsonCiteOf(e.LikeOf)
	if ext.InReplyTo != nil || len(ext.Mentions) > 0 || e.Cited() != nil {
		it.Rookery = &ext
	}
	return it
}

// Document is one generated output file, its path relative to the output root.
type Document struct {
	Path string
	Data []byte
}

// FeedDocuments renders feed.atom, feed.rss, feed.json and every archive.
func (s *Site) FeedDocuments() ([]Document, error) {
	main, archives := s.Pages()
	var docs []Document
	for _, gen := range []struct {
		path string
		fn   func(Page) ([]byte, error)
	}{{"feed.atom", s.AtomDocument}, {"feed.rss", s.RSSDocument}, {"feed.json", s.JSONDocument}} {
		data, err := gen.fn(main)
		if err != nil {
			return nil, err
		}
		docs = append(docs, Document{Path: gen.path, Data: data})
	}
	for _, a := range archives {
		data, err := s.AtomDocument(a)
		if err != nil {
			return nil, err
		}
		docs = append(docs, Document{Path: ArchivePath(a.Number), Data: data})
	}
	return docs, nil
}
