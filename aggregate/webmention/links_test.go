package webmention

import (
	"net/url"
	"testing"

	"github.com/rookery-social/rookery/internal/htmlx"
)

func TestHTMLLinksTo(t *testing.T) {
	base, _ := url.Parse("https://bob.example/notes/1")
	const tgt = "https://me.example/posts/abc/"
	cases := map[string]struct {
		doc  string
		want bool
	}{
		"a href":          {`<p><a href="https://me.example/posts/abc/">x</a>`, true},
		"img src":         {`<img src="https://me.example/posts/abc/">`, true},
		"host case, port": {`<a href="HTTPS://Me.Example:443/posts/abc/">x</a>`, true},
		"relative + base": {`<base href="https://me.example/posts/"><a href="abc/">x</a>`, true},
		"relative to bob": {`<a href="/posts/abc/">x</a>`, false},
		"text only":       {`<p>https://me.example/posts/abc/</p>`, false},
		"other path":      {`<a href="https://me.example/posts/abcd/">x</a>`, false},
		"in attribute":    {`<a title="https://me.example/posts/abc/" href="/">x</a>`, false},
	}
	for name, c := range cases {
		if got := htmlLinksTo([]byte(c.doc), base, tgt); got != c.want {
			t.Errorf("%s: got %v want %v", name, got, c.want)
		}
	}
	// Dot segments name the same URL, whichever side has them (a link is
	// resolved, so its dots are gone; a target keeps what was sent).
	for doc, target := range map[string]string{
		`<a href="https://me.example/posts/./abc/">x</a>`: tgt,
		`<a href="https://me.example/posts/abc/">x</a>`:   "https://me.example/posts/x/../abc/",
		`<a href="https://me.example/.">x</a>`:            "https://me.example/.",
	} {
		if !htmlLinksTo([]byte(doc), base, target) {
			t.Errorf("%s does not link to %s", doc, target)
		}
	}
	if htmlLinksTo([]byte(`<a href="https://me.example/posts/abc/../">x</a>`), base, tgt) {
		t.Error("a link resolving to /posts/ links to /posts/abc/")
	}
}

func TestEntryLinking(t *testing.T) {
	base, _ := url.Parse("https://bob.example/feed")
	const tgt = "https://me.example/posts/abc/"
	rss := `<rss version="2.0"><channel><item><guid>g1</guid><link>https://bob.example/1</link></item>
<item><guid>g2</guid><link>https://bob.example/2</link><description>&lt;a href="https://me.example/posts/abc/"&gt;re&lt;/a&gt;</description></item></channel></rss>`
	if e, ok := xmlEntryLinking([]byte(rss), base, tgt); !ok || e.ID != "g2" || e.Link != "https://bob.example/2" {
		t.Errorf("rss: %+v %v, want item g2", e, ok)
	}
	json := `{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","url":"https://bob.example/1","content_text":"hi"},
{"id":"2","url":"https://bob.example/2","_rookery":{"in_reply_to":{"href":"https://me.example/posts/abc/"}}}]}`
	if e, ok := jsonEntryLinking([]byte(json), base, tgt); !ok || e.ID != "2" {
		t.Errorf("json feed: %+v %v, want item 2", e, ok)
	}
	if _, ok := jsonEntryLinking([]byte(`{"items":[{"id":"1","content_text":"https://me.example/posts/abc/ nope"}]}`), base, tgt); ok {
		t.Error("json: a URL inside text is not an exact property match")
	}
}

func TestParseHEntry(t *testing.T) {
	base, _ := url.Parse("https://bob.example/notes/1")
	doc := `<html><body><article class="h-entry"><h1 class="p-name">Title</h1>
<a class="p-author h-card" href="/">Bob</a>
<div class="e-content"><p>Hello <b>you</b></p></div>
<div class="h-cite"><span class="p-name">quoted, not ours</span></div>
<a class="u-in-reply-to" href="https://me.example/posts/abc/">re</a>
<time class="dt-published" datetime="2026-11-21T10:00:00Z">then</time></article></body></html>`
	e, err := parseHEntry([]byte(doc), base)
	if err != nil {
		t.Fatal(err)
	}
	want := htmlx.Entry{Name: "Title", Content: "<p>Hello <b>you</b></p>", ContentText: "Hello you", Published: "2026-11-21T10:00:00Z",
		InReplyTo: "https://me.example/posts/abc/", Author: htmlx.Card{Name: "Bob", URL: "https://bob.example/"}}
	if e != want {
		t.Fatalf("got %+v\nwant %+v", e, want)
	}
	e, err = parseHEntry([]byte(`<html><head><title>A plain page</title></head><body><p>Hi</p></body></html>`), base)
	if err != nil || e != (htmlx.Entry{Name: "A plain page"}) {
		t.Fatalf("a page without h-entry: got %+v, %v; want its title as the name", e, err)
	}
}
