package feedparse_test

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rookery-social/rookery/aggregate/feedparse"
	"github.com/rookery-social/rookery/internal/fuzzcheck"
)

const fuzzFeedURL = "https://bob.example/blog/feed"

// feedSeeds are small documents of each format with what the parser
// reads: relative links, xml:base, replies, mentions, hubs, enclosures,
// archives, dangerous content.
var feedSeeds = []string{
	`<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0" xml:base="https://bob.example/blog/">
 <title>Bob</title><id>https://bob.example/feed.atom</id><updated>2031-01-02T00:00:00Z</updated>
 <link rel="self" href="/feed.atom"/><link rel="hub" href="https://hub.example/"/><link rel="prev-archive" href="archive/0001.atom"/>
 <entry><id>tag:bob.example,2031:posts/abc</id><title>re &amp; more</title><updated>2031-01-02T00:00:00Z</updated>
  <link href="posts/abc/"/><link rel="mentioned" href="https://alice.example/feed.atom"/><link rel="enclosure" href="a.mp3" length="12" type="audio/mpeg"/>
  <thr:in-reply-to ref="tag:alice.example,2031:posts/xyz" href="https://alice.example/posts/xyz/" source="https://alice.example/feed.atom"/>
  <category term="#Go"/><content type="html">&lt;p onclick="x()"&gt;hi &lt;a class="h-card u-mention" href="/alice"&gt;@alice&lt;/a&gt;&lt;script&gt;x&lt;/script&gt;&lt;/p&gt;</content>
 </entry>
 <entry><title>no id</title><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><a href="javascript:alert(1)">x</a></div></content></entry>
</feed>`,
	`<?xml version="1.0" encoding="ISO-8859-1"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Caf` + "\xe9" + `</title><link>/</link><ttl>60</ttl><atom:link rel="hub" href="//hub.example/h"/>
<item><guid isPermaLink="true">https://bob.example/1</guid><title>One</title><pubDate>Mon, 06 Jan 2031 10:00:00 GMT</pubDate>
<description>&lt;img src="i.png" onerror="x"&gt; short</description><content:encoded><![CDATA[<p>long <a href="/x">body</a></p>]]></content:encoded>
<dc:creator>Bob</dc:creator><enclosure url="/e.mp3" length="99" type="audio/mpeg"/><atom:link rel="mentioned" href="https://carol.example/feed.rss"/></item>
<item><description>only text &amp;nbsp; here</description></item>
</channel></rss>`,
	`{"version":"https://jsonfeed.org/version/1.1","title":"Bob","home_page_url":"/","feed_url":"feed.json",
"hubs":[{"type":"WebSub","url":"https://hub.example/"},{"type":"rssCloud","url":"https://cloud.example/"}],
"items":[{"id":"1","url":"/posts/1/","content_html":"<p>yo <a href=\"vbscript:x\">v</a></p>","tags":["Go","go"],"date_published":"2031-01-02T00:00:00Z",
"attachments":[{"url":"a.png","mime_type":"image/png","size_in_bytes":3}],
"_rookery":{"in_reply_to":{"ref":"tag:a,2031:x","href":"/x","source":"https://alice.example/feed.atom"},"mentions":[{"url":"../alice","name":"alice"}]}},
{"content_text":"no id, no url"}]}`,
	`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel><title>R</title></channel><item><title>t</title><link>rel</link></item></rdf:RDF>`,
	"",
	`<html><head><link rel="alternate" href="/feed"></head></html>`,
}

// FuzzParse checks, for any document, that parsing is deterministic; that
// the streaming path, sanitizing in another order, gives what Parse gives;
// that a parser keeping fewer entries keeps the first ones; that every
// entry has a key (its ID, else its URL, else a content digest); that no
// entry's HTML keeps anything a browser could run; that every URL stored
// is resolved (absolute whenever it parses); and that entries a store
// already has with their digest come back Unchanged.
func FuzzParse(f *testing.F) {
	for _, s := range feedSeeds {
		f.Add([]byte(s))
	}
	addSmallTestFeeds(f)
	p := feedparse.NewParser(0)
	few := feedparse.NewParser(2)
	f.Fuzz(func(t *testing.T, doc []byte) {
		feed, err := p.Parse(doc, nil, fuzzFeedURL)
		again, err2 := p.Parse(doc, nil, fuzzFeedURL)
		if (err == nil) != (err2 == nil) || !reflect.DeepEqual(feed, again) {
			t.Fatalf("two parses differ:\n%+v %v\n%+v %v", feed, err, again, err2)
		}
		if err != nil {
			return
		}
		checkStream(t, p, doc, feed)
		checkFirst(t, few, doc, feed)
		for i, e := range feed.Entries {
			checkEntry(t, i, e)
		}
		checkURLs(t, feed)
		checkKnown(t, p, doc, feed)
	})
}

