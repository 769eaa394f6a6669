package feedparse

import (
	"reflect"
	"testing"
	"time"
)

// TestTombstones: RFC 6721 tombstones are read from the children of an
// Atom feed, by namespace whatever the prefix; lookalikes are not.
func TestTombstones(t *testing.T) {
	when := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := map[string]struct {
		doc  string
		want []Tombstone
	}{
		"feedpub's form": {`<feed xmlns="http://www.w3.org/2005/Atom" xmlns:at="http://purl.org/atompub/tombstones/1.0">
<id>x</id><title>x</title><updated>2031-01-02T03:04:05Z</updated>
<at:deleted-entry ref="tag:a.example,2031:posts/k1" when="2031-01-02T03:04:05Z"/>
<entry><id>tag:a.example,2031:posts/k2</id><title>t</title><updated>2031-01-01T00:00:00Z</updated></entry>
</feed>`, []Tombstone{{"tag:a.example,2031:posts/k1", when}}},
		"another prefix, an offset and a fraction": {`<feed xmlns="http://www.w3.org/2005/Atom" xmlns:t="http://purl.org/atompub/tombstones/1.0">
<t:deleted-entry ref=" k1 " when="2031-01-02T05:04:05.25+02:00"><t:by><name>a</name></t:by></t:deleted-entry>
<deleted-entry xmlns="http://purl.org/atompub/tombstones/1.0" ref="k2" when="bad date"/>
</feed>`, []Tombstone{{"k1", when.Add(250 * time.Millisecond)}, {"k2", time.Time{}}}},
		"the prefix bound to another namespace": {`<feed xmlns="http://www.w3.org/2005/Atom" xmlns:at="http://example.com/not-tombstones">
<at:deleted-entry ref="k1" when="2031-01-02T03:04:05Z"/>
<x xmlns="http://purl.org/atompub/tombstones/1.0"/>
</feed>`, nil},
		"inside an entry, or without ref": {`<feed xmlns="http://www.w3.org/2005/Atom" xmlns:at="http://purl.org/atompub/tombstones/1.0">
<entry><id>k2</id><title>t</title><updated>2031-01-01T00:00:00Z</updated><at:deleted-entry ref="k1" when="2031-01-02T03:04:05Z"/></entry>
<at:deleted-entry when="2031-01-02T03:04:05Z"/>
</feed>`, nil},
		"RSS": {`<rss version="2.0" xmlns:at="http://purl.org/atompub/tombstones/1.0"><channel><title>x</title>
<at:deleted-entry ref="k1" when="2031-01-02T03:04:05Z"/><item><guid>k2</guid><title>t</title></item></channel></rss>`, nil},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			f, err := NewParser(0).Parse([]byte(c.doc), nil, "http://a.example/feed.atom")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f.Deleted, c.want) {
				t.Errorf("Deleted = %+v, want %+v", f.Deleted, c.want)
			}
		})
	}
}
