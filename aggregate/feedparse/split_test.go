package feedparse

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// TestSplitParseMatchesWholeParse parses every sample feed (and the long
// generated ones) with the two-halves parse forced on, and compares the
// result with the whole parse, field by field.
func TestSplitParseMatchesWholeParse(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("the two-halves parse needs GOMAXPROCS >= 2")
	}
	docs := map[string][]byte{}
	names, _ := filepath.Glob(filepath.Join("..", "testdata", "feeds", "*"))
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		docs[name] = b
	}
	if len(docs) == 0 {
		t.Fatal("no sample feeds in testdata/feeds")
	}
	docs["generated atom"] = []byte(longAtom(300))
	docs["generated rss"] = []byte(longRSS(300))
	whole := NewParser(0)
	whole.splitMin = 1 << 30
	split := NewParser(0)
	split.splitMin, split.splitBytes = 2, 0
	splitted := 0
	for name, b := range docs {
		if a, b, k, n, ok := splitDoc(b, 2); ok {
			if _, ok := split.parseHalves(a, b, k, n); ok {
				splitted++
			}
		}
		want, wantErr := whole.Parse(b, nil, "https://example.com/feed")
		got, gotErr := split.Parse(b, nil, "https://example.com/feed")
		if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Errorf("%s: split parse error %v, whole %v", name, gotErr, wantErr)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: split parse differs from the whole parse", name)
		}
	}
	t.Logf("%d of %d documents parsed in two halves", splitted, len(docs))
	if splitted < 10 {
		t.Errorf("only %d of %d documents were parsed in two halves: the comparison is too weak", splitted, len(docs))
	}
}

// TestSplitDocRefusesWhatItCannotRead: documents the scanner is unsure of
// are parsed whole.
func TestSplitDocRefusesWhatItCannotRead(t *testing.T) {
	cases := map[string]string{
		"element between items": strings.Replace(longRSS(3), "</item>", "</item><x/>", 1),
		"internal subset":       `<!DOCTYPE rss [<!ENTITY a "b">]>` + longRSS(3),
		"rdf root":              `<rdf:RDF><item></item><item></item></rdf:RDF>`,
		"unclosed":              strings.TrimSuffix(longRSS(3), "</rss>"),
		"lt in attribute":       strings.Replace(longRSS(3), "<item>", `<item a="<">`, 1),
		"too few":               longRSS(1),
	}
	for name, doc := range cases {
		if _, _, _, _, ok := splitDoc([]byte(doc), 2); ok {
			t.Errorf("%s: splitDoc accepted %q", name, doc)
		}
	}
	if _, _, k, n, ok := splitDoc([]byte(longAtom(5)), 2); !ok || k != 2 || n != 5 {
		t.Errorf("splitDoc(Atom, 5 entries) = %d of %d, %v", k, n, ok)
	}
}

func longAtom(n int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0" xml:base="https://a.example/blog/">
<title>A</title><id>tag:a.example,2026:feed</id><link rel="self" href="feed.atom"/><author><name>A</name></author>
<!-- a comment with <entry> in it -->
`)
	for i := range n {
		fmt.Fprintf(&b, `<entry><id>tag:a.example,2026:%d</id><title>Post %d</title><link href="p/%d/"/>
<updated>2026-01-02T03:04:05Z</updated><category term="go"/>
<content type="html"><![CDATA[<p>Body %d with <a href="rel/%d">a link</a> and </entry> in CDATA</p>]]></content>`, i, i, i, i, i)
		if i%3 == 0 {
			fmt.Fprintf(&b, `<link rel="mentioned" href="https://b.example/feed.atom"/><thr:in-reply-to ref="tag:b,%d" href="https://b.example/%d"/>`, i, i)
		}
		b.WriteString("</entry>\n")
	}
	b.WriteString(`<link rel="prev-archive" href="archive/1.atom"/></feed>`)
	return b.String()
}

func longRSS(n int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>R</title><link>https://r.example/</link><description>d</description><ttl>30</ttl>
`)
	for i := range n {
		fmt.Fprintf(&b, `<item><title>Post %d</title><link>https://r.example/%d</link><guid>https://r.example/%d</guid>
<pubDate>Mon, 02 Jan 2026 03:04:05 +0000</pubDate><category>go</category><description>&lt;p&gt;Body %d &amp;amp; more&lt;/p&gt;</description></item>
`, i, i, i, i)
	}
	b.WriteString(`<atom:link rel="hub" href="https://hub.example/"/></channel></rss>`)
	return b.String()
}
