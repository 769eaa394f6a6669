package opml

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"
)

// FuzzRoundTrip checks that the subscriptions read from any OPML
// document, written out and read again, are the same subscriptions.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range []string{
		`<?xml version="1.0"?><opml version="2.0"><head><title>subs</title></head><body>
<outline text="Bob" title="Bob's notes" type="rss" xmlUrl="https://bob.example/feed.atom" htmlUrl="https://bob.example/"/>
<outline text="folder"><outline text="Nested &amp; deep" xmlUrl="  https://c.example/rss?a=1&amp;b=2  "/><outline text="no feed"/></outline>
</body></opml>`,
		`<?xml version="1.0" encoding="ISO-8859-1"?><opml version="1.0"><body><outline text="Caf` + "\xe9" + `" xmlUrl="http://x.example/f"/></body></opml>`,
		`<opml><body><outline text="tab&#9;newline&#10;" xmlUrl="https://t.example/"></outline></body></opml>`,
		`<opml><body><outline TEXT="case" XMLURL="https://u.example/"/></body></opml>`,
		`<html><body>not opml</body></html>`,
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, doc []byte) {
		first, _, err := ParseState(bytes.NewReader(doc))
		if err != nil {
			return
		}
		for _, o := range first {
			if o.XMLURL == "" || o.XMLURL != strings.TrimSpace(o.XMLURL) {
				t.Fatalf("Parse(%q): feed URL %q is empty or not trimmed", doc, o.XMLURL)
			}
		}
		var b bytes.Buffer
		if err := WriteState(&b, "subs", first, State{}, now); err != nil {
			t.Fatalf("Write(%+v): %v", first, err)
		}
		again, _, err := ParseState(bytes.NewReader(b.Bytes()))
		if err != nil || !reflect.DeepEqual(again, first) {
			t.Fatalf("Parse(%q)\n= %+v\nwritten as %s\nreads back as %+v, %v", doc, first, b.Bytes(), again, err)
		}
	})
}
