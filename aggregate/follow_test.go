package aggregate_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/aggregate"
)

func TestFollowRealWorldShapes(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	cases := []struct {
		file, ctype string
		posts       int
		search      string // a word that must be found, decoded
	}{
		{"rss20-content-encoded-dc-creator-medium.xml", "application/rss+xml", 7, ""},
		{"rss091-iso-8859-1-cdata.xml", "text/xml", 15, "Gössental"},
		{"atom-xml-base-relative-jekyll-qemu.xml", "application/atom+xml", 10, "QEMU"},
		{"jsonfeed11-authors-blog.json", "application/feed+json", 20, ""},
		{"rss20-iso-8859-1-golem.xml", "application/rss+xml; charset=iso-8859-1", 40, "für"},
		{"rss-undeclared-windows-1252-no-version-uol.xml", "text/xml", 15, "simulações"},
		{"rss20-misdeclared-latin1-actually-utf8.xml", "text/xml", 15, "für"},
		{"rss20-windows-1251-ibash.xml", "text/xml", 50, ""},
		{"atom-youtube-media-group.xml", "application/atom+xml", 15, ""},
	}
	r, _ := openReader(t, aggregate.Options{})
	for i, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			path := "/" + c.file
			s.serveFile(t, path, c.file, c.ctype)
			nick := fmt.Sprintf("f%d", i)
			f, err := r.Follow(ctx, s.URL+path, nick, nil)
			if err != nil {
				t.Fatal(err)
			}
			if f.Posts != c.posts || f.URL != s.URL+path || f.Nick != nick {
				t.Fatalf("followed %+v, want %d posts", f, c.posts)
			}
			tl := must[[]aggregate.Post](t)(r.Timeline(ctx, aggregate.TimelineOptions{From: nick, Limit: 1000}))
			if len(tl) != c.posts {
				t.Fatalf("timeline from %s has %d posts, want %d", nick, len(tl), c.posts)
			}
			if c.search != "" {
				got := must[[]aggregate.Post](t)(r.Search(ctx, aggregate.SearchOptions{Query: c.search, From: nick}))
				if len(got) == 0 {
					t.Fatalf("search %q found nothing in %s", c.search, c.file)
				}
			}
		})
	}
	t.Run("atom xml:base links resolved", func(t *testing.T) {
		tl := must[[]aggregate.Post](t)(r.Timeline(ctx, aggregate.TimelineOptions{From: "f2", Limit: 100}))
		for _, p := range tl {
			if !strings.HasPrefix(p.URL, "http") {
				t.Fatalf("unresolved permalink %q", p.URL)
			}
		}
	})
}

func TestFollowMalformedGivesClearErrorAndStoresNothing(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	r, _ := openReader(t, aggregate.Options{})
	cases := map[string]string{
		"broken-truncated-server-error-reuters.xml": "malformed feed",
		"broken-truncated-jsonfeed.json":            "malformed JSON Feed",
		"broken-empty-file.xml":                     "empty document",
		"broken-not-a-feed-document-moved.xml":      "no feed found",
		"broken-json-not-jsonfeed-rss-in-json.json": "no feed found",
	}
	for file, want := range cases {
		s.serveFile(t, "/"+file, file, "application/xml")
		_, err := r.Follow(ctx, s.URL+"/"+file, "", nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", file, err, want)
		}
	}
	if f := followed(t, r); len(f) != 0 {
		t.Fatalf("broken feeds were followed: %v", f)
	}
}