// addSmallTestFeeds seeds f with the shared real-world test documents
// under 4 KB (the larger ones would slow every mutation down).
func addSmallTestFeeds(f *testing.F) {
	dir := filepath.Join("..", "testdata", "feeds")
	files, err := os.ReadDir(dir)
	if err != nil {
		f.Fatal(err)
	}
	for _, fi := range files {
		info, err := fi.Info()
		if err != nil || info.Size() > 4096 || strings.HasSuffix(fi.Name(), ".md") || fi.Name()[0] == '.' {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, fi.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func checkStream(t *testing.T, p *feedparse.Parser, doc []byte, want *feedparse.Feed) {
	reverse := func(es []feedparse.Entry) []int {
		out := make([]int, len(es))
		for i := range out {
			out[i] = len(es) - 1 - i
		}
		return out
	}
	st, err := p.ParseStream(doc, nil, fuzzFeedURL, nil, reverse)
	if err != nil {
		t.Fatalf("ParseStream fails where Parse succeeds: %v", err)
	}
	st.WaitAll()
	if !reflect.DeepEqual(st.Feed, want) {
		t.Fatalf("ParseStream in reverse order:\n%+v\nParse:\n%+v", st.Feed, want)
	}
}

func checkFirst(t *testing.T, few *feedparse.Parser, doc []byte, all *feedparse.Feed) {
	got, err := few.Parse(doc, nil, fuzzFeedURL)
	if err != nil {
		t.Fatalf("a parser keeping 2 entries fails where one keeping 1000 succeeds: %v", err)
	}
	want := all.Entries[:min(2, len(all.Entries))]
	if !reflect.DeepEqual(got.Entries, want) && !(len(got.Entries) == 0 && len(want) == 0) {
		t.Fatalf("a parser keeping 2 entries keeps\n%+v\nnot the first two\n%+v", got.Entries, want)
	}
}

func checkEntry(t *testing.T, i int, e feedparse.Entry) {
	switch {
	case e.Key == "":
		t.Fatalf("entry %d has no key: %+v", i, e)
	case e.ID != "" && e.Key != e.ID:
		t.Fatalf("entry %d: key %q is not its ID %q", i, e.Key, e.ID)
	case e.ID == "" && e.URL != "" && e.Key != e.URL:
		t.Fatalf("entry %d: key %q is not its URL %q", i, e.Key, e.URL)
	case e.ID == "" && e.URL == "" && !strings.HasPrefix(e.Key, "content:"):
		t.Fatalf("entry %d: key %q without ID or URL is not a content digest", i, e.Key)
	case e.Digest == "":
		t.Fatalf("entry %d has no digest", i)
	}
	if err := fuzzcheck.SafeHTML(e.HTML); err != nil {
		t.Fatalf("entry %d: %v in %q", i, err, e.HTML)
	}
	if e.Title != strings.Join(strings.Fields(e.Title), " ") {
		t.Fatalf("entry %d: title %q has blank space to fold", i, e.Title)
	}
}

// checkURLs: every URL the parser resolves is absolute when it parses at
// all (sanitize.ResolveURL keeps a reference that does not parse as it
// is). The parser does not promise http(s) URLs: javascript: or mailto:
// ones are kept.
func checkURLs(t *testing.T, feed *feedparse.Feed) {
	urls := map[string][]string{"site": {feed.SiteURL}, "self": {feed.Self}, "hubs": feed.Hubs, "prev-archive": {feed.PrevArchive}}
	for i, e := range feed.Entries {
		list := append([]string{e.URL, e.InReplyTo.Href, e.InReplyTo.Source}, e.Mentions...)
		if _, err := url.Parse(e.URL); err == nil {
			// Enclosures and content links resolve against the entry's
			// URL: when that does not parse (an http:// GUID taken as
			// the permalink as it is), they stay as written.
			list = append(list, e.Links...)
			for _, en := range e.Enclosures {
				list = append(list, en.URL)
			}
		}
		urls[fmt.Sprintf("entry %d", i)] = list
	}
	for what, list := range urls {
		for _, s := range list {
			if u, err := url.Parse(s); s != "" && err == nil && !u.IsAbs() {
				t.Fatalf("%s: URL %q is not resolved against %s", what, s, fuzzFeedURL)
			}
		}
	}
}

func checkKnown(t *testing.T, p *feedparse.Parser, doc []byte, feed *feedparse.Feed) {
	stored := map[string]string{}
	for _, e := range feed.Entries {
		stored[e.Key] = e.Digest
	}
	known := func([]string) map[string]string { return stored }
	got, err := p.ParseKnown(doc, nil, fuzzFeedURL, known)
	if err != nil {
		t.Fatalf("ParseKnown fails where Parse succeeds: %v", err)
	}
	for i, e := range got.Entries {
		if stored[e.Key] != e.Digest {
			continue // two entries with one key: the stored digest is the last one's
		}
		if !e.Unchanged || e.HTML != "" {
			t.Fatalf("entry %d stored with its digest: unchanged %v, html %q", i, e.Unchanged, e.HTML)
		}
	}
}
