package websub

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rookery-social/rookery/internal/fuzzcheck"
)

const fuzzBase = "https://bob.example/blog/feed"

// FuzzDiscover checks, for any Link header and body, that every hub and
// self URL found is absolute, that hubs come once each, and that what is
// found names a host of the input (or is relative to the base); and that
// a hub and self put in the document in each format are found, resolved.
func FuzzDiscover(f *testing.F) {
	for _, s := range [][3]string{
		{`<https://hub.example/>; rel="hub", </feed>; rel=self`, "", ""},
		{"", "application/atom+xml", `<feed xmlns="http://www.w3.org/2005/Atom"><link rel="hub" href="https://hub.example/"/><link rel="self" href="feed.atom"/><entry><link rel="hub" href="https://late.example/"/></entry></feed>`},
		{"", "application/rss+xml", `<rss><channel><atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="HUB self" href="//hub.example/h"/></channel></rss>`},
		{"", "text/html", `<!doctype html><html><head><link rel="hub" href="/hub"><link rel=self href="https://bob.example/"></head><body><link rel="hub" href="https://body.example/"></body></html>`},
		{"", "application/feed+json", `{"version":"https://jsonfeed.org/version/1.1","feed_url":"feed.json","hubs":[{"type":"WebSub","url":"https://hub.example/"},{"type":"rssCloud","url":"https://cloud.example/"}]}`},
		{`<https://a.example/>; rel="hub"; rel="self", <bad`, "", `<link rel="hub" href="javascript:alert(1)">`},
	} {
		f.Add(s[0], s[1], []byte(s[2]), "https://hub.example/h", "feed.atom")
	}
	f.Fuzz(func(t *testing.T, link, contentType string, body []byte, hub, self string) {
		h := http.Header{}
		if link != "" {
			h.Set("Link", link)
		}
		h.Set("Content-Type", contentType)
		d := Discover(h, body, fuzzBase)
		checkDiscovery(t, d, link+"\n"+string(body))
		checkFound(t, hub, self)
	})
}

func checkDiscovery(t *testing.T, d Discovery, input string) {
	for i, u := range append([]string{d.Self}, d.Hubs...) {
		if err := fuzzcheck.AbsURL("discovered", u); err != nil {
			t.Fatalf("%v in %+v", err, d)
		}
		if u != "" && !namesHost(input, u) {
			t.Fatalf("discovered %q (%d) names no host of the input %q", u, i, input)
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(d.Hubs)))) != len(d.Hubs) {
		t.Fatalf("hubs %q are not distinct", d.Hubs)
	}
}

// namesHost reports whether u's host is the base's or appears in input
// (after character references or percent escapes are decoded).
func namesHost(input, u string) bool {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" || p.Host == "bob.example" {
		return true
	}
	text := strings.ToLower(html.UnescapeString(input))
	if unq, err := url.PathUnescape(text); err == nil {
		text += "\n" + unq
	}
	return strings.Contains(text, strings.ToLower(p.Host)) || strings.Contains(strings.ToLower(input), strings.ToLower(p.Host))
}

// checkFound puts hub and self in a Link header and in each document
// format and checks that they are found, resolved against the base.
func checkFound(t *testing.T, hub, self string) {
	b, _ := url.Parse(fuzzBase)
	wantHub, wantSelf := ResolveRef(b, hub), ResolveRef(b, self)
	if wantHub == "" || wantSelf == "" || !printable(hub) || !printable(self) || strings.ContainsAny(hub+self, "<>\"'") ||
		hub != strings.TrimSpace(hub) || self != strings.TrimSpace(self) {
		return // not something a document can carry as is
	}
	a := func(s string) string { return html.EscapeString(s) }
	j := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "\n", `\n`) }
	cases := map[string][2]string{
		"atom": {"application/atom+xml", `<feed xmlns="http://www.w3.org/2005/Atom"><link rel="hub" href="` + a(hub) + `"/><link rel="self" href="` + a(self) + `"/></feed>`},
		"html": {"text/html", `<html><head><link rel="hub" href="` + a(hub) + `"><link rel="self" href="` + a(self) + `"></head></html>`},
		"json": {"application/feed+json", `{"feed_url":"` + j(self) + `","hubs":[{"type":"WebSub","url":"` + j(hub) + `"}]}`},
	}
	for name, c := range cases {
		d := Discover(http.Header{"Content-Type": {c[0]}}, []byte(c[1]), fuzzBase)
		if len(d.Hubs) != 1 || d.Hubs[0] != wantHub || d.Self != wantSelf {
			t.Fatalf("%s %q: found %+v, want hub %q self %q", name, c[1], d, wantHub, wantSelf)
		}
	}
}

// FuzzVerify checks that a signature made with the secret verifies with
// each method, that changing any one byte of the body makes it fail, and
// that changing any one byte of the signature makes it fail unless the
// change is only of letter case (hex digits and method names are
// case-insensitive); and that any header that verifies is such a
// signature.
func FuzzVerify(f *testing.F) {
	f.Add([]byte("secret"), []byte("<feed/>"), uint(3), byte('x'), "sha256=00")
	f.Add([]byte(""), []byte(""), uint(0), byte(0), "sha1=")
	f.Add([]byte("k"), []byte("body"), uint(70), byte('A'), "SHA512 = abc")
	methods := map[string]func() hash.Hash{"sha1": sha1.New, "sha256": sha256.New, "sha384": sha512.New384, "sha512": sha512.New}
	f.Fuzz(func(t *testing.T, secret, body []byte, pos uint, b byte, header string) {
		if err := Verify(Sign(secret, body), secret, body); err != nil {
			t.Fatalf("Sign's signature does not verify: %v", err)
		}
		for name, h := range methods {
			sig := name + "=" + hex.EncodeToString(hmacOf(h, secret, body))
			checkSignature(t, sig, secret, body, pos, b)
		}
		if Verify(header, secret, body) == nil && !isSignature(header, secret, body, methods) {
			t.Fatalf("Verify accepts %q for body %q", header, body)
		}
	})
}

func checkSignature(t *testing.T, sig string, secret, body []byte, pos uint, b byte) {
	if err := Verify(sig, secret, body); err != nil {
		t.Fatalf("%s does not verify: %v", sig, err)
	}
	if len(body) > 0 {
		changed := slices.Clone(body)
		changed[pos%uint(len(body))] ^= b | 1
		if Verify(sig, secret, changed) == nil {
			t.Fatalf("%s verifies body %q changed to %q", sig, body, changed)
		}
	}
	i := pos % uint(len(sig))
	bad := []byte(sig)
	bad[i] = b
	if strings.EqualFold(string(bad), sig) {
		return
	}
	if Verify(string(bad), secret, body) == nil {
		t.Fatalf("%q verifies though signature %q was changed at %d", bad, sig, i)
	}
}

func isSignature(header string, secret, body []byte, methods map[string]func() hash.Hash) bool {
	method, digest, _ := strings.Cut(strings.ToLower(strings.TrimSpace(header)), "=")
	h, ok := methods[method]
	return ok && digest == hex.EncodeToString(hmacOf(h, secret, body))
}

func hmacOf(h func() hash.Hash, secret, body []byte) []byte {
	m := hmac.New(h, secret)
	m.Write(body)
	return m.Sum(nil)
}

// printable reports whether s is valid UTF-8 without control characters,
// as XML and JSON string values may hold them unescaped.
func printable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || r == 0xfffd })
}
