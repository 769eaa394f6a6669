package track

import (
	"bytes"
	"encoding/xml"
	"slices"
	"testing"

	"github.com/rookery-social/rookery/aggregate/feedparse"
)

// FuzzSplit checks, for any delivered document, that every origin is an
// http(s) feed named once, that its entries are pieces of the document,
// that the document built for one origin splits back to that origin and
// those entries, and that the reader parses it into one entry per
// delivered entry, under the origin's rel=self.
func FuzzSplit(f *testing.F) {
	f.Add([]byte(delivered))
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id><source><id>https://a.example/feed</id></source></entry></feed>`))
	f.Add([]byte(`<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:entry><a:id>1</a:id><a:source><a:link rel="self" href="https://a.example/f"/></a:source></a:entry></a:feed>`))
	f.Add([]byte(`<rss version="2.0"><channel/></rss>`))
	p := feedparse.NewParser(0)
	f.Fuzz(func(t *testing.T, doc []byte) {
		origins, ns, err := Split(doc)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, o := range origins {
			if !isHTTP(o.Feed) || seen[o.Feed] || len(o.Entries) == 0 {
				t.Fatalf("origin %q (seen %v, %d entries) of %q", o.Feed, seen[o.Feed], len(o.Entries), doc)
			}
			seen[o.Feed] = true
			for _, e := range o.Entries {
				if !bytes.Contains(doc, e) {
					t.Fatalf("entry %q is not a piece of %q", e, doc)
				}
			}
			checkOrigin(t, p, o, ns)
		}
	})
}

func checkOrigin(t *testing.T, p *feedparse.Parser, o Origin, ns []xml.Attr) {
	one := o.Document(ns, nil)
	back, _, err := Split(one)
	if err != nil || len(back) != 1 || back[0].Feed != o.Feed || !slices.EqualFunc(back[0].Entries, o.Entries, bytes.Equal) {
		t.Fatalf("the document of origin %q splits back to %+v, %v:\n%s", o.Feed, back, err, one)
	}
	feed, err := p.Parse(one, nil, o.Feed)
	if err != nil {
		t.Fatalf("the reader cannot parse the document of origin %q: %v\n%s", o.Feed, err, one)
	}
	if len(feed.Entries) != len(o.Entries) {
		t.Fatalf("the reader reads %d entries of the %d delivered for %q:\n%s", len(feed.Entries), len(o.Entries), o.Feed, one)
	}
}
