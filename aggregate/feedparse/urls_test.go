package feedparse

import (
	"fmt"
	"strings"
	"testing"
)

// TestOnlyHTTPURLsAreKept: javascript:, data: and other non-http(s) URLs
// in any link of a feed or an entry are dropped at parse time, in Atom,
// RSS and JSON Feed.
func TestOnlyHTTPURLsAreKept(t *testing.T) {
	const js = "javascript:alert(1)"
	docs := map[string]string{
		"atom": `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
<title>x</title><id>urn:x</id><updated>2031-01-01T00:00:00Z</updated>
<link rel="alternate" href="JS"/><link rel="self" href="JS"/><link rel="hub" href="JS"/><link rel="prev-archive" href="JS"/>
<entry><id>tag:x,2031:1</id><title>t</title><updated>2031-01-01T00:00:00Z</updated>
<link rel="alternate" href="JS"/><link rel="enclosure" href="JS" type="audio/mpeg" length="1"/>
<link rel="mentioned" href="JS"/><thr:in-reply-to ref="tag:y" href="JS" source="JS"/>
<content type="html">&lt;a class="u-mention" href="JS"&gt;@y&lt;/a&gt;</content></entry></feed>`,
		"rss": `<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0"><channel>
<title>x</title><link>JS</link><atom:link rel="self" href="JS"/><atom:link rel="hub" href="JS"/>
<item><title>t</title><link>JS</link><guid isPermaLink="false">g1</guid><enclosure url="JS" type="audio/mpeg" length="1"/>
<atom:link rel="mentioned" href="JS"/><thr:in-reply-to ref="tag:y" href="JS" source="JS"/>
<description>&lt;a class="h-card" href="JS"&gt;@y&lt;/a&gt;</description></item></channel></rss>`,
		"json": `{"version":"https://jsonfeed.org/version/1.1","title":"x","home_page_url":"JS","feed_url":"JS","hubs":[{"type":"WebSub","url":"JS"}],
"items":[{"id":"j1","url":"JS","content_html":"<a class=\"u-mention\" href=\"JS\">@y</a>","attachments":[{"url":"JS","mime_type":"audio/mpeg"}],
"_rookery":{"in_reply_to":{"ref":"tag:y","href":"JS","source":"JS"},"mentions":[{"url":"JS","name":"y"}]}}]}`,
	}
	for name, doc := range docs {
		f, err := NewParser(0).Parse([]byte(strings.ReplaceAll(doc, "JS", js)), nil, "https://evil.example/feed")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(f.Entries) != 1 {
			t.Fatalf("%s: %d entries", name, len(f.Entries))
		}
		e := f.Entries[0]
		all := fmt.Sprint(f.SiteURL, f.Self, f.Hubs, f.PrevArchive, e.URL, e.InReplyTo.Href, e.InReplyTo.Source,
			e.Mentions, e.Links, e.Enclosures, e.Key)
		if strings.Contains(all, "javascript") {
			t.Errorf("%s kept a javascript: URL: feed %q %q %q %q; entry url %q reply %q %q mentions %q links %q enclosures %v key %q",
				name, f.SiteURL, f.Self, f.Hubs, f.PrevArchive, e.URL, e.InReplyTo.Href, e.InReplyTo.Source, e.Mentions, e.Links, e.Enclosures, e.Key)
		}
		if e.InReplyTo.Ref != "tag:y" {
			t.Errorf("%s: the reply's ref was lost: %+v", name, e.InReplyTo)
		}
	}
}
