package publish_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"

	"github.com/rookery-social/rookery/internal/testbin"
	"github.com/rookery-social/rookery/internal/testsite"
)

var richSite = testsite.Config("https://alice.example/", `description = "notes"
hubs = ["https://hub.example/", "https://hub2.example/"]
webmention = "https://alice.example/webmention"
[following]
bob = "https://bob.example/feed.atom"
`) +
	testsite.Post("aaa", "2026-02-01T10:00:00Z", "tags = [\"go\"]\n", "Hello @bob, see <https://go.dev>.") +
	testsite.Post("bbb", "2026-02-02T10:00:00Z", "updated = 2026-02-04T00:00:00Z\n[reply_to]\nref = \"tag:bob.example,2026:posts/x\"\nhref = \"https://bob.example/posts/x/\"\nsource = \"https://bob.example/feed.atom\"\n", "Yes <& \"quoted\"> ]]> text.")

func TestAtomRoundTrip(t *testing.T) {
	s := loadSite(t, testsite.Write(t, richSite))
	d := docs(t, s)
	f, err := (&atom.Parser{}).Parse(bytes.NewReader(d["feed.atom"]))
	if err != nil {
		t.Fatal(err)
	}
	rels := map[string][]string{}
	for _, l := range f.Links {
		rels[l.Rel] = append(rels[l.Rel], l.Href)
	}
	want := map[string][]string{"self": {"https://alice.example/feed.atom"}, "alternate": {"https://alice.example/"},
		"hub": {"https://hub.example/", "https://hub2.example/"}, "webmention": {"https://alice.example/webmention"}}
	for rel, hrefs := range want {
		if fmt.Sprint(rels[rel]) != fmt.Sprint(hrefs) {
			t.Errorf("rel=%s links %v, want %v", rel, rels[rel], hrefs)
		}
	}
	if f.ID != "https://alice.example/feed.atom" || f.Updated != "2026-02-04T00:00:00Z" || len(f.Entries) != 2 {
		t.Fatalf("feed id %q updated %q entries %d", f.ID, f.Updated, len(f.Entries))
	}
	reply, hello := f.Entries[0], f.Entries[1]
	if reply.ID != "tag:alice.example,2026:posts/bbb" || hello.ID != "tag:alice.example,2026:posts/aaa" {
		t.Errorf("ids %q %q", reply.ID, hello.ID)
	}
	thr := reply.Extensions["thr"]["in-reply-to"] // gofeed keys extensions by prefix
	if len(thr) != 1 || thr[0].Attrs["ref"] != "tag:bob.example,2026:posts/x" || thr[0].Attrs["href"] != "https://bob.example/posts/x/" || thr[0].Attrs["source"] != "https://bob.example/feed.atom" {
		t.Errorf("thr:in-reply-to = %+v (extensions %v)", thr, reply.Extensions)
	}
	if !strings.Contains(reply.Content.Value, `Yes &lt;&amp; &quot;quoted&quot;&gt; ]]&gt; text.`) {
		t.Errorf("content did not survive the round trip: %q", reply.Content.Value)
	}
	var mentioned []string
	for _, l := range hello.Links {
		if l.Rel == "mentioned" {
			mentioned = append(mentioned, l.Href+" "+l.Title)
		}
	}
	if fmt.Sprint(mentioned) != "[https://bob.example/feed.atom bob]" {
		t.Errorf("mentioned links %v", mentioned)
	}
	if len(hello.Categories) != 1 || hello.Categories[0].Term != "go" {
		t.Errorf("categories %+v", hello.Categories)
	}
}

func TestUniversalRoundTrip(t *testing.T) {
	s := loadSite(t, testsite.Write(t, richSite))
	for path, typ := range map[string]string{"feed.atom": "atom", "feed.rss": "rss", "feed.json": "json"} {
		t.Run(path, func(t *testing.T) {
			f, err := gofeed.NewParser().Parse(bytes.NewReader(docs(t, s)[path]))
			if err != nil {
				t.Fatal(err)
			}
			if f.FeedType != typ || f.Title != "Alice" || len(f.Items) != 2 {
				t.Fatalf("type %q title %q items %d", f.FeedType, f.Title, len(f.Items))
			}
			if f.FeedLink != "https://alice.example/"+path {
				t.Errorf("feed link %q", f.FeedLink)
			}
			it := f.Items[0]
			if it.GUID != "tag:alice.example,2026:posts/bbb" || it.Link != "https://alice.example/posts/bbb/" {
				t.Errorf("item guid %q link %q", it.GUID, it.Link)
			}
			if !strings.Contains(it.Content, `]]&gt; text.`) && !strings.Contains(it.Content, `]]> text.`) {
				t.Errorf("content %q", it.Content)
			}
			if len(f.Items[1].Categories) != 1 || f.Items[1].Categories[0] != "go" {
				t.Errorf("categories %v", f.Items[1].Categories)
			}
			if typ == "rss" {
				thr := it.Extensions["thr"]["in-reply-to"]
				if len(thr) != 1 || thr[0].Attrs["ref"] != "tag:bob.example,2026:posts/x" {
					t.Errorf("RSS thr:in-reply-to %+v", it.Extensions)
				}
				if it.Extensions["dc"]["creator"][0].Value != "Alice A." {
					t.Errorf("dc:creator %+v", it.Extensions["dc"])
				}
			}
		})
	}
}

