package publish

import (
	"encoding/xml"
	"net/url"
	"time"

	"github.com/gorilla/feeds"
)

// rssDoc is the <rss> root with the namespaces our extensions use.
type rssDoc struct {
	XMLName      xml.Name    `xml:"rss"`
	Version      string      `xml:"version,attr"`
	XmlnsContent string      `xml:"xmlns:content,attr"`
	XmlnsAtom    string      `xml:"xmlns:atom,attr"`
	XmlnsDC      string      `xml:"xmlns:dc,attr"`
	XmlnsThr     string      `xml:"xmlns:thr,attr"`
	Channel      *rssChannel `xml:"channel"`
}

// rssChannel wraps gorilla's RssFeed with atom:link self/hub and our items.
type rssChannel struct {
	feeds.RssFeed
	// Cloud shadows gorilla's text-only cloud field.
	Cloud     *rssCloud     `xml:"cloud"`
	AtomLinks []rssAtomLink `xml:"atom:link"`
	Items     []*rssItem    `xml:"item"`
}

// rssCloud is RSS 2.0's <cloud>: where readers register with pleaseNotify.
type rssCloud struct {
	Domain            string `xml:"domain,attr"`
	Port              string `xml:"port,attr"`
	Path              string `xml:"path,attr"`
	RegisterProcedure string `xml:"registerProcedure,attr"`
	Protocol          string `xml:"protocol,attr"`
}

// cloudOf is the <cloud> of the first rssCloud hub, or nil: its
// pleaseNotify is at the hub's base URL + "pleaseNotify", and it notifies
// with a form POST (http-post; over HTTPS on port 443).
func cloudOf(c *Config) *rssCloud {
	if len(c.RSSCloud) == 0 {
		return nil
	}
	u, err := url.Parse(c.RSSCloud[0])
	if err != nil {
		return nil
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return &rssCloud{Domain: u.Hostname(), Port: port, Path: u.EscapedPath() + "pleaseNotify", Protocol: "http-post"}
}

type rssAtomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

// rssItem wraps gorilla's RssItem with several categories, dc:creator and
// thr:in-reply-to.
type rssItem struct {
	feeds.RssItem
	Categories []string `xml:"category"`
	Creator    string   `xml:"dc:creator"`
	InReplyTo  *inReplyTo
}

func rfc1123(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

// RSSDocument renders feed.rss from the main page.
func (s *Site) RSSDocument(p Page) ([]byte, error) {
	c := s.Config
	desc := c.Description
	if desc == "" {
		desc = c.Title
	}
	ch := &rssChannel{RssFeed: feeds.RssFeed{Title: c.Title, Link: c.URL, Description: desc,
		LastBuildDate: rfc1123(p.Updated), Generator: "feedpub"}, Cloud: cloudOf(c)}
	if a := c.AvatarURL(); a != "" {
		ch.Image = &feeds.RssImage{Url: a, Title: c.Title, Link: c.URL}
	}
	ch.AtomLinks = append(ch.AtomLinks, rssAtomLink{Href: c.RSSURL(), Rel: "self", Type: "application/rss+xml"})
	for _, h := range c.Hubs {
		ch.AtomLinks = append(ch.AtomLinks, rssAtomLink{Href: h, Rel: "hub"})
	}
	if c.Webmention != "" {
		ch.AtomLinks = append(ch.AtomLinks, rssAtomLink{Href: c.Webmention, Rel: "webmention"})
	}
	size := 2048
	for _, e := range Live(p.Entries) {
		ch.Items = append(ch.Items, s.rssItem(e))
		size += 2*len(e.HTML)*5/4 + 1024 // description and content:encoded
	}
	data, err := marshalXML(&rssDoc{Version: "2.0", XmlnsContent: NSContent, XmlnsAtom: NSAtom,
		XmlnsDC: NSDC, XmlnsThr: NSThread, Channel: ch}, size)
	if err == nil {
		err = checkDocumentSize("feed.rss", data)
	}
	return data, err
}

func (s *Site) rssItem(e *Entry) *rssItem {
	e.Full()
	return &rssItem{
		RssItem: feeds.RssItem{Title: e.Title, Link: e.Permalink, Description: e.HTML,
			Content: &feeds.RssContent{Content: e.HTML},
			Guid:    &feeds.RssGuid{Id: e.ID, IsPermaLink: "false"},
			PubDate: rfc1123(e.Published)},
		Categories: e.Tags,
		Creator:    s.Config.Author,
		InReplyTo:  threadOf(e),
	}
}
