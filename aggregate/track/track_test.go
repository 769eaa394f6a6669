package track

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/aggregate/store"
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
    <link rel="alternate" href="https://bob.example/posts/b1/" type="text/html"></link>
    <link rel="mentioned" href="https://me.example/feed.atom" title="me"></link>
    <category term="go"></category>
    <content type="html">&lt;p&gt;Hi @me, #go is fun&lt;/p&gt;</content>
    <source><id>https://bob.example/feed.atom</id><title type="text">Bob</title><link rel="self" href="https://bob.example/feed.atom"></link></source>
  </entry>
  <entry>
    <id>tag:carol.example,2026:posts/c1</id>
    <title type="text">Carol replies</title>
    <updated>2026-11-20T11:00:00Z</updated>
    <thr:in-reply-to ref="tag:me.example,2026:posts/m1" href="https://me.example/posts/m1/" source="https://me.example/feed.atom" type="text/html"></thr:in-reply-to>
    <category term="go"></category>
    <content type="html">&lt;p&gt;Go go go&lt;/p&gt;</content>
    <source><id>https://carol.example/feed.atom</id><title type="text">Carol</title><author><name>Carol</name></author><link rel="self" href="https://carol.example/feed.atom"></link></source>
  </entry>
  <entry xml:base="https://bob.example/">
    <id>tag:bob.example,2026:posts/b0</id>
    <link rel="alternate" href="posts/b0/" type="text/html"></link>
    <title type="text">Older bob</title>
    <updated>2026-11-20T10:00:00Z</updated>
    <category term="go"></category>
    <content type="html">&lt;p&gt;earlier #go&lt;/p&gt;</content>
    <source><id>https://bob.example/feed.atom</id><title type="text">Bob</title><link rel="self" href="https://bob.example/feed.atom"></link></source>
  </entry>
  <entry>
    <id>tag:nowhere,2026:x</id><title>no source</title><updated>2026-11-20T09:00:00Z</updated>
  </entry>
</feed>`

func TestSplitGroupsEntriesByOrigin(t *testing.T) {
	origins, ns, err := Split([]byte(delivered))
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

func open(t *testing.T) (*aggregate.Reader, *Tracker) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "reader.db")
	r, err := aggregate.Open(ctx, path, aggregate.Options{})
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

func trackedPosts(t *testing.T, r *aggregate.Reader, tr *Tracker, query string) []aggregate.Post {
	t.Helper()
	refs, err := tr.Posts(context.Background(), query, 100)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := r.PostsByRef(context.Background(), refs)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func TestDeliveriesAreStoredUnderTheirOrigin(t *testing.T) {
	ctx := context.Background()
	r, tr := open(t)
	if err := r.SetMe(ctx, "https://me.example/feed.atom"); err != nil {
		t.Fatal(err)
	}
	if err := tr.Add(ctx, Topic{Topic: topic, Query: "#go", Typed: "#Go", Hub: "http://hub.example/"}); err != nil {
		t.Fatal(err)
	}
	svc := NewService(tr, r, nil)
	n, err := svc.DeliverTracked(ctx, topic, "application/atom+xml", []byte(delivered))
	if err != nil || n != 3 {
		t.Fatalf("DeliverTracked = %d, %v; want 3 entries stored", n, err)
	}
	// The same delivery again (a hub retry) changes nothing.
	if _, err := svc.DeliverTracked(ctx, topic, "application/atom+xml", []byte(delivered)); err != nil {
		t.Fatal(err)
	}
	ps := trackedPosts(t, r, tr, "#GO")
	var got []string
	for _, p := range ps {
		got = append(got, p.Feed+" "+p.ID)
	}
	want := []string{"https://bob.example/feed.atom tag:bob.example,2026:posts/b1",
		"https://bob.example/feed.atom tag:bob.example,2026:posts/b0",
		"https://carol.example/feed.atom tag:carol.example,2026:posts/c1"}
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
		if p.ID == "tag:bob.example,2026:posts/b0" && p.URL != "https://bob.example/posts/b0/" {
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
	tr.Add(ctx, Topic{Topic: topic, Query: "#go", Typed: "#go", Hub: "http://hub.example/"})
	if _, err := r.Block(ctx, "https://carol.example/feed.atom"); err != nil {
		t.Fatal(err)
	}
	svc := NewService(tr, r, nil)
	if n, err := svc.DeliverTracked(ctx, topic, "application/atom+xml", []byte(delivered)); err != nil || n != 2 {
		t.Fatalf("DeliverTracked = %d, %v; want bob's 2 entries, carol's dropped", n, err)
	}
	if _, err := r.Block(ctx, "bob.example"); err != nil {
		t.Fatal(err)
	}
	if ps := trackedPosts(t, r, tr, ""); len(ps) != 0 {
		t.Errorf("posts of a blocked domain shown: %+v", ps)
	}
	r.Unblock(ctx, "bob.example")
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
	tr.Add(ctx, Topic{Topic: "http://h1.example/track?q=compost+heap", Query: "compost heap", Typed: "Heap Compost", Hub: "http://h1.example/"})
	tr.Add(ctx, Topic{Topic: "http://h2.example/track?q=compost+heap", Query: "compost heap", Typed: "heap compost", Hub: "http://h2.example/"})
	tr.Add(ctx, Topic{Topic: "http://h1.example/track?q=%23go", Query: "#go", Typed: "#go", Hub: "http://h1.example/"})
	if found, _ := tr.Find(ctx, "HEAP   compost"); len(found) != 2 {
		t.Errorf("Find matched %d topics, want both hubs", len(found))
	}
	tr.Record(ctx, "http://h1.example/track?q=compost+heap", []store.PostRef{{Feed: "https://a.example/feed.atom", ID: "1"}})
	gone, err := tr.Remove(ctx, "compost heap")
	if err != nil || len(gone) != 2 {
		t.Fatalf("Remove = %v, %v", gone, err)
	}
	list, _ := tr.List(ctx)
	if len(list) != 1 || list[0].Query != "#go" || list[0].State != "" {
		t.Errorf("after Remove: %+v", list)
	}
	if refs, _ := tr.Posts(ctx, "", 10); len(refs) != 0 {
		t.Errorf("records of an untracked query kept: %v", refs)
	}
}
