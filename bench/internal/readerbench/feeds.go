// Package readerbench measures the reader: entries parsed and stored per
// second against gofeed's raw parse of the same bytes, timeline and search
// latency over large stores, and the memory of `reader serve` on them.
package readerbench

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

var words = strings.Fields(`common word gopher feed reader post reply thread search index walk
river news today static site hub push poll atom rss json open small web author`)

// text is entry i's paragraph: 30 words, and "rare42" in one of 1,000.
func text(feed, i int) string {
	rnd := rand.New(rand.NewPCG(uint64(feed), uint64(i)))
	var b strings.Builder
	for range 30 {
		b.WriteString(words[rnd.IntN(len(words))])
		b.WriteByte(' ')
	}
	if (feed*1000+i)%1000 == 999 {
		b.WriteString("rare42")
	}
	return strings.TrimSpace(b.String())
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// atomFeed is a large Atom feed: entries with HTML content, categories, a
// mention link every tenth and a reply every seventh.
func atomFeed(feed, n int) []byte {
	var b strings.Builder
	host := fmt.Sprintf("atom%d.example", feed)
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
<title>Atom %d</title><id>tag:%s,2026:feed</id><link rel="self" href="https://%s/feed.atom"/><link rel="hub" href="https://hub.example/"/>
<updated>%s</updated><author><name>Author %d</name></author>
`, feed, host, host, epoch.Format(time.RFC3339), feed)
	for i := range n {
		ts := epoch.Add(-time.Duration(i) * time.Minute).Format(time.RFC3339)
		fmt.Fprintf(&b, `<entry><id>tag:%s,2026:posts/k%d</id><title>Post %d</title><link rel="alternate" href="https://%s/posts/k%d/"/>
<published>%s</published><updated>%s</updated><category term="go"/><category term="t%d"/>
<content type="html">&lt;p&gt;%s, with &lt;a href="https://example.org/%d"&gt;a link&lt;/a&gt; and &lt;em&gt;emphasis&lt;/em&gt;.&lt;/p&gt;</content>`,
			host, i, i, host, i, ts, ts, i%10, text(feed, i), i)
		if i%10 == 0 {
			b.WriteString(`<link rel="mentioned" href="https://me.example/feed.atom" title="me"/>`)
		}
		if i%7 == 0 {
			fmt.Fprintf(&b, `<thr:in-reply-to ref="tag:%s,2026:posts/k%d" href="https://%s/posts/k%d/"/>`, host, i+1, host, i+1)
		}
		b.WriteString("</entry>\n")
	}
	b.WriteString("</feed>\n")
	return []byte(b.String())
}

// rssFeed is a large RSS 2.0 feed of the same shape.
func rssFeed(feed, n int) []byte {
	var b strings.Builder
	host := fmt.Sprintf("rss%d.example", feed)
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>RSS %d</title><link>https://%s/</link><description>Bench</description>
<atom:link rel="self" href="https://%s/feed.rss"/>
`, feed, host, host)
	for i := range n {
		fmt.Fprintf(&b, `<item><title>Post %d</title><link>https://%s/posts/k%d/</link><guid>https://%s/posts/k%d/</guid>
<pubDate>%s</pubDate><dc:creator>Author %d</dc:creator><category>go</category><category>t%d</category>
<description>%s</description><content:encoded><![CDATA[<p>%s, with <a href="https://example.org/%d">a link</a> and <em>emphasis</em>.</p>]]></content:encoded></item>
`, i, host, i, host, i, epoch.Add(-time.Duration(i)*time.Minute).Format(time.RFC1123Z), feed, i%10, text(feed, i), text(feed, i), i)
	}
	b.WriteString("</channel></rss>\n")
	return []byte(b.String())
}