func TestFollowDiscoversFeedFromPage(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	s.serve("/", "text/html", `<!doctype html><html><head>
		<link rel="alternate" type="application/rss+xml" href="/feed.rss">
		<link rel="alternate" type="application/atom+xml" href="feed.atom"></head><body>hi</body></html>`)
	s.serve("/feed.atom", "application/atom+xml", atomFeed(s.URL+"/feed.atom", "Alice", "",
		entry{id: "tag:a,2026:posts/1", title: "one", content: "<p>from atom</p>"}))
	s.serve("/feed.rss", "application/rss+xml", `<rss version="2.0"><channel><title>x</title><item><guid>r1</guid><description>from rss</description></item></channel></rss>`)
	r, _ := openReader(t, aggregate.Options{})
	f, err := r.Follow(ctx, s.URL+"/", "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.URL != s.URL+"/feed.atom" || f.Posts != 1 {
		t.Fatalf("followed %+v, want the Atom alternate", f)
	}

	// A page that names no feed: common paths on its origin.
	s2 := newServer(t)
	s2.serve("/blog/", "text/html", `<html><head><title>no links</title></head><body></body></html>`)
	s2.serve("/index.xml", "application/rss+xml", `<rss version="2.0"><channel><title>Hugo</title><item><guid>h1</guid><description>hugo post</description></item></channel></rss>`)
	f, err = r.Follow(ctx, s2.URL+"/blog/", "hugo", nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.URL != s2.URL+"/index.xml" {
		t.Fatalf("followed %s, want the common path /index.xml", f.URL)
	}
}

func TestFollowBackfillsArchivesBounded(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	self := s.URL + "/feed.atom"
	s.serve("/feed.atom", "application/atom+xml", atomFeed(self, "Alice",
		`<link rel="prev-archive" href="archive/0003.atom"/><link rel="hub" href="https://hub.example/"/>`,
		entry{id: "tag:a,2026:posts/new", content: "newest"}))
	for i := 3; i >= 1; i-- {
		prev := ""
		if i > 1 {
			prev = fmt.Sprintf(`<link rel="prev-archive" href="%04d.atom"/>`, i-1)
		}
		s.serve(fmt.Sprintf("/archive/%04d.atom", i), "application/atom+xml", atomFeed(self, "Alice", prev+`<fh:archive xmlns:fh="http://purl.org/syndication/history/1.0"/>`,
			entry{id: fmt.Sprintf("tag:a,2025:posts/old%d", i), content: fmt.Sprintf("archived %d", i)}))
	}
	// A loop back to an earlier page must not be walked forever.
	s.serve("/loop.atom", "application/atom+xml", atomFeed(s.URL+"/loop.atom", "Loop", `<link rel="prev-archive" href="loop2.atom"/>`, entry{id: "l1", content: "l1"}))
	s.serve("/loop2.atom", "application/atom+xml", atomFeed(s.URL+"/loop.atom", "Loop", `<link rel="prev-archive" href="loop.atom"/>`, entry{id: "l2", content: "l2"}))

	r, _ := openReader(t, aggregate.Options{})
	var steps []string
	f, err := r.Follow(ctx, self, "alice", func(done, total int, note string) { steps = append(steps, note) })
	if err != nil {
		t.Fatal(err)
	}
	if f.Posts != 4 || len(f.Hubs) != 1 || f.Hubs[0] != "https://hub.example/" {
		t.Fatalf("followed %+v: want 4 posts (1 + 3 archived) and the hub", f)
	}
	if len(steps) < 4 {
		t.Errorf("progress reported %d steps: %v", len(steps), steps)
	}
	if _, err := r.Follow(ctx, s.URL+"/loop.atom", "loop", nil); err != nil {
		t.Fatal(err)
	}
	if s.count("/loop.atom") != 1 || s.count("/loop2.atom") != 1 {
		t.Errorf("archive loop walked: %d, %d", s.count("/loop.atom"), s.count("/loop2.atom"))
	}

	r2, _ := openReader(t, aggregate.Options{MaxArchivePages: 1})
	f, err = r2.Follow(ctx, self, "alice", nil)
	if err != nil || f.Posts != 2 {
		t.Fatalf("with MaxArchivePages 1: %v, %d posts, want 2", err, f.Posts)
	}
}

func TestHubFromLinkHeaderAndPushMode(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	body := atomFeed(s.URL+"/feed.atom", "A", "", entry{id: "1", content: "x"})
	s.handle("/feed.atom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Link", `<https://hub.example/websub>; rel="hub"`)
		w.Header().Add("Link", `<`+s.URL+`/feed.atom>; rel="self"`)
		fmt.Fprint(w, body)
	})
	r, _ := openReader(t, aggregate.Options{PollInterval: time.Minute, PushPollInterval: 5 * time.Hour})
	f, err := r.Follow(ctx, s.URL+"/feed.atom", "a", nil)
	if err != nil || len(f.Hubs) != 1 || f.Hubs[0] != "https://hub.example/websub" || f.Self != s.URL+"/feed.atom" {
		t.Fatalf("follow: %v %+v", err, f)
	}
	if err := r.SetMode(ctx, f.URL, "push"); err != nil {
		t.Fatal(err)
	}
	if err := r.SetMode(ctx, f.URL, "carrier pigeon"); err == nil {
		t.Error("bad mode accepted")
	}
	must[aggregate.FetchResult](t)(r.FetchFeed(ctx, "a"))
	got := followed(t, r)["a"]
	if got.Mode != "push" || parseTime(t, got.NextFetch).Sub(fakeNow()) != 5*time.Hour {
		t.Fatalf("push feed: mode %s, next poll in %s, want 5h", got.Mode, parseTime(t, got.NextFetch).Sub(fakeNow()))
	}
}
