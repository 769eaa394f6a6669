package htmlx

import (
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestRels(t *testing.T) {
	base := mustURL(t, "https://bob.example/notes/1")
	cases := map[string]struct {
		doc  string
		want []Link
	}{
		"two relations, relative href": {`<link rel="Hub SELF" href="/feed">`, []Link{
			{Rel: "hub", Element: "link", Href: "/feed", URL: "https://bob.example/feed", InHead: true},
			{Rel: "self", Element: "link", Href: "/feed", URL: "https://bob.example/feed", InHead: true}}},
		"a and area in the body": {`<head></head><body><a rel=webmention href="wm">x</a><area rel=tag href=" /t ">`, []Link{
			{Rel: "webmention", Element: "a", Href: "wm", URL: "https://bob.example/notes/wm"},
			{Rel: "tag", Element: "area", Href: "/t", URL: "https://bob.example/t"}}},
		"empty href is the page": {`<link rel=webmention href="">`, []Link{
			{Rel: "webmention", Element: "link", URL: "https://bob.example/notes/1", InHead: true}}},
		"type without parameters": {`<link rel=alternate type="Application/Atom+XML; charset=utf-8" href=/f>`, []Link{
			{Rel: "alternate", Element: "link", Type: "application/atom+xml", Href: "/f", URL: "https://bob.example/f", InHead: true}}},
		"no href, no rel, other element, bad URL": {`<link rel=hub><a href=/x>x</a><div rel=hub href=/y></div><a rel=me href="http://[::1">x</a>`, nil},
		"rel in a comment or script":              {`<!-- <link rel=hub href=/c> --><script>"<link rel=hub href=/s>"</script>`, nil},
	}
	for name, c := range cases {
		if got := Rels([]byte(c.doc), base); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", name, got, c.want)
		}
	}
}

func TestAlternates(t *testing.T) {
	base := mustURL(t, "https://bob.example/posts/1/")
	doc := `<html><head>
<link rel="alternate" type="application/rss+xml" href="/rss.xml">
<link rel="alternate" type="text/html" href="/other-language">
<link rel="alternate" type="application/feed+json" href="/feed.json">
<link rel="alternate stylesheet" type="application/atom+xml" href="/a.atom">
<link rel="alternate" type="application/atom+xml" href="/b.atom">
<link rel="alternate" type="application/atom+xml" href="">
<link rel="feed" type="application/atom+xml" href="/not-alternate.atom">
</head><body><a rel=alternate type="application/atom+xml" href="/in-body-a.atom">feed</a></body></html>`
	want := []string{"https://bob.example/a.atom", "https://bob.example/b.atom",
		"https://bob.example/feed.json", "https://bob.example/rss.xml"}
	if got := Alternates([]byte(doc), base); !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got := Alternates([]byte(`<p>no feeds</p>`), base); got == nil || len(got) != 0 {
		t.Errorf("a page without feeds: %q", got)
	}
}

func TestRefs(t *testing.T) {
	base := mustURL(t, "https://bob.example/notes/1")
	cases := map[string]struct {
		doc  string
		want []string
	}{
		"a, img, blockquote, object": {`<p><a href="/a">x</a><img src="i.png"><blockquote cite="https://q.example/">q</blockquote><object data="/o"></object>`,
			[]string{"https://bob.example/a", "https://bob.example/notes/i.png", "https://q.example/", "https://bob.example/o"}},
		"base element":       {`<base href="https://me.example/posts/"><a href="abc/">x</a>`, []string{"https://me.example/posts/abc/"}},
		"relative base":      {`<base href="/other/"><a href="x">x</a>`, []string{"https://bob.example/other/x"}},
		"text is not a link": {`<p>https://me.example/posts/abc/</p><a title="https://t.example/">x</a>`, nil},
		"blank, unparsable":  {`<a href="  ">x</a><img src="http://[::1">`, nil},
	}
	for name, c := range cases {
		var got []string
		for u := range Refs([]byte(c.doc), base) {
			got = append(got, u.String())
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %q want %q", name, got, c.want)
		}
	}
	for range Refs([]byte(`<a href=/1>1</a><a href=/2>2</a>`), base) {
		break // stopping early must not panic
	}
}

