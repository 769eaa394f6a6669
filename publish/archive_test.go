package publish_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed/atom"

	"github.com/rookery-social/rookery/internal/testsite"
)

type parsedDoc struct {
	links    map[string]string
	ids      []string
	archive  bool
	complete bool
}

func parseAtom(t *testing.T, b []byte) parsedDoc {
	t.Helper()
	f, err := (&atom.Parser{}).Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	d := parsedDoc{links: map[string]string{}}
	for _, l := range f.Links {
		d.links[l.Rel] = l.Href
	}
	for _, e := range f.Entries {
		d.ids = append(d.ids, strings.TrimPrefix(e.ID, "tag:alice.example,2026:posts/"))
	}
	_, d.archive = f.Extensions["fh"]["archive"]
	_, d.complete = f.Extensions["fh"]["complete"]
	return d
}

func TestArchives(t *testing.T) {
	const base = "https://alice.example/"
	dir := testsite.Write(t, testsite.Config(base, "feed_size = 3\n")+testsite.ManyPosts(8))
	d := docs(t, loadSite(t, dir))
	if len(d) != 5 {
		t.Fatalf("documents: %d, want 3 feeds and 2 archives", len(d))
	}
	main := parseAtom(t, d["feed.atom"])
	if fmt.Sprint(main.ids) != "[pah pag paf]" || main.complete || main.archive {
		t.Errorf("main feed: %+v", main)
	}
	if main.links["prev-archive"] != base+"archive/0002.atom" {
		t.Errorf("main prev-archive %q", main.links["prev-archive"])
	}
	a1, a2 := parseAtom(t, d["archive/0001.atom"]), parseAtom(t, d["archive/0002.atom"])
	if fmt.Sprint(a1.ids) != "[pac pab paa]" || fmt.Sprint(a2.ids) != "[pae pad]" {
		t.Errorf("archive entries %v %v", a1.ids, a2.ids)
	}
	for name, a := range map[string]parsedDoc{"0001": a1, "0002": a2} {
		if !a.archive || a.complete || a.links["current"] != base+"feed.atom" || a.links["self"] != base+"archive/"+name+".atom" {
			t.Errorf("archive %s: %+v", name, a)
		}
	}
	if _, ok := a1.links["prev-archive"]; ok || a1.links["next-archive"] != base+"archive/0002.atom" {
		t.Errorf("archive 1 links %v", a1.links)
	}
	if _, ok := a2.links["next-archive"]; ok || a2.links["prev-archive"] != base+"archive/0001.atom" {
		t.Errorf("archive 2 (the open one) links %v", a2.links)
	}
	if _, ok := d["feed.rss"]; !ok {
		t.Error("no feed.rss")
	}

	// One more post fills archive 2: it now links to the (empty) open
	// archive 3, and archive 1 is unchanged byte for byte.
	testsite.Add(t, dir, testsite.ManyPosts(9))
	d2 := docs(t, loadSite(t, dir))
	if !bytes.Equal(d2["archive/0001.atom"], d["archive/0001.atom"]) {
		t.Error("a full archive changed after a new post")
	}
	a2 = parseAtom(t, d2["archive/0002.atom"])
	if fmt.Sprint(a2.ids) != "[paf pae pad]" || a2.links["next-archive"] != base+"archive/0003.atom" {
		t.Errorf("archive 2 after a new post: %+v", a2)
	}
	if a3 := parseAtom(t, d2["archive/0003.atom"]); len(a3.ids) != 0 || !a3.archive {
		t.Errorf("open archive 3 should exist and be empty: %+v", a3)
	}
	// Three more fill archive 3; archives 1 and 2 stay as they were.
	testsite.Add(t, dir, testsite.ManyPosts(12))
	d3 := docs(t, loadSite(t, dir))
	if !bytes.Equal(d3["archive/0001.atom"], d["archive/0001.atom"]) || !bytes.Equal(d3["archive/0002.atom"], d2["archive/0002.atom"]) {
		t.Error("full archives changed")
	}
	if a := parseAtom(t, d3["archive/0003.atom"]); fmt.Sprint(a.ids) != "[pai pah pag]" || a.links["prev-archive"] != base+"archive/0002.atom" {
		t.Errorf("archive 3: %+v", a)
	}
	if main := parseAtom(t, d3["feed.atom"]); main.links["prev-archive"] != base+"archive/0004.atom" {
		t.Errorf("main feed prev-archive %q", main.links["prev-archive"])
	}
}

func TestCompleteFeed(t *testing.T) {
	d := docs(t, loadSite(t, testsite.Write(t, testsite.Config("https://alice.example/", "feed_size = 3\n")+testsite.ManyPosts(3))))
	main := parseAtom(t, d["feed.atom"])
	if !main.complete || len(main.ids) != 3 || main.links["prev-archive"] != "" || len(d) != 3 {
		t.Errorf("a feed holding every entry must carry fh:complete and no archives: %+v, %d docs", main, len(d))
	}
}
