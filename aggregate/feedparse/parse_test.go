package feedparse

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func parseFile(t *testing.T, name, feedURL string) (*Feed, error) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "feeds", name))
	if err != nil {
		t.Fatal(err)
	}
	return NewParser(0).Parse(b, nil, feedURL)
}

// TestRealWorldFeeds checks every sample in testdata/feeds against what its
// README says a correct reader does.
func TestRealWorldFeeds(t *testing.T) {
	cases := map[string]struct {
		entries int
		check   func(t *testing.T, f *Feed)
	}{
		"rss20-content-encoded-dc-creator-medium.xml": {7, func(t *testing.T, f *Feed) {
			e := f.Entries[0]
			if e.Author != "Jeremy Puma" || len(e.HTML) < 1000 || e.ID != "https://medium.com/p/125af37d838f" || !strings.Contains(e.URL, "the-creative-forager") {
				t.Errorf("entry: id %q url %q author %q", e.ID, e.URL, e.Author)
			}
		}},
		"rss20-content-encoded-wordpress.xml": {10, func(t *testing.T, f *Feed) {
			noScript(t, f)
			encl := enclosuresOf(f)
			if len(encl) != 1 || encl[0].Length != 963555 || encl[0].Type != "video/mp4" {
				t.Errorf("enclosures %+v", encl)
			}
		}},
		"rss20-podcast-itunes-enclosures.xml": {4, func(t *testing.T, f *Feed) {
			encl := enclosuresOf(f)
			if len(encl) != 4 || encl[0].URL == "" || encl[0].Type == "" || encl[0].Length == 0 {
				t.Errorf("enclosures %+v", encl)
			}
		}},
		"rss20-guid-permalink-true-cdata-rtl-bbc-urdu.xml":       {26, urdu},
		"rss20-long-118-items-japantimes.xml":                    {118, nil},
		"rss20-untitled-items-source-ns-scripting-news.xml":      {50, nil},
		"rss20-undefined-html-entity-nbsp.xml":                   {1, nil},
		"rss20-item-xml-base-unescaped-markup.xml":               {2, emMarkup},
		"rss20-dangerous-javascript-href-onclick-techcrunch.xml": {20, noScript},
		"rss20-dangerous-script-src-huffpost.xml":                {2, noScript},
		"rss20-dangerous-xss-crazy-html.xml":                     {1, noScript},
		"rss20-dangerous-content-encoded-onerror.xml": {1, func(t *testing.T, f *Feed) {
			noScript(t, f)
			if !strings.Contains(f.Entries[0].HTML, "<img") {
				t.Errorf("img dropped: %s", f.Entries[0].HTML)
			}
		}},
		"rss091-iso-8859-1-cdata.xml":     {15, title("Stadtfeuerwehr Weiz - Einsätze")},
		"rss091-netscape-doctype-bom.xml": {1, nil},
		"rss092-grateful-dead.xml": {22, func(t *testing.T, f *Feed) {
			if n := len(enclosuresOf(f)); n != 15 {
				t.Errorf("%d enclosures, want 15", n)
			}
			for _, e := range f.Entries {
				if e.Title != "" {
					t.Errorf("untitled item got title %q", e.Title)
				}
			}
		}},
		"rss090-rdf-heise.xml":        {60, nil},
		"rss10-rdf-dc-craigslist.xml": {25, datesSet},
		"atom-xml-base-relative-jekyll-qemu.xml": {10, func(t *testing.T, f *Feed) {
			found := false
			for _, e := range f.Entries {
				found = found || e.URL == "https://www.qemu.org/2025/08/26/qemu-10-1-0/"
			}
			if !found {
				t.Errorf("relative link not resolved against the feed URL: %q", f.Entries[0].URL)
			}
		}},
		"atom-xhtml-content-hub-xml-base.xml": {3, func(t *testing.T, f *Feed) {
			if len(f.Hubs) != 1 || f.Hubs[0] != "https://websubhub.com/hub" || f.Self == "" {
				t.Errorf("hubs %v self %q", f.Hubs, f.Self)
			}
		}},
		"atom-thr-in-reply-to-blogger-comments.xml": {1, func(t *testing.T, f *Feed) {
			if got := f.Entries[0].InReplyTo.Ref; got != "tag:blogger.com,1999:blog-893591374313312737.post-3861663258538857954" {
				t.Errorf("in-reply-to ref = %q", got)
			}
		}},
		"atom-github-commits-media-thumbnail.xml": {20, nil},
		"atom-xml-base-daringfireball.xml": {48, func(t *testing.T, f *Feed) {
			for _, e := range f.Entries {
				if strings.Contains(e.HTML, `src="/`) || strings.Contains(e.HTML, `href="/`) {
					t.Fatalf("root-relative URL left: %s", e.HTML)
				}
			}
		}},
		"atom-long-entries-dustri.xml": {25, nil},
		"atom-youtube-media-group.xml": {15, func(t *testing.T, f *Feed) {
			if f.Entries[0].Text == "" {
				t.Error("no text from media:description")
			}
		}},
		"jsonfeed10-daringfireball.json":          {48, nil},
		"jsonfeed10-http-version-url-pxlnv.json":  {20, nil},
		"jsonfeed11-authors-blog.json":            {20, nil},
		"jsonfeed11-influxdata-rfc822-dates.json": {3, nil},
		"rss20-iso-8859-1-golem.xml":              {40, func(t *testing.T, f *Feed) { hubs(t, f) }},
		"rss20-windows-1251-ibash.xml":            {50, nil},
		"rss20-koi8-r.xml":                        {2, title("Пример RSS ленты")},
		"rss20-misdeclared-latin1-actually-utf8.xml": {15, func(t *testing.T, f *Feed) {
			contains("für")(t, f)
			notContains("fÃ¼r")(t, f)
		}},
		"rss-undeclared-windows-1252-no-version-uol.xml": {15, contains("simulações")},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			f, err := parseFile(t, name, "https://www.qemu.org/feed.xml")
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Entries) != c.entries {
				t.Fatalf("%d entries, want %d", len(f.Entries), c.entries)
			}
			for _, e := range f.Entries {
				if e.Key == "" {
					t.Fatalf("entry without a key: %+v", e)
				}
				plainTextOf(t, e)
			}
			if c.check != nil {
				c.check(t, f)
			}
		})
	}
}

