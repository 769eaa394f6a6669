package publish_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed/atom"

	"github.com/rookery-social/rookery/internal/testbin"
	"github.com/rookery-social/rookery/internal/testsite"
	"github.com/rookery-social/rookery/publish"
)

// cite is a [repost_of], [quote_of] or [like_of] table of bob's post x.
func cite(table string) string {
	return "[" + table + "]\nref = \"tag:bob.example,2026:posts/x\"\nhref = \"https://bob.example/posts/x/\"\n" +
		"source = \"https://bob.example/feed.atom\"\nauthor = \"Bob\"\ntext = \"Feeds are enough.\"\n"
}

var verbSite = testsite.Config("https://alice.example/", "hubs = [\"https://hub.example/\"]\nbio = \"Writes about feeds.\"\navatar = \"avatar.png\"\n") +
	testsite.Post("plain", "2026-02-01T10:00:00Z", "", "Hello.") +
	testsite.Post("rep", "2026-02-02T10:00:00Z", cite("repost_of"), "") +
	testsite.Post("quo", "2026-02-03T10:00:00Z", cite("quote_of"), "So true.") +
	testsite.Post("lik", "2026-02-04T10:00:00Z", cite("like_of"), "")

// verbDocs renders the feeds and likes.atom of verbSite.
func verbDocs(t *testing.T) map[string][]byte {
	t.Helper()
	s := loadSite(t, testsite.Write(t, verbSite))
	d := docs(t, s)
	likes, err := s.LikesDocument()
	if err != nil {
		t.Fatal(err)
	}
	d[publish.LikesPath] = likes
	return d
}

func TestVerbsInAtom(t *testing.T) {
	d := verbDocs(t)
	f, err := (&atom.Parser{}).Parse(bytes.NewReader(d["feed.atom"]))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) != 3 {
		t.Fatalf("feed.atom has %d entries, want 3 (the like stays out)", len(f.Entries))
	}
	verbs := map[string]string{}
	for _, e := range f.Entries {
		act := e.Extensions["activity"]
		if v := act["verb"]; len(v) > 0 {
			verbs[e.ID] = v[0].Value
			obj := act["object"][0]
			if obj.Children["id"][0].Value != "tag:bob.example,2026:posts/x" || obj.Children["link"][0].Attrs["href"] != "https://bob.example/posts/x/" {
				t.Errorf("%s: activity:object %+v", e.ID, obj)
			}
		}
	}
	if verbs["tag:alice.example,2026:posts/rep"] != "http://activitystrea.ms/schema/1.0/share" ||
		verbs["tag:alice.example,2026:posts/quo"] != "http://activitystrea.ms/schema/1.0/post" {
		t.Errorf("verbs %v", verbs)
	}
	if f.Icon != "https://alice.example/avatar.png" {
		t.Errorf("icon %q", f.Icon)
	}
	rep := f.Entries[1]
	if !strings.Contains(rep.Content.Value, "Feeds are enough.") || !strings.Contains(rep.Content.Value, `href="https://bob.example/posts/x/"`) {
		t.Errorf("a repost's content does not carry the original's text and link: %q", rep.Content.Value)
	}
	l, err := (&atom.Parser{}).Parse(bytes.NewReader(d[publish.LikesPath]))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Entries) != 1 || l.Entries[0].Extensions["activity"]["verb"][0].Value != "http://activitystrea.ms/schema/1.0/favorite" {
		t.Errorf("likes.atom entries %+v", l.Entries)
	}
	for _, p := range []string{"feed.rss", "feed.json"} {
		if bytes.Contains(d[p], []byte("posts/lik")) {
			t.Errorf("%s carries the like", p)
		}
	}
}

