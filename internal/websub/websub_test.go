package websub

import (
	"errors"
	"net/http"
	"reflect"
	"testing"
)

func TestSignVerify(t *testing.T) {
	secret, body := []byte("s3cret"), []byte("<feed/>")
	sig := Sign(secret, body)
	if err := Verify(sig, secret, body); err != nil {
		t.Fatalf("own signature rejected: %v", err)
	}
	// Known vector: HMAC-SHA1("key", "The quick brown fox jumps over the lazy dog").
	if err := Verify("sha1=de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9", []byte("key"),
		[]byte("The quick brown fox jumps over the lazy dog")); err != nil {
		t.Fatalf("sha1 vector: %v", err)
	}
	bad := map[string]string{
		"tampered body": Sign(secret, []byte("<feed>x</feed>")),
		"wrong secret":  Sign([]byte("other"), body),
		"unknown algo":  "md5=00",
		"no method":     "abcdef",
		"not hex":       "sha256=zz",
		"empty":         "",
	}
	for name, h := range bad {
		if err := Verify(h, secret, body); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: err = %v, want ErrBadSignature", name, err)
		}
	}
}

func TestParseLinks(t *testing.T) {
	h := http.Header{}
	h.Add("Link", `<https://hub.example/>; rel="hub", <https://a.example/feed.atom>; rel=self`)
	h.Add("Link", `<https://b.example/x,y>; title="a, b"; rel="hub alternate"`)
	got := ParseLinks(h)
	want := []Link{
		{"https://hub.example/", "hub"},
		{"https://a.example/feed.atom", "self"},
		{"https://b.example/x,y", "hub"},
		{"https://b.example/x,y", "alternate"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
}

func TestFormatLinkRoundTrip(t *testing.T) {
	h := http.Header{}
	h.Add("Link", FormatLink("https://hub.example/", "hub"))
	h.Add("Link", FormatLink("https://a.example/feed", "self"))
	d := Discover(h, nil, "https://a.example/")
	if len(d.Hubs) != 1 || d.Hubs[0] != "https://hub.example/" || d.Self != "https://a.example/feed" {
		t.Fatalf("got %+v", d)
	}
}

func TestDiscoverDocuments(t *testing.T) {
	cases := map[string]struct {
		ct, body string
		want     Discovery
	}{
		"atom": {"application/atom+xml", `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
<link rel="self" href="/feed.atom"/><link rel="hub" href="https://hub.example/"/>
<entry><link rel="hub" href="https://wrong.example/"/></entry></feed>`,
			Discovery{Hubs: []string{"https://hub.example/"}, Self: "https://a.example/feed.atom"}},
		"rss": {"application/rss+xml", `<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
<link>https://a.example/</link><atom:link rel="hub" href="https://hub.example/"/>
<atom:link rel="self" href="https://a.example/rss"/><item><title>x</title></item></channel></rss>`,
			Discovery{Hubs: []string{"https://hub.example/"}, Self: "https://a.example/rss"}},
		"json": {"application/feed+json", `{"version":"https://jsonfeed.org/version/1.1","feed_url":"https://a.example/feed.json","hubs":[{"type":"WebSub","url":"https://hub.example/"}]}`,
			Discovery{Hubs: []string{"https://hub.example/"}, Self: "https://a.example/feed.json"}},
		"html": {"text/html", `<!doctype html><html><head><link rel="hub" href="https://hub.example/"><link rel=self href="https://a.example/"></head><body><link rel=hub href="https://late.example/"></body></html>`,
			Discovery{Hubs: []string{"https://hub.example/"}, Self: "https://a.example/"}},
		"none": {"text/plain", "hello", Discovery{}},
	}
	for name, c := range cases {
		h := http.Header{"Content-Type": {c.ct}}
		got := Discover(h, []byte(c.body), "https://a.example/")
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %+v want %+v", name, got, c.want)
		}
	}
}

func TestHeadersWinOverDocument(t *testing.T) {
	h := http.Header{"Link": {`<https://header-hub.example/>; rel="hub"`}}
	body := `<feed xmlns="http://www.w3.org/2005/Atom"><link rel="hub" href="https://doc-hub.example/"/><link rel="self" href="https://a.example/f"/></feed>`
	d := Discover(h, []byte(body), "https://a.example/f")
	if !reflect.DeepEqual(d.Hubs, []string{"https://header-hub.example/"}) || d.Self != "https://a.example/f" {
		t.Fatalf("got %+v", d)
	}
}

func FuzzParseLinks(f *testing.F) {
	f.Add(`<https://hub.example/>; rel="hub", <x>; rel=self`)
	f.Add(`<a>;rel="`)
	f.Fuzz(func(t *testing.T, v string) {
		for _, l := range ParseLinks(http.Header{"Link": {v}}) {
			if l.Rel == "" {
				t.Fatalf("empty rel from %q", v)
			}
		}
	})
}
