package track

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/internal/safehttp"
)

// delivered is a track document as the hub delivers it: entries of two
// origin feeds, each with its atom:source, and one without a source.
const delivered = `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
  <id>http://hub.example/track?q=%23go</id>
  <title type="text">Entries matching #go</title>
  <updated>2026-11-20T12:00:00Z</updated>
  <author><name>Rookery hub</name></author>
  <link rel="self" href="http://hub.example/track?q=%23go"></link>
  <entry>
    <id>tag:bob.example,2026:posts/b1</id>
    <title type="text">Bob on go</title>
    <updated>2026-11-20T12:00:00Z</updated>
    <author><name>bob</name></author>
    <link rel="alternate" href="{{bob}}/posts/b1/" type="text/html"></link>
    <link rel="mentioned" href="https://me.example/feed.atom" title="me"></link>
    <category term="go"></category>
    <content type="html">&lt;p&gt;Hi @me, #go is fun&lt;/p&gt;</content>
    <source><id>{{bob}}/feed.atom</id><title type="text">Bob</title><link rel="self" href="{{bob}}/feed.atom"></link></source>
  </entry>
  <entry>
    <id>tag:carol.example,2026:posts/c1</id>
    <title type="text">Carol replies</title>
    <updated>2026-11-20T11:00:00Z</updated>
    <thr:in-reply-to ref="tag:me.example,2026:posts/m1" href="https://me.example/posts/m1/" source="https://me.example/feed.atom" type="text/html"></thr:in-reply-to>
    <category term="go"></category>
    <content type="html">&lt;p&gt;Go go go&lt;/p&gt;</content>
    <source><id>{{carol}}/feed.atom</id><title type="text">Carol</title><author><name>Carol</name></author><link rel="self" href="{{carol}}/feed.atom"></link></source>
  </entry>
  <entry xml:base="{{bob}}/">
    <id>tag:bob.example,2026:posts/b0</id>
    <link rel="alternate" href="posts/b0/" type="text/html"></link>
    <title type="text">Older bob</title>
    <updated>2026-11-20T10:00:00Z</updated>
    <category term="go"></category>
    <content type="html">&lt;p&gt;earlier #go&lt;/p&gt;</content>
    <source><id>{{bob}}/feed.atom</id><title type="text">Bob</title><link rel="self" href="{{bob}}/feed.atom"></link></source>
  </entry>
  <entry>
    <id>tag:nowhere,2026:x</id><title>no source</title><updated>2026-11-20T09:00:00Z</updated>
  </entry>
</feed>`