func TestVerbsInJSONFeed(t *testing.T) {
	var f struct {
		Icon  string `json:"icon"`
		Items []struct {
			ID      string `json:"id"`
			Rookery struct {
				RepostOf *struct{ Ref, Href, Source, Author string } `json:"repost_of"`
				QuoteOf  *struct{ Ref, Href string }                 `json:"quote_of"`
			} `json:"_rookery"`
		} `json:"items"`
	}
	if err := json.Unmarshal(verbDocs(t)["feed.json"], &f); err != nil {
		t.Fatal(err)
	}
	if f.Icon != "https://alice.example/avatar.png" || len(f.Items) != 3 {
		t.Fatalf("icon %q, %d items", f.Icon, len(f.Items))
	}
	if r := f.Items[1].Rookery.RepostOf; r == nil || r.Href != "https://bob.example/posts/x/" || r.Author != "Bob" {
		t.Errorf("repost_of %+v", r)
	}
	if q := f.Items[0].Rookery.QuoteOf; q == nil || q.Ref != "tag:bob.example,2026:posts/x" {
		t.Errorf("quote_of %+v", q)
	}
}

// TestVerbsValidAtom: feed.atom and likes.atom with reposts, quotes and
// likes stay valid against RFC 4287's RELAX NG schema, and Universal
// Feed Parser reads them (and feed.rss) without complaint.
func TestVerbsValidAtom(t *testing.T) {
	jing := testbin.Tool(t, "jing", "apt-get install jing")
	out := writeDocs(t, verbDocs(t))
	schema, _ := filepath.Abs(filepath.Join("testdata", "atom.rnc"))
	for _, p := range []string{"feed.atom", publish.LikesPath} {
		if msg, err := exec.Command(jing, "-c", schema, filepath.Join(out, p)).CombinedOutput(); err != nil {
			t.Errorf("jing %s: %v\n%s", p, err, msg)
		}
	}
	py := "/usr/bin/python3"
	if exec.Command(py, "-c", "import feedparser").Run() != nil {
		testbin.Tool(t, "feedparser-missing", "apt-get install python3-feedparser")
	}
	script := `import sys, feedparser
for p in sys.argv[1:]:
    d = feedparser.parse(p)
    print(p.rsplit("/", 1)[1], int(d.bozo), len(d.entries), d.bozo_exception if d.bozo else "")`
	msg, err := exec.Command(py, "-c", script, filepath.Join(out, "feed.atom"), filepath.Join(out, "feed.rss"),
		filepath.Join(out, publish.LikesPath)).CombinedOutput()
	if err != nil {
		t.Fatalf("feedparser: %v\n%s", err, msg)
	}
	if got, want := strings.TrimSpace(string(msg)), "feed.atom 0 3 \nfeed.rss 0 3 \nlikes.atom 0 1"; got != want {
		t.Errorf("feedparser says:\n%s\nwant:\n%s", got, want)
	}
}