// plainTextOf checks that an entry's Text reads as the plain text of its
// HTML: the same words in the same order as the HTML's text nodes (read
// with an HTML parser), and tidy lines: no space at either end, no run of
// spaces, at most one blank line in a row.
func plainTextOf(t *testing.T, e Entry) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(e.HTML))
	if err != nil {
		t.Fatalf("entry %s: its HTML does not parse: %v", e.Key, err)
	}
	var words strings.Builder
	for n := range doc.Descendants() {
		if n.Type == html.TextNode {
			words.WriteString(noSpace(n.Data))
		}
	}
	if got, want := noSpace(e.Text), words.String(); got != want {
		t.Fatalf("entry %s: text %q does not hold the words of its HTML %q", e.Key, e.Text, e.HTML)
	}
	if strings.Contains(e.Text, "  ") || strings.Contains(e.Text, "\n\n\n") {
		t.Fatalf("entry %s: text %q has runs of blank space", e.Key, e.Text)
	}
	for _, line := range strings.Split(e.Text, "\n") {
		if line != strings.TrimSpace(line) {
			t.Fatalf("entry %s: line %q of its text has space at an end", e.Key, line)
		}
	}
}

func noSpace(s string) string {
	return strings.Join(strings.Fields(s), "")
}

func TestBrokenFeedsGiveClearErrors(t *testing.T) {
	cases := map[string]string{
		"broken-truncated-server-error-reuters.xml": "EOF",
		"broken-truncated-cdata.xml":                "malformed feed",
		"broken-truncated-jsonfeed.json":            "malformed JSON Feed",
		"broken-html-page-inessential.html":         "HTML page",
		"broken-not-a-feed-document-moved.xml":      "not a feed",
		"broken-json-not-jsonfeed-rss-in-json.json": "not a feed",
		"broken-empty-file.xml":                     "empty document",
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := parseFile(t, name, "https://example.com/feed")
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v, want it to mention %q", err, want)
			}
		})
	}
	_, err := parseFile(t, "broken-html-page-inessential.html", "https://example.com/")
	if !errors.Is(err, ErrNotFeed) {
		t.Errorf("HTML page error %v is not ErrNotFeed", err)
	}
}

