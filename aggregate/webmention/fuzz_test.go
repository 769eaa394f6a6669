package webmention

import (
	"bytes"
	"html"
	"net/url"
	"strings"
	"testing"

	"github.com/rookery-social/rookery/aggregate/feedparse"
	"github.com/rookery-social/rookery/internal/fuzzcheck"
	"github.com/rookery-social/rookery/internal/htmlx"
	"github.com/rookery-social/rookery/internal/safehttp"
)

const (
	fuzzSource = "https://bob.example/notes/1"
	fuzzTarget = "https://me.example/posts/abc/"
)

var pageSeeds = []string{
	`<html><head><title>Plain page</title></head><body><p>see <a href="https://me.example/posts/abc/">this</a></p></body></html>`,
	`<html><body><article class="h-entry"><h1 class="p-name">Title</h1>
<a class="p-author h-card" href="/"><span class="p-name">Bob</span><img class="u-photo" src="me.png"></a>
<div class="e-content"><p>Hello <b>you</b> <a href="javascript:alert(1)" onclick="x()">x</a><script>s()</script></p></div>
<div class="h-cite"><span class="p-name">quoted, not ours</span><a class="u-url" href="https://quoted.example/">q</a></div>
<a class="u-in-reply-to" href="https://me.example/posts/abc/">re</a><a class="u-url" href="notes/1">link</a>
<time class="dt-published" datetime="2031-01-02T10:00:00Z">then</time></article></body></html>`,
	`<base href="https://me.example/posts/"><div class="h-entry"><p class="p-name e-content">  spaced
	name  </p><a class="u-in-reply-to" href="abc/">r</a><span class="p-author">Anon <a href="mailto:a@b.example">m</a></span></div>`,
	`<div class="h-entry"><a class="u-url">javascript:alert(1)</a><img class="u-in-reply-to" src="//me.example/posts/abc/"></div>`,
	`<rss version="2.0"><channel><item><guid>g2</guid><link>https://bob.example/2</link><description>&lt;a href="https://me.example/posts/abc/"&gt;re&lt;/a&gt;</description></item></channel></rss>`,
	`<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>tag:x</id><link href="/e/1"/><link rel="related" href="https://ME.example:443/posts/abc/"/></entry></feed>`,
	`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"2","url":"/2","_rookery":{"in_reply_to":{"href":"https://me.example/posts/abc/"}}}]}`,
	`{"items":[{"id":"1","content_html":"<a href=\"https://me.example/posts/abc/\">x</a>"}]}`,
}

// FuzzHEntry checks that the h-entry read from any page has URLs that are
// absolute http(s) or empty, a name with its blank space folded, and that
// the one-item JSON Feed built from it is a feed the reader parses into
// one entry, under the source URL, with safe HTML.
func FuzzHEntry(f *testing.F) {
	for _, s := range pageSeeds {
		f.Add([]byte(s))
	}
	base, _ := url.Parse(fuzzSource)
	p := feedparse.NewParser(0)
	f.Fuzz(func(t *testing.T, doc []byte) {
		e, err := parseHEntry(doc, base)
		if err != nil {
			return
		}
		for what, u := range map[string]string{"u-url": e.URL, "u-in-reply-to": e.InReplyTo, "author url": e.Author.URL} {
			if err := fuzzcheck.HTTPURL(what, u); err != nil {
				t.Fatalf("parseHEntry(%q): %v", doc, err)
			}
		}
		if e.Name != strings.Join(strings.Fields(e.Name), " ") {
			t.Fatalf("parseHEntry(%q): name %q has blank space to fold", doc, e.Name)
		}
		checkJSONFeed(t, p, e)
	})
}

func checkJSONFeed(t *testing.T, p *feedparse.Parser, e htmlx.Entry) {
	body, err := jsonFeed(e, fuzzSource)
	if err != nil {
		t.Fatalf("jsonFeed of %+v: %v", e, err)
	}
	feed, err := p.Parse(body, nil, fuzzSource)
	if err != nil {
		t.Fatalf("the JSON Feed built from %+v does not parse: %v\n%s", e, err, body)
	}
	if len(feed.Entries) != 1 || feed.Entries[0].ID != fuzzSource || feed.Entries[0].URL != fuzzSource {
		t.Fatalf("the JSON Feed built from %+v gives entries %+v, want one with the source URL", e, feed.Entries)
	}
	if err := fuzzcheck.SafeHTML(feed.Entries[0].HTML); err != nil {
		t.Fatalf("the mention's HTML %q: %v", feed.Entries[0].HTML, err)
	}
}

// FuzzLinksTo checks link finding in any source document: a link to the
// target put in front of it is found; whatever is found names the
// target's host somewhere in the document (or is relative to the
// source); and the entry link reported for a feed source is absolute.
func FuzzLinksTo(f *testing.F) {
	for _, s := range pageSeeds {
		f.Add([]byte(s), fuzzTarget)
	}
	f.Add([]byte(`<a href="HTTPS://Me.Example:443/posts/abc/">x</a>`), "https://me.example/posts/abc/")
	f.Add([]byte(`<a href="/posts/abc/">x</a>`), "https://bob.example/posts/abc/")
	base, _ := url.Parse(fuzzSource)
	f.Fuzz(func(t *testing.T, doc []byte, target string) {
		tu, err := safehttp.ParseURL(target)
		if err != nil || target != strings.TrimSpace(target) {
			// The receiver refuses such targets; and no HTML can link to
			// a URL with blank space around it (browsers strip it).
			return
		}
		withLink := append([]byte(`<a href="`+html.EscapeString(target)+`">x</a>`), doc...)
		if !htmlLinksTo(withLink, base, target) {
			t.Fatalf("htmlLinksTo(%q, %q) misses the first link", withLink, target)
		}
		found := htmlLinksTo(doc, base, target)
		xe, inXML := xmlEntryLinking(doc, base, target)
		je, inJSON := jsonEntryLinking(doc, base, target)
		if (found || inXML || inJSON) && !names(doc, tu) {
			t.Fatalf("%q links to %q (html %v, feed %v, json %v) without naming its host", doc, target, found, inXML, inJSON)
		}
		for _, l := range []string{xe.Link, je.Link} {
			if err := fuzzcheck.AbsURL("entry link", l); err != nil {
				t.Fatalf("entry linking %q in %q: %v", target, doc, err)
			}
		}
	})
}

// names reports whether doc could spell a link to u: u's host appears in
// it (after character references or percent escapes are decoded), or u
// is on the source's host.
func names(doc []byte, u *url.URL) bool {
	host := strings.ToLower(u.Hostname())
	if host == "bob.example" {
		return true
	}
	text := strings.ToLower(html.UnescapeString(string(doc)))
	if unq, err := url.PathUnescape(text); err == nil {
		text += "\n" + unq
	}
	return strings.Contains(text, host) || bytes.Contains(bytes.ToLower(doc), []byte(host))
}