func TestSplitGroupsEntriesByOrigin(t *testing.T) {
	doc := strings.NewReplacer("{{bob}}", "https://bob.example", "{{carol}}", "https://carol.example").Replace(delivered)
	origins, ns, err := Split([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range origins {
		got = append(got, o.Feed+" "+o.Title+" "+strings.Repeat("e", len(o.Entries)))
	}
	if !slices.Equal(got, []string{"https://bob.example/feed.atom Bob ee", "https://carol.example/feed.atom Carol e"}) {
		t.Errorf("origins %q", got)
	}
	if len(ns) != 2 {
		t.Errorf("namespaces %v, want the default and thr", ns)
	}
	if _, _, err := Split([]byte(`<rss version="2.0"><channel/></rss>`)); err == nil {
		t.Error("an RSS document split without error")
	}
}

// fakeNow is the tests' clock, fixed far from today, so that a code path
// that reads the wall clock shows at once.
func fakeNow() time.Time { return time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC) }

func open(t *testing.T) (*aggregate.Reader, *Tracker) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "reader.db")
	r, err := aggregate.Open(ctx, path, aggregate.Options{Now: fakeNow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	tr, err := Open(ctx, r.DB())
	if err != nil {
		t.Fatal(err)
	}
	return r, tr
}

const topic = "http://hub.example/track?q=%23go"

// origin is an author's site on loopback serving feed.atom; its entries
// can change (publish).
type origin struct {
	*httptest.Server
	mu      sync.Mutex
	entries string
	gets    int
}

func newOrigin(t *testing.T) *origin {
	o := &origin{}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.gets++
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
<title>origin</title><id>%[1]s/feed.atom</id><updated>2026-11-20T00:00:00Z</updated><link rel="self" href="%[1]s/feed.atom"/>%[2]s</feed>`,
			o.URL, strings.ReplaceAll(o.entries, "{{base}}", o.URL))
	}))
	t.Cleanup(o.Close)
	return o
}

func (o *origin) publish(entries string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.entries = entries
}

func (o *origin) fetches() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.gets
}

func (o *origin) feed() string { return o.URL + "/feed.atom" }

// entriesOf returns the <entry> elements of doc whose text has marker.
func entriesOf(doc string, markers ...string) string {
	var out []string
	for _, part := range strings.Split(doc, "<entry")[1:] {
		part = "<entry" + part[:strings.Index(part, "</entry>")+len("</entry>")]
		for _, m := range markers {
			if strings.Contains(part, m) {
				out = append(out, part)
			}
		}
	}
	return strings.Join(out, "\n")
}

// sites starts bob's and carol's origins and returns the delivered
// document naming them.
func sites(t *testing.T) (bob, carol *origin, doc string) {
	bob, carol = newOrigin(t), newOrigin(t)
	doc = strings.NewReplacer("{{bob}}", bob.URL, "{{carol}}", carol.URL).Replace(delivered)
	return bob, carol, doc
}

func service(tr *Tracker, r *aggregate.Reader, now func() time.Time) *Service {
	client := safehttp.NewClient(safehttp.Options{AllowPrivate: true, Timeout: 5 * time.Second})
	return NewService(tr, r, Config{Client: client, Now: now})
}

func trackedPosts(t *testing.T, r *aggregate.Reader, tr *Tracker, query string) []aggregate.TrackedPost {
	t.Helper()
	items, err := tr.Posts(context.Background(), query, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	refs := make([]aggregate.TrackedRef, 0, len(items))
	for _, it := range items {
		refs = append(refs, aggregate.TrackedRef{PostRef: it.Ref, Hub: it.Hub, Confirmed: it.Confirmed, Doc: it.Doc})
	}
	ps, err := r.TrackedPosts(context.Background(), refs)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func confirmDue(t *testing.T, svc *Service) int {
	t.Helper()
	n, err := svc.ConfirmDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDeliveriesAreConfirmedByTheirOrigin(t *testing.T) {
	ctx := context.Background()
	r, tr := open(t)
	bob, carol, doc := sites(t)
	bob.publish(entriesOf(strings.ReplaceAll(doc, bob.URL, "{{base}}"), "posts/b1", "posts/b0"))
	carol.publish(entriesOf(strings.ReplaceAll(doc, carol.URL, "{{base}}"), "posts/c1"))
	if err := r.SetMe(ctx, "https://me.example/feed.atom"); err != nil {
		t.Fatal(err)
	}
	if err := tr.Add(ctx, Topic{Topic: topic, Query: "#go", Typed: "#Go", Hub: "http://hub.example/"}); err != nil {
		t.Fatal(err)
	}
	svc := service(tr, r, nil)
	n, err := svc.DeliverTracked(ctx, topic, "application/atom+xml", []byte(doc))
	if err != nil || n != 3 {
		t.Fatalf("DeliverTracked = %d, %v; want 3 entries kept", n, err)
	}
	for _, p := range trackedPosts(t, r, tr, "#go") {
		if p.Confirmed || p.Via != "http://hub.example/" {
			t.Errorf("before any look at the origin: %s confirmed %v via %q, want unconfirmed via the hub", p.ID, p.Confirmed, p.Via)
		}
	}
	if ms, _ := r.Mentions(ctx, 10, time.Time{}); len(ms) != 0 {
		t.Errorf("unconfirmed tracked entries stored as posts: %d mentions", len(ms))
	}
	if n := confirmDue(t, svc); n != 3 {
		t.Fatalf("confirmed %d, want 3", n)
	}
	// The same delivery again (a hub retry) changes nothing.
	if _, err := svc.DeliverTracked(ctx, topic, "application/atom+xml", []byte(doc)); err != nil {
		t.Fatal(err)
	}
	ps := trackedPosts(t, r, tr, "#GO")
	var got []string
	for _, p := range ps {
		got = append(got, fmt.Sprint(p.Feed, " ", p.ID, " ", p.Confirmed))
	}
	want := []string{bob.feed() + " tag:bob.example,2026:posts/b1 true", bob.feed() + " tag:bob.example,2026:posts/b0 true",
		carol.feed() + " tag:carol.example,2026:posts/c1 true"}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("tracked posts %q, want %q", got, want)
	}
	mentions, err := r.Mentions(ctx, 10, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var mt []string
	for _, p := range mentions {
		mt = append(mt, p.ID)
	}
	slices.Sort(mt)
	if !slices.Equal(mt, []string{"tag:bob.example,2026:posts/b1", "tag:carol.example,2026:posts/c1"}) {
		t.Errorf("mentions %v: want bob's rel=mentioned and carol's reply", mt)
	}
	for _, p := range ps {
		if p.ID == "tag:bob.example,2026:posts/b0" && p.URL != bob.URL+"/posts/b0/" {
			t.Errorf("relative link under xml:base stored as %q", p.URL)
		}
	}
	tl, _ := r.Timeline(ctx, aggregate.TimelineOptions{})
	if len(tl) != 0 {
		t.Errorf("tracked posts of unfollowed feeds in the timeline: %d", len(tl))
	}
}

func TestBlockedAuthorsAreHidden(t *testing.T) {
	ctx := context.Background()
	r, tr := open(t)
	_, carol, doc := sites(t)
	tr.Add(ctx, Topic{Topic: topic, Query: "#go", Typed: "#go", Hub: "http://hub.example/"})
	if _, err := r.Block(ctx, carol.feed()); err != nil {
		t.Fatal(err)
	}
	svc := service(tr, r, nil)
	if n, err := svc.DeliverTracked(ctx, topic, "application/atom+xml", []byte(doc)); err != nil || n != 2 {
		t.Fatalf("DeliverTracked = %d, %v; want bob's 2 entries, carol's dropped", n, err)
	}
	if _, err := r.Block(ctx, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if ps := trackedPosts(t, r, tr, ""); len(ps) != 0 {
		t.Errorf("posts of a blocked domain shown: %+v", ps)
	}
	r.Unblock(ctx, "127.0.0.1")
	if _, err := r.Mute(ctx, "fun"); err != nil {
		t.Fatal(err)
	}
	if ps := trackedPosts(t, r, tr, ""); len(ps) != 1 || ps[0].ID != "tag:bob.example,2026:posts/b0" {
		t.Errorf("with 'fun' muted: %+v", ps)
	}
}

func TestTrackerAddFindRemove(t *testing.T) {
	ctx := context.Background()
	_, tr := open(t)
	tr.Now = fakeNow
	tr.Add(ctx, Topic{Topic: "http://h1.example/track?q=compost+heap", Query: "compost heap", Typed: "Heap Compost", Hub: "http://h1.example/"})
	tr.Add(ctx, Topic{Topic: "http://h2.example/track?q=compost+heap", Query: "compost heap", Typed: "heap compost", Hub: "http://h2.example/"})
	tr.Add(ctx, Topic{Topic: "http://h1.example/track?q=%23go", Query: "#go", Typed: "#go", Hub: "http://h1.example/"})
	if found, _ := tr.Find(ctx, "HEAP   compost"); len(found) != 2 {
		t.Errorf("Find matched %d topics, want both hubs", len(found))
	}
	tr.keep(ctx, "http://h1.example/track?q=compost+heap", "http://h1.example/", "https://a.example/feed.atom", "1", []byte("<feed/>"), "d")
	gone, err := tr.Remove(ctx, "compost heap")
	if err != nil || len(gone) != 2 {
		t.Fatalf("Remove = %v, %v", gone, err)
	}
	list, _ := tr.List(ctx)
	if len(list) != 1 || list[0].Query != "#go" || list[0].State != "" || !list[0].Created.Equal(fakeNow()) {
		t.Errorf("after Remove: %+v (created on the clock, %s)", list, fakeNow())
	}
	if refs, _ := tr.Posts(ctx, "", 10, 0); len(refs) != 0 {
		t.Errorf("records of an untracked query kept: %v", refs)
	}
}

// TestPostsPageByFirstArrival: Posts with before = the last Seq of a page
// lists the next page; an entry delivered again keeps its place.
func TestPostsPageByFirstArrival(t *testing.T) {
	ctx := context.Background()
	_, tr := open(t)
	tp := "http://h.example/track?q=%23go"
	tr.Add(ctx, Topic{Topic: tp, Query: "#go", Typed: "#go", Hub: "http://h.example/"})
	keep := func(id string) {
		if err := tr.keep(ctx, tp, "http://h.example/", "https://a.example/feed.atom", id, []byte("<feed/>"), "d"+id); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"1", "2", "3", "4", "5"} {
		keep(id)
	}
	var got []string
	var before int64
	for range 5 {
		items, err := tr.Posts(ctx, "", 2, before)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) == 0 {
			break
		}
		for _, it := range items {
			got = append(got, it.Ref.ID)
		}
		keep("5") // delivered again between pages: already listed, not listed twice
		before = items[len(items)-1].Seq
	}
	if fmt.Sprint(got) != "[5 4 3 2 1]" {
		t.Errorf("pages: %v, want [5 4 3 2 1]", got)
	}
}