func TestEntry(t *testing.T) {
	base := mustURL(t, "https://bob.example/notes/1")
	cases := map[string]struct {
		doc  string
		want Entry
	}{
		"a note with an author h-card": {`<html><body><article class="h-entry"><h1 class="p-name">Title</h1>
<a class="p-author h-card" href="/">Bob</a>
<div class="e-content"><p>Hello <b>you</b></p></div>
<div class="h-cite"><span class="p-name">quoted, not ours</span><a class="u-url" href="/quoted">q</a></div>
<a class="u-in-reply-to" href="https://me.example/posts/abc/">re</a>
<a class="u-url" href="/notes/1">permalink</a>
<time class="dt-published" datetime="2026-11-21T10:00:00Z">then</time></article></body></html>`,
			Entry{Name: "Title", Content: "<p>Hello <b>you</b></p>", ContentText: "Hello you", URL: "https://bob.example/notes/1",
				Published: "2026-11-21T10:00:00Z", InReplyTo: "https://me.example/posts/abc/",
				Author: Card{Name: "Bob", URL: "https://bob.example/"}}},
		"h-card with its own p-name and u-url, uid in data": {`<div class="h-entry">
<div class="p-author h-card"><img src="/me.jpg"><span class="p-name"> Bob   B. </span><a class="u-url" href="https://bob.example/">home</a></div>
<data class="u-uid" value="urn:uuid:two"></data><span class="dt-published">2026-01-01</span></div>`,
			Entry{UID: "urn:uuid:two", Published: "2026-01-01", Author: Card{Name: "Bob B.", URL: "https://bob.example/"}}},
		"plain p-author, non-web reply": {`<div class="h-entry"><span class="p-author">Ann</span><a class="u-in-reply-to" href="mailto:x@y">r</a></div>`,
			Entry{Author: Card{Name: "Ann"}}},
		"first value wins, class names are case-sensitive": {`<div class="h-entry"><b class="p-name">One</b><b class="p-name">Two</b><b class="P-NAME">x</b><b class="U-URL" href="/x">x</b></div>`,
			Entry{Name: "One"}},
	}
	for name, c := range cases {
		p, err := ParsePage([]byte(c.doc), base)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := p.Entry()
		if !ok || got != c.want {
			t.Errorf("%s:\n got %+v, %v\nwant %+v", name, got, ok, c.want)
		}
	}
}

func TestNoEntryTitle(t *testing.T) {
	p, err := ParsePage([]byte("<title>\n A  plain page </title><p class=H-ENTRY>no</p>"), mustURL(t, "https://bob.example/"))
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := p.Entry(); ok {
		t.Errorf("found an entry: %+v", e)
	}
	if got := p.Title(); got != "A plain page" {
		t.Errorf("title %q", got)
	}
}

func FuzzPage(f *testing.F) {
	f.Add(`<link rel="hub self" href="/x"><base href="//h/"><a href=y rel=me>`)
	f.Add(`<div class="h-entry"><a class="u-url p-author h-card" href="../a">a</a><p class="e-content">x</div>`)
	base := mustURL(f, "https://bob.example/a/b")
	f.Fuzz(func(t *testing.T, doc string) {
		for _, l := range Rels([]byte(doc), base) {
			if u, err := url.Parse(l.URL); err != nil || !u.IsAbs() || l.Rel == "" || strings.ContainsAny(l.Rel, " \t\n") {
				t.Fatalf("link %+v from %q", l, doc)
			}
		}
		for u := range Refs([]byte(doc), base) {
			if !u.IsAbs() {
				t.Fatalf("relative ref %s from %q", u, doc)
			}
		}
		p, err := ParsePage([]byte(doc), base)
		if err != nil {
			t.Fatal(err)
		}
		e, _ := p.Entry()
		for _, v := range []string{e.URL, e.InReplyTo, e.Author.URL} {
			if v != "" && webURL(v) == "" {
				t.Fatalf("non-web URL %q from %q", v, doc)
			}
		}
	})
}