func TestWireProfileAtom(t *testing.T) {
	doc := `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
 <title>Bob</title><id>https://bob.example/feed.atom</id><updated>2026-01-02T00:00:00Z</updated>
 <link rel="self" href="https://bob.example/feed.atom"/>
 <link rel="hub" href="https://hub.example/"/>
 <link rel="prev-archive" href="archive/0001.atom"/>
 <entry><id>tag:bob.example,2026:posts/abc</id><title>re</title><updated>2026-01-02T00:00:00Z</updated>
  <link href="https://bob.example/posts/abc/"/>
  <link rel="mentioned" href="https://alice.example/feed.atom" title="alice"/>
  <thr:in-reply-to ref="tag:alice.example,2026:posts/xyz" href="https://alice.example/posts/xyz/" source="https://alice.example/feed.atom" type="text/html"/>
  <category term="Go"/>
  <content type="html">&lt;p&gt;hi &lt;a class="h-card u-mention" href="https://alice.example/feed.atom"&gt;@alice&lt;/a&gt;&lt;/p&gt;</content>
 </entry>
</feed>`
	f, err := NewParser(0).Parse([]byte(doc), nil, "https://bob.example/feed.atom")
	if err != nil {
		t.Fatal(err)
	}
	e := f.Entries[0]
	if f.PrevArchive != "https://bob.example/archive/0001.atom" || len(f.Hubs) != 1 {
		t.Errorf("prev %q hubs %v", f.PrevArchive, f.Hubs)
	}
	if e.InReplyTo.Ref != "tag:alice.example,2026:posts/xyz" || e.InReplyTo.Source != "https://alice.example/feed.atom" {
		t.Errorf("in-reply-to %+v", e.InReplyTo)
	}
	if len(e.Mentions) != 1 || e.Mentions[0] != "https://alice.example/feed.atom" || len(e.Links) != 1 {
		t.Errorf("mentions %v links %v", e.Mentions, e.Links)
	}
	if len(e.Tags) != 1 || e.Tags[0] != "go" || e.Text != "hi @alice" {
		t.Errorf("tags %v text %q", e.Tags, e.Text)
	}
}

func TestRookeryJSONFeedExtension(t *testing.T) {
	doc := `{"version":"https://jsonfeed.org/version/1.1","title":"Bob","feed_url":"https://bob.example/feed.json",
	"hubs":[{"type":"WebSub","url":"https://hub.example/"}],
	"items":[{"id":"tag:bob.example,2026:posts/abc","url":"https://bob.example/posts/abc/","content_html":"<p>yo</p>","tags":["Go"],
	"date_published":"2026-01-02T00:00:00Z",
	"_rookery":{"in_reply_to":{"ref":"tag:a,2026:posts/x","href":"https://alice.example/posts/x/","source":"https://alice.example/feed.atom"},
	"mentions":[{"url":"https://alice.example/feed.atom","name":"alice"}]}}]}`
	f, err := NewParser(0).Parse([]byte(doc), nil, "https://bob.example/feed.json")
	if err != nil {
		t.Fatal(err)
	}
	e := f.Entries[0]
	if e.InReplyTo.Ref != "tag:a,2026:posts/x" || len(e.Mentions) != 1 || len(f.Hubs) != 1 || e.Published.IsZero() {
		t.Errorf("entry %+v hubs %v", e, f.Hubs)
	}
	if f.Self != "https://bob.example/feed.json" {
		t.Errorf("self = %q, want the feed_url", f.Self)
	}
}

// TestJSONFeedDiscovery: Link headers win over the document's hubs; a
// relative feed_url resolves against the fetched URL.
func TestJSONFeedDiscovery(t *testing.T) {
	doc := `{"version":"https://jsonfeed.org/version/1.1","title":"C","feed_url":"/feed.json",
	"hubs":[{"type":"WebSub","url":"https://doc-hub.example/"},{"type":"rssCloud","url":"https://cloud.example/"}],"items":[]}`
	f, err := NewParser(0).Parse([]byte(doc), nil, "https://c.example/x/feed.json")
	if err != nil {
		t.Fatal(err)
	}
	if f.Self != "https://c.example/feed.json" || !slices.Equal(f.Hubs, []string{"https://doc-hub.example/"}) {
		t.Errorf("self %q hubs %v, want https://c.example/feed.json and only the WebSub hub", f.Self, f.Hubs)
	}
	h := http.Header{"Link": {`<https://header-hub.example/>; rel="hub"`}}
	f, err = NewParser(0).Parse([]byte(doc), h, "https://c.example/x/feed.json")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Hubs, []string{"https://header-hub.example/"}) {
		t.Errorf("hubs %v, want the Link header's", f.Hubs)
	}
}