// TestCiteResolution: a repost resolves the original now, from its page's
// feed, with its author and text; a URL with no post fails saying so.
func TestCiteResolution(t *testing.T) {
	mux := http.NewServeMux()
	var base string
	mux.HandleFunc("/posts/x/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<html><head><link rel="alternate" type="application/atom+xml" href="/feed.atom"></head><body>post</body></html>`))
	})
	mux.HandleFunc("/feed.atom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write([]byte(`<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><id>` + base + `/feed.atom</id><title>Bob</title>
<updated>2026-01-01T00:00:00Z</updated><author><name>Bob B.</name></author><link rel="self" href="` + base + `/feed.atom"/>
<entry><id>tag:bob,2026:posts/x</id><title>x</title><updated>2026-01-01T00:00:00Z</updated><link href="` + base + `/posts/x/"/>
<content type="html">&lt;p&gt;Feeds are enough.&lt;/p&gt;</content></entry></feed>`))
	})
	mux.HandleFunc("/plain", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<html><body>No post here</body></html>`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	base = srv.URL
	dir := testsite.Write(t, testsite.Config("https://alice.example/", ""))
	now := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	path, err := publish.CreatePost(context.Background(), dir, publish.PostOptions{Repost: base + "/posts/x/", Now: now, Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	for _, want := range []string{"[repost_of]", `ref = "tag:bob,2026:posts/x"`, `author = "Bob B."`, `text = "Feeds are enough."`, `source = "` + base + `/feed.atom"`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the repost's front matter lacks %s:\n%s", want, data)
		}
	}
	_, err = publish.CreatePost(context.Background(), dir, publish.PostOptions{Like: base + "/plain", Now: now, Client: srv.Client()})
	if err == nil || !strings.Contains(err.Error(), "has no post to like") || !strings.Contains(err.Error(), "give a post's permalink") {
		t.Errorf("liking a page with no post: %v", err)
	}
	_, err = publish.CreatePost(context.Background(), dir, publish.PostOptions{Quote: base + "/feed.atom#nope", Text: "x", Now: now, Client: srv.Client()})
	if err == nil || !strings.Contains(err.Error(), `has no post to quote: it is a feed with no entry "nope"; give the post's permalink, or the feed URL with #ENTRY_ID`) {
		t.Errorf("quoting a feed entry that is not there: %v", err)
	}
}

func TestEditAndDelete(t *testing.T) {
	dir := testsite.Write(t, testsite.Config("https://alice.example/", "")+testsite.Post("abc", "2031-01-01T10:00:00Z", "", "Frist post."))
	now := time.Date(2031, 1, 2, 0, 0, 0, 0, time.UTC)
	if _, err := publish.EditPost(dir, "https://alice.example/posts/abc/", "First post.", now); err != nil {
		t.Fatal(err)
	}
	s := loadSite(t, dir)
	e := s.Entries[0].Full()
	if string(e.Body) != "First post.\n" || !e.Updated.Equal(now) || e.ID != "tag:alice.example,2031:posts/abc" {
		t.Errorf("after edit: body %q updated %v id %s", e.Body, e.Updated, e.ID)
	}
	if _, err := publish.DeletePost(dir, "abc", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if s := loadSite(t, dir); !s.Entries[0].IsDeleted() {
		t.Error("the post is not deleted")
	}
	if _, err := publish.DeletePost(dir, "abc", now.Add(2*time.Hour)); err == nil || !strings.Contains(err.Error(), "already deleted") {
		t.Errorf("deleting twice: %v", err)
	}
	for _, op := range []func() error{
		func() error { _, err := publish.EditPost(dir, "nope", "x", now); return err },
		func() error { _, err := publish.DeletePost(dir, "https://alice.example/posts/nope/", now); return err },
	} {
		if err := op(); err == nil || !strings.Contains(err.Error(), `no post "`) || !strings.Contains(err.Error(), "give a post's key") {
			t.Errorf("a post that does not exist: %v", err)
		}
	}
}

func TestProfileAvatar(t *testing.T) {
	dir := testsite.Write(t, testsite.Config("https://alice.example/", "\n[publish]\nbranch = \"\"\n\n[following]\n"))
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
	file := filepath.Join(t.TempDir(), "me.png")
	os.WriteFile(file, png, 0o644)
	cfg, err := publish.SetProfile(dir, publish.ProfileOptions{Name: "Alice Liddell", Bio: "Writes about feeds.", Avatar: file})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Author != "Alice Liddell" || cfg.Bio != "Writes about feeds." || cfg.AvatarURL() != "https://alice.example/avatar.png" {
		t.Errorf("profile %+v", cfg)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "avatar.png")); !bytes.Equal(got, png) {
		t.Error("the avatar was not copied into the site")
	}
	text := filepath.Join(t.TempDir(), "me.txt")
	os.WriteFile(text, []byte("hello"), 0o644)
	if _, err := publish.SetProfile(dir, publish.ProfileOptions{Avatar: text}); err == nil || !strings.Contains(err.Error(), "is not an image") {
		t.Errorf("a text avatar: %v", err)
	}
	big := filepath.Join(t.TempDir(), "big.png")
	os.WriteFile(big, append(png, make([]byte, publish.MaxAvatarBytes)...), 0o644)
	if _, err := publish.SetProfile(dir, publish.ProfileOptions{Avatar: big}); err == nil || !strings.Contains(err.Error(), "is over 1024 KiB") {
		t.Errorf("a large avatar: %v", err)
	}
}
