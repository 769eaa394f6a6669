package opml

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestWriteParseRoundTrip(t *testing.T) {
	in := []Outline{
		{Text: "alice", Title: "Alice & Co", XMLURL: "https://alice.example/feed.atom", HTMLURL: "https://alice.example/"},
		{Text: "bob", XMLURL: "https://bob.example/feed.atom?x=1&y=2"},
	}
	var b bytes.Buffer
	if err := WriteState(&b, "subs", in, State{}, time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `<opml version="2.0">`) || !strings.Contains(b.String(), `type="rss"`) {
		t.Fatalf("output:\n%s", b.String())
	}
	out, _, err := ParseState(&b)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0] != in[0] || out[1] != in[1] {
		t.Fatalf("round trip: %+v", out)
	}
}

func TestParseLatin1AndNested(t *testing.T) {
	doc := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><opml version=\"1.1\"><body><outline text=\"Gr\xfcne\"><outline text=\"x\" xmlUrl=\"https://x.example/rss\"/></outline></body></opml>"
	out, _, err := ParseState(strings.NewReader(doc))
	if err != nil || len(out) != 1 || out[0].XMLURL != "https://x.example/rss" {
		t.Fatalf("%v %+v", err, out)
	}
	if _, _, err := ParseState(strings.NewReader("")); err == nil {
		t.Fatal("empty document parsed")
	}
}

// The extension round-trips, and a document without it reads as before.
func TestStateRoundTrip(t *testing.T) {
	st := State{Me: "https://me.example/feed.atom",
		Blocks: []Rule{{Kind: "domain", Value: "spam.example"}, {Kind: "feed", Value: "https://troll.example/feed"}},
		Mutes:  []Rule{{Kind: "tag", Value: "spoilers"}, {Kind: "word", Value: "crypto"}},
		Tracks: []Track{{Query: "#golang", Typed: "#Golang", Hub: "https://hub.example/", Topic: "https://hub.example/track?q=%23golang"}}}
	outlines := []Outline{{Text: "bob", Title: "Bob's posts", XMLURL: "https://bob.example/feed.atom"}}
	var b strings.Builder
	if err := WriteState(&b, "x", outlines, st, time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	gotOut, got, err := ParseState(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, st) || !reflect.DeepEqual(gotOut, outlines) {
		t.Errorf("round trip:\n%+v\n%+v\nwant\n%+v\n%+v\n%s", gotOut, got, outlines, st, b.String())
	}
	if !strings.Contains(b.String(), `xmlns="`+Namespace+`"`) {
		t.Errorf("extension not in its namespace:\n%s", b.String())
	}
}
