package aggregate_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/aggregate/store"
)

// pagedFeed follows a feed of n posts, one a minute from 2031-01-01, with
// a few posts sharing a publication time (the cursor's tie-break).
func pagedFeed(t *testing.T, n int) (*aggregate.Reader, string) {
	t.Helper()
	r, _ := openReader(t, aggregate.Options{})
	s := newServer(t)
	var es []entry
	for i := range n {
		es = append(es, entry{id: fmt.Sprintf("tag:a,2031:posts/%d", i), content: fmt.Sprintf("post %d gopher", i),
			published: stamp(i - i%3)}) // three posts per minute stamp
	}
	s.serve("/feed.atom", "application/atom+xml", atomFeed(s.URL+"/feed.atom", "a", "", es...))
	must[aggregate.FeedInfo](t)(r.Follow(context.Background(), s.URL+"/feed.atom", "a", nil))
	return r, s.URL + "/feed.atom"
}

func stamp(minute int) string {
	return time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(minute) * time.Minute).Format(time.RFC3339)
}

// push delivers one post for feedURL as a WebSub push would.
func push(t *testing.T, r *aggregate.Reader, feedURL, id, published string) {
	t.Helper()
	doc := atomFeed(feedURL, "a", "", entry{id: id, content: "pushed " + id, published: published})
	must[store.IngestResult](t)(r.Ingest(context.Background(), feedURL, "application/atom+xml", []byte(doc)))
}

// TestTimelinePagesWhilePostsArrive: paging with each page's last cursor
// lists every post that was there exactly once, while posts arrive
// between pages, both newer than everything and dated inside the pages
// still to come.
func TestTimelinePagesWhilePostsArrive(t *testing.T) {
	ctx := context.Background()
	r, feedURL := pagedFeed(t, 25)
	seen := map[string]int{}
	var before aggregate.Cursor
	for page := 0; page < 10; page++ {
		posts := must[[]aggregate.Post](t)(r.Timeline(ctx, aggregate.TimelineOptions{Limit: 4, Before: before}))
		if len(posts) == 0 {
			break
		}
		for _, p := range posts {
			seen[p.ID]++
		}
		// Arrivals between pages: one newer than all, one dated far below.
		push(t, r, feedURL, fmt.Sprintf("tag:a,2031:new/%d", page), stamp(1000+page))
		push(t, r, feedURL, fmt.Sprintf("tag:a,2031:old/%d", page), stamp(-100-page))
		before = must[aggregate.Cursor](t)(aggregate.ParseCursor(posts[len(posts)-1].Cursor))
	}
	for i := range 25 {
		id := fmt.Sprintf("tag:a,2031:posts/%d", i)
		if seen[id] != 1 {
			t.Errorf("%s listed %d times, want once", id, seen[id])
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s listed %d times", id, n)
		}
	}
}

// TestSearchAndMentionsPage: search (arrival order) and mentions
// (publication order) page with --before as the timeline does.
func TestSearchAndMentionsPage(t *testing.T) {
	ctx := context.Background()
	r, feedURL := pagedFeed(t, 10)
	var got []string
	var before aggregate.Cursor
	for range 10 {
		hits := must[[]aggregate.Post](t)(r.Search(ctx, aggregate.SearchOptions{Query: "gopher", Limit: 3, Before: before}))
		if len(hits) == 0 {
			break
		}
		for _, h := range hits {
			got = append(got, h.ID)
		}
		push(t, r, feedURL, fmt.Sprintf("tag:a,2031:gopher/%d", len(got)), stamp(500))
		before = must[aggregate.Cursor](t)(aggregate.ParseCursor(hits[len(hits)-1].Cursor))
	}
	if len(got) != 10 || got[0] != "tag:a,2031:posts/9" || got[9] != "tag:a,2031:posts/0" {
		t.Errorf("search pages: %v", got)
	}
	if _, err := r.Search(ctx, aggregate.SearchOptions{Query: "gopher", Rank: true, Before: before}); err == nil {
		t.Error("a ranked search took a cursor")
	}

	me := "https://me.example/feed.atom"
	if err := r.SetMe(ctx, me); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		doc := atomFeed("https://fan.example/feed.atom", "fan", "", entry{id: fmt.Sprintf("tag:fan,2031:%d", i),
			content: "hi", published: stamp(i), mentioned: []string{me}})
		must[store.IngestResult](t)(r.Ingest(ctx, "https://fan.example/feed.atom", "application/atom+xml", []byte(doc)))
	}
	first := must[[]aggregate.Post](t)(r.MentionsPage(ctx, aggregate.ListOptions{Limit: 3}))
	next := must[[]aggregate.Post](t)(r.MentionsPage(ctx, aggregate.ListOptions{Limit: 3,
		Before: must[aggregate.Cursor](t)(aggregate.ParseCursor(first[2].Cursor))}))
	if ids := append(idsOf(first), idsOf(next)...); fmt.Sprint(ids) != "[tag:fan,2031:4 tag:fan,2031:3 tag:fan,2031:2 tag:fan,2031:1 tag:fan,2031:0]" {
		t.Errorf("mention pages: %v", ids)
	}
	var notes []string
	var at aggregate.Cursor
	for range 5 {
		page := must[[]aggregate.Notification](t)(r.NotificationsPage(ctx, aggregate.ListOptions{Limit: 2, Before: at}))
		if len(page) == 0 {
			break
		}
		for _, n := range page {
			notes = append(notes, n.Published[11:16])
		}
		at = must[aggregate.Cursor](t)(aggregate.ParseCursor(page[len(page)-1].Cursor))
	}
	if fmt.Sprint(notes) != "[00:04 00:03 00:02 00:01 00:00]" {
		t.Errorf("notification pages: %v", notes)
	}
}