func TestJSONFeed(t *testing.T) {
	s := loadSite(t, testsite.Write(t, richSite))
	var f struct {
		Version string
		FeedURL string `json:"feed_url"`
		Hubs    []struct{ Type, URL string }
		Items   []struct {
			ID      string
			Rookery struct {
				InReplyTo struct{ Ref, Href, Source string } `json:"in_reply_to"`
				Mentions  []struct{ URL, Name string }
			} `json:"_rookery"`
		}
	}
	if err := json.Unmarshal(docs(t, s)["feed.json"], &f); err != nil {
		t.Fatal(err)
	}
	if f.FeedURL != "https://alice.example/feed.json" || len(f.Hubs) != 2 || f.Hubs[0].Type != "WebSub" || f.Hubs[1].URL != "https://hub2.example/" {
		t.Errorf("feed_url %q hubs %+v", f.FeedURL, f.Hubs)
	}
	if r := f.Items[0].Rookery.InReplyTo; r.Ref != "tag:bob.example,2026:posts/x" || r.Source != "https://bob.example/feed.atom" {
		t.Errorf("in_reply_to %+v", r)
	}
	if m := f.Items[1].Rookery.Mentions; len(m) != 1 || m[0].Name != "bob" || m[0].URL != "https://bob.example/feed.atom" {
		t.Errorf("mentions %+v", m)
	}
}

// writeDocs writes the documents into a directory for external tools.
func writeDocs(t *testing.T, d map[string][]byte) string {
	dir := t.TempDir()
	for p, b := range d {
		path := filepath.Join(dir, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(path), 0o755)
		os.WriteFile(path, b, 0o644)
	}
	return dir
}

func TestAtomSchema(t *testing.T) {
	jing := testbin.Tool(t, "jing", "apt-get install jing")
	dir := testsite.Write(t, richSite+testsite.ManyPosts(5))
	os.WriteFile(filepath.Join(dir, "feedpub.toml"), []byte(strings.TrimPrefix(testsite.Config("https://alice.example/", "feed_size = 2\n[following]\nbob = \"https://bob.example/feed.atom\"\n"), "-- feedpub.toml --\n")), 0o644)
	d := docs(t, loadSite(t, dir))
	out := writeDocs(t, d)
	files := []string{filepath.Join(out, "feed.atom")}
	for p := range d {
		if strings.HasPrefix(p, "archive/") {
			files = append(files, filepath.Join(out, p))
		}
	}
	if len(files) != 4 { // 7 posts, 2 in the main feed, 5 in archives of 2
		t.Fatalf("want the main feed and 3 archives, got %v", files)
	}
	schema, _ := filepath.Abs(filepath.Join("testdata", "atom.rnc"))
	cmd := exec.Command(jing, append([]string{"-c", schema}, files...)...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("jing: %v\n%s", err, msg)
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		checkAtomRules(t, filepath.Base(f), b)
	}
}

// checkAtomRules checks what RFC 4287's schema cannot: an author on the
// feed or on every entry; an alternate link or content on every entry; no
// two entries with the same id and updated.
func checkAtomRules(t *testing.T, name string, doc []byte) {
	var f struct {
		Author  []struct{ Name string } `xml:"author"`
		Entries []struct {
			ID      string                  `xml:"id"`
			Updated string                  `xml:"updated"`
			Author  []struct{ Name string } `xml:"author"`
			Content *struct {
				Type string `xml:"type,attr"`
			} `xml:"content"`
			Links []struct {
				Rel string `xml:"rel,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(doc, &f); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range f.Entries {
		if len(f.Author) == 0 && len(e.Author) == 0 {
			t.Errorf("%s: entry %s has no author and neither has the feed", name, e.ID)
		}
		alt := false
		for _, l := range e.Links {
			alt = alt || l.Rel == "alternate" || l.Rel == ""
		}
		if !alt && e.Content == nil {
			t.Errorf("%s: entry %s has neither an alternate link nor content", name, e.ID)
		}
		if seen[e.ID+e.Updated] {
			t.Errorf("%s: two entries with id %s and the same updated", name, e.ID)
		}
		seen[e.ID+e.Updated] = true
	}
}

func TestFeedparser(t *testing.T) {
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil || exec.Command(py, "-c", "import feedparser").Run() != nil {
		testbin.Tool(t, "feedparser-missing", "apt-get install python3-feedparser")
	}
	out := writeDocs(t, docs(t, loadSite(t, testsite.Write(t, richSite))))
	// Debian's feedparser 6.0 reads Atom and RSS but not JSON Feed; the JSON
	// feed is checked with Python's own json module instead.
	script := `import sys, json, feedparser
for p in sys.argv[1:]:
    name = p.rsplit("/", 1)[1]
    if name.endswith(".json"):
        d = json.load(open(p))
        ok = d["version"] == "https://jsonfeed.org/version/1.1" and all("id" in i and "content_html" in i for i in d["items"])
        print(name, 0 if ok else 1, len(d["items"]), d["items"][0]["id"], "")
        continue
    d = feedparser.parse(p)
    print(name, int(d.bozo), len(d.entries), d.entries[0].id if d.entries else "", d.bozo_exception if d.bozo else "")`
	args := []string{"-c", script}
	for _, p := range []string{"feed.atom", "feed.rss", "feed.json"} {
		args = append(args, filepath.Join(out, p))
	}
	msg, err := exec.Command(py, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("feedparser: %v\n%s", err, msg)
	}
	got := strings.TrimSpace(string(msg))
	want := "feed.atom 0 2 tag:alice.example,2026:posts/bbb \n" +
		"feed.rss 0 2 tag:alice.example,2026:posts/bbb \n" +
		"feed.json 0 2 tag:alice.example,2026:posts/bbb"
	if got != want {
		t.Errorf("feedparser says:\n%s\nwant:\n%s", got, want)
	}
}