func TestMaxEntries(t *testing.T) {
	b, _ := os.ReadFile("../testdata/feeds/rss20-long-118-items-japantimes.xml")
	f, err := NewParser(30).Parse(b, nil, "https://example.com/")
	if err != nil || len(f.Entries) != 30 {
		t.Fatalf("%v %d", err, len(f.Entries))
	}
}

func enclosuresOf(f *Feed) []Enclosure {
	var out []Enclosure
	for _, e := range f.Entries {
		out = append(out, e.Enclosures...)
	}
	return out
}

func noScript(t *testing.T, f *Feed) {
	t.Helper()
	for _, e := range f.Entries {
		low := strings.ToLower(e.HTML)
		for _, bad := range []string{"<script", "javascript:", " onclick", " onerror", " onload", " onmouseover"} {
			if strings.Contains(low, bad) {
				t.Fatalf("%q left in %s", bad, e.HTML)
			}
		}
	}
}

func urdu(t *testing.T, f *Feed) {
	if !strings.ContainsAny(f.Entries[0].Title, "اردوکی") || f.Entries[0].URL == "" {
		t.Errorf("title %q url %q", f.Entries[0].Title, f.Entries[0].URL)
	}
}

func emMarkup(t *testing.T, f *Feed) {
	for _, e := range f.Entries {
		if strings.Contains(e.HTML, "<em>") {
			return
		}
	}
	t.Errorf("inner <em> markup lost")
}

func datesSet(t *testing.T, f *Feed) {
	for _, e := range f.Entries {
		if e.Published.IsZero() {
			t.Fatalf("no date: %+v", e)
		}
	}
}

func hubs(t *testing.T, f *Feed) {
	if len(f.Hubs) == 0 {
		t.Errorf("hub not reported")
	}
	contains("ü")(t, f)
}

func title(want string) func(*testing.T, *Feed) {
	return func(t *testing.T, f *Feed) {
		if f.Title != want {
			t.Errorf("title %q, want %q", f.Title, want)
		}
	}
}

func contains(s string) func(*testing.T, *Feed) {
	return func(t *testing.T, f *Feed) {
		for _, e := range f.Entries {
			if strings.Contains(e.Title+e.Text, s) {
				return
			}
		}
		t.Errorf("no entry contains %q", s)
	}
}

func notContains(s string) func(*testing.T, *Feed) {
	return func(t *testing.T, f *Feed) {
		for _, e := range f.Entries {
			if strings.Contains(e.Title+e.Text, s) {
				t.Errorf("entry contains %q", s)
			}
		}
	}
}

func TestParseKnownSkipsStoredEntries(t *testing.T) {
	doc := func(second string) []byte {
		return []byte(`<rss version="2.0"><channel><title>t</title>
<item><guid>a</guid><description>&lt;p&gt;first&lt;/p&gt;</description></item>
<item><guid>b</guid><description>` + second + `</description></item></channel></rss>`)
	}
	p := NewParser(0)
	f, err := p.Parse(doc("second"), nil, "https://x.example/")
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]string{}
	for _, e := range f.Entries {
		stored[e.Key] = e.Digest
	}
	calls := 0
	known := func(keys []string) map[string]string {
		calls++
		if !slices.Equal(keys, []string{"a", "b"}) {
			t.Errorf("known asked for keys %q, want [a b]", keys)
		}
		return stored
	}
	again, err := p.ParseKnown(doc("second, edited"), nil, "https://x.example/", known)
	if err != nil {
		t.Fatal(err)
	}
	a, b := again.Entries[0], again.Entries[1]
	if !a.Unchanged || a.HTML != "" || b.Unchanged || b.Text != "second, edited" || b.Digest == stored["b"] {
		t.Fatalf("unchanged entry %+v, edited entry %+v", a, b)
	}
	if calls != 1 {
		t.Errorf("known called %d times for one document, want 1", calls)
	}
}

// TestBlankUTF16DocumentIsAnError: a UTF-16 BOM followed by blank space
// only is rejected with an error, not a crash.
func TestBlankUTF16DocumentIsAnError(t *testing.T) {
	if _, err := NewParser(0).Parse([]byte("\xff\xfe \x00\n\x00"), nil, "https://x.example/"); err == nil {
		t.Fatal("a blank UTF-16 document parsed without error")
	}
}