func idsOf(posts []aggregate.Post) []string {
	out := []string{}
	for _, p := range posts {
		out = append(out, p.ID)
	}
	return out
}

// TestReadState: posts arrive unread; shown ones are read; MarkRead and
// MarkAllRead mark the rest; following counts them per feed.
func TestReadState(t *testing.T) {
	ctx := context.Background()
	r, feedURL := pagedFeed(t, 6)
	if n := must[int](t)(r.Unread(ctx, 0)); n != 6 {
		t.Fatalf("unread after follow: %d, want 6", n)
	}
	page := must[[]aggregate.Post](t)(r.Timeline(ctx, aggregate.TimelineOptions{Limit: 2, Unread: true}))
	if len(page) != 2 || !page[0].Unread || page[0].Cursor == "" {
		t.Fatalf("first unread page: %+v", page)
	}
	if err := r.MarkShown(ctx, page); err != nil {
		t.Fatal(err)
	}
	rest := must[[]aggregate.Post](t)(r.Timeline(ctx, aggregate.TimelineOptions{Unread: true}))
	if len(rest) != 4 || rest[0].ID == page[0].ID {
		t.Errorf("unread after two were shown: %v", idsOf(rest))
	}
	if n := must[int](t)(r.MarkRead(ctx, rest[0].ID)); n != 1 {
		t.Errorf("MarkRead of one unread post: %d", n)
	}
	if _, err := r.MarkRead(ctx, "tag:nowhere"); err == nil {
		t.Error("MarkRead of an unknown post succeeded")
	}
	// Posts published before stamp(3): ids 0, 1, 2; id 3..5 share stamp(3).
	if n := must[int](t)(r.MarkAllRead(ctx, aggregate.ReadScope{Before: parseTime(t, stamp(3))})); n != 3 {
		t.Errorf("MarkAllRead before stamp 3: %d, want 3", n)
	}
	if f := followed(t, r)["a"]; f.Unread != 0 || f.Posts != 6 {
		t.Errorf("following: %d unread of %d", f.Unread, f.Posts)
	}
	// A page marks what it showed: a post arriving after is left unread.
	last := must[int64](t)(r.LastArrival(ctx))
	arrived := r.Arrivals()
	push(t, r, feedURL, "tag:a,2031:late", stamp(0))
	select {
	case <-arrived:
	default:
		t.Error("storing a new post did not signal Arrivals")
	}
	if n := must[int](t)(r.ArrivedSince(ctx, last)); n != 1 {
		t.Errorf("ArrivedSince: %d, want 1", n)
	}
	if n := must[int](t)(r.MarkAllRead(ctx, aggregate.ReadScope{UpTo: last})); n != 0 {
		t.Errorf("MarkAllRead up to the page marked %d, want 0", n)
	}
	if n := must[int](t)(r.Unread(ctx, 0)); n != 1 {
		t.Errorf("unread after a late arrival: %d, want 1", n)
	}
}
