package aggregate_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/rookery-social/rookery/aggregate"
)

// deletion is alice's site, where she posts about zebras and then deletes
// the post, bob's, who replies to it, reposts it and quotes it, and
// mallory's, who publishes a tombstone naming alice's post. Carol (me) is
// mentioned by alice's post.
type deletion struct {
	alice, bob, mallory *server
}

const (
	zebraID      = "tag:alice.example,2031:posts/zebra"
	zebraText    = "Zebras are striped, trust me"
	zebraWhen    = "2031-01-01T10:00:00Z"
	zebraDeleted = "2031-01-01T12:00:00Z"
	carolFeed    = "https://carol.example/feed.atom"
)

func (d *deletion) zebraURL() string { return d.alice.URL + "/posts/zebra/" }

func newDeletion(t *testing.T) *deletion {
	d := &deletion{alice: newServer(t), bob: newServer(t), mallory: newServer(t)}
	d.serveZebra(zebraWhen)
	zebra := d.zebraURL()
	cite := func(verb string) string {
		return fmt.Sprintf(`<activity:verb xmlns:activity="http://activitystrea.ms/spec/1.0/">http://activitystrea.ms/schema/1.0/%s</activity:verb>
<activity:object xmlns:activity="http://activitystrea.ms/spec/1.0/"><id>%s</id><link rel="alternate" href="%s"/></activity:object>`, verb, zebraID, zebra)
	}
	quoted := escape(`<blockquote class="u-quotation-of h-cite"><p class="p-content">` + zebraText + `</p><p>— alice, <a class="u-url" href="` + zebra + `">` + zebra + `</a></p></blockquote>`)
	extra := fmt.Sprintf(`<entry><id>tag:bob.example,2031:posts/rp</id><title>Reposted alice: %[1]s</title><updated>2031-01-01T11:00:00Z</updated>
<link rel="alternate" href="%[2]s/posts/rp/"/>%[3]s<content type="html">%[4]s</content></entry>
<entry><id>tag:bob.example,2031:posts/qt</id><title>Hear hear</title><updated>2031-01-01T11:30:00Z</updated>
<link rel="alternate" href="%[2]s/posts/qt/"/>%[5]s<content type="html">&lt;p&gt;Hear hear&lt;/p&gt;%[4]s</content></entry>`,
		zebraText, d.bob.URL, cite("share"), quoted, cite("post"))
	d.bob.serve("/feed.atom", "application/atom+xml", atomFeed(d.bob.URL+"/feed.atom", "bob", extra,
		entry{id: "tag:bob.example,2031:posts/re", link: d.bob.URL + "/posts/re/", content: "<p>Bob answers about horses</p>",
			published: "2031-01-01T11:15:00Z", replyRef: zebraID, replyHref: zebra, replySrc: d.alice.URL + "/feed.atom"}))
	d.mallory.serve("/feed.atom", "application/atom+xml", atomFeed(d.mallory.URL+"/feed.atom", "mallory", tombstone(zebraID, zebraDeleted)))
	return d
}

// serveZebra serves alice's feed with her post, updated at updated.
func (d *deletion) serveZebra(updated string) {
	e := fmt.Sprintf(`<entry><id>%s</id><title>%s</title><published>%s</published><updated>%s</updated>
<link rel="alternate" href="%s"/><link rel="mentioned" href="%s"/><content type="html">&lt;p&gt;%s&lt;/p&gt;</content></entry>`,
		zebraID, zebraText, zebraWhen, updated, d.zebraURL(), carolFeed, zebraText)
	d.alice.serve("/feed.atom", "application/atom+xml", atomFeed(d.alice.URL+"/feed.atom", "alice", e))
}

// deleteZebra serves alice's feed as feedpub does once she deleted it.
func (d *deletion) deleteZebra() {
	d.alice.serve("/feed.atom", "application/atom+xml", atomFeed(d.alice.URL+"/feed.atom", "alice", tombstone(zebraID, zebraDeleted)))
}

func tombstone(ref, when string) string {
	return fmt.Sprintf(`<at:deleted-entry xmlns:at="http://purl.org/atompub/tombstones/1.0" ref="%s" when="%s"/>`, ref, when)
}

func (d *deletion) reader(t *testing.T, nicks ...string) *aggregate.Reader {
	t.Helper()
	r, _ := openReader(t, aggregate.Options{})
	if err := r.SetMe(context.Background(), carolFeed); err != nil {
		t.Fatal(err)
	}
	sites := map[string]*server{"alice": d.alice, "bob": d.bob, "mallory": d.mallory}
	for _, nick := range nicks {
		if _, err := r.Follow(context.Background(), sites[nick].URL+"/feed.atom", nick, nil); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// zebraShows lists the views where alice's post shows.
func zebraShows(t *testing.T, r *aggregate.Reader, zebraURL string) []string {
	t.Helper()
	ctx := context.Background()
	var where []string
	has := func(view string, posts []aggregate.Post) {
		for _, p := range posts {
			if p.ID == zebraID || p.URL == zebraURL {
				where = append(where, view)
				return
			}
		}
	}
	has("timeline", must[[]aggregate.Post](t)(r.Timeline(ctx, aggregate.TimelineOptions{})))
	has("search", must[[]aggregate.Post](t)(r.Search(ctx, aggregate.SearchOptions{Query: "zebras"})))
	has("mentions", must[[]aggregate.Post](t)(r.Mentions(ctx, 50, noTime)))
	if thread, err := r.Thread(ctx, "tag:bob.example,2031:posts/re"); err == nil { // bob followed
		has("thread", thread)
	}
	for _, n := range must[[]aggregate.Notification](t)(r.Notifications(ctx, 50, noTime)) {
		if n.URL == zebraURL {
			where = append(where, "notifications")
		}
	}
	if f := followed(t, r)["alice"]; f.Posts != 0 || f.Unread != 0 {
		where = append(where, fmt.Sprintf("alice's counts (%d posts, %d unread)", f.Posts, f.Unread))
	}
	return where
}

// TestDeletedPostLeavesEveryView: once alice's feed carries the tombstone
// of her post, the next fetch removes it from the timeline, search,
// mentions, notifications, threads and her counts; bob's repost and
// quote stay, showing it as deleted instead of its text.
func TestDeletedPostLeavesEveryView(t *testing.T) {
	ctx := context.Background()
	d := newDeletion(t)
	r := d.reader(t, "alice", "bob")
	if got := zebraShows(t, r, d.zebraURL()); len(got) != 6 {
		t.Fatalf("before deleting, the post shows in %v, want 6 views", got)
	}

	d.deleteZebra()
	res := must[[]aggregate.FetchResult](t)(r.FetchAll(ctx, nil))
	deleted := 0
	for _, x := range res {
		deleted += x.Deleted
	}
	if deleted != 1 {
		t.Errorf("fetch reports %d deleted, want 1", deleted)
	}
	if got := zebraShows(t, r, d.zebraURL()); len(got) != 0 {
		t.Errorf("after deleting, the post still shows in %v", got)
	}

	tl := must[[]aggregate.Post](t)(r.Timeline(ctx, aggregate.TimelineOptions{}))
	byID := map[string]aggregate.Post{}
	for _, p := range tl {
		byID[p.ID] = p
	}
	for _, id := range []string{"tag:bob.example,2031:posts/rp", "tag:bob.example,2031:posts/qt"} {
		p, ok := byID[id]
		switch {
		case !ok:
			t.Errorf("bob's %s left the timeline", id)
		case p.Original == nil || !p.Original.Deleted || p.Original.URL != d.zebraURL():
			t.Errorf("%s: original %+v, want one marked deleted", id, p.Original)
		case strings.Contains(p.Text+p.HTML+p.Title, "striped") || !strings.Contains(p.Text, aggregate.DeletedText):
			t.Errorf("%s shows %q / %q / %q, want the deletion, not the text", id, p.Title, p.Text, p.HTML)
		}
	}
	if !strings.Contains(byID["tag:bob.example,2031:posts/qt"].Text, "Hear hear") {
		t.Errorf("the quote lost its own text: %q", byID["tag:bob.example,2031:posts/qt"].Text)
	}
	for _, p := range must[[]aggregate.Post](t)(r.Search(ctx, aggregate.SearchOptions{Query: "striped"})) {
		if strings.Contains(p.Text+p.Snippet, "striped") {
			t.Errorf("search shows the deleted text in %s: %q", p.ID, p.Text+p.Snippet)
		}
	}
}

// TestPushedTombstoneDeletes: a WebSub delivery of the feed carrying the
// tombstone removes the post as a poll does.
func TestPushedTombstoneDeletes(t *testing.T) {
	ctx := context.Background()
	d := newDeletion(t)
	r := d.reader(t, "alice")
	doc := atomFeed(d.alice.URL+"/feed.atom", "alice", tombstone(zebraID, zebraDeleted))
	res, err := r.Ingest(ctx, d.alice.URL+"/feed.atom", "application/atom+xml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if res.Deleted != 1 {
		t.Errorf("Ingest: %d deleted, want 1", res.Deleted)
	}
	if hasText(must[[]aggregate.Post](t)(r.Timeline(ctx, aggregate.TimelineOptions{})), "Zebras") {
		t.Error("the pushed tombstone left the post in the timeline")
	}
}

// TestTombstoneOfAnotherFeedIsIgnored: mallory's feed names alice's post
// in a tombstone; alice's post stays.
func TestTombstoneOfAnotherFeedIsIgnored(t *testing.T) {
	ctx := context.Background()
	d := newDeletion(t)
	r := d.reader(t, "alice", "mallory")
	must[[]aggregate.FetchResult](t)(r.FetchAll(ctx, nil))
	if d.mallory.count("/feed.atom") < 2 {
		t.Fatalf("mallory's feed fetched %d times, want 2", d.mallory.count("/feed.atom"))
	}
	if got := zebraShows(t, r, d.zebraURL()); len(got) != 5 {
		t.Errorf("after mallory's tombstone alice's post shows only in %v, want 5 views", got)
	}
	for _, p := range must[[]aggregate.Post](t)(r.Timeline(ctx, aggregate.TimelineOptions{})) {
		if p.ID == zebraID && p.Text != zebraText {
			t.Errorf("alice's post reads %q", p.Text)
		}
	}
}

// TestStaleArchiveCopyStaysDeleted: following a feed whose main document
// carries the tombstone and whose archive page still has the old entry
// (a stale cache) leaves the post out; re-published later, it is back.
func TestStaleArchiveCopyStaysDeleted(t *testing.T) {
	ctx := context.Background()
	d := newDeletion(t)
	arch := d.alice.URL + "/archive/0001.atom"
	d.alice.serve("/feed.atom", "application/atom+xml", atomFeed(d.alice.URL+"/feed.atom", "alice",
		`<link rel="prev-archive" href="`+arch+`"/>`+tombstone(zebraID, zebraDeleted)))
	d.alice.serve("/archive/0001.atom", "application/atom+xml", atomFeed(arch, "alice", "",
		entry{id: zebraID, title: zebraText, content: zebraText, published: zebraWhen, link: d.zebraURL()}))
	r := d.reader(t, "alice")
	if d.alice.count("/archive/0001.atom") != 1 {
		t.Fatalf("archive fetched %d times, want 1", d.alice.count("/archive/0001.atom"))
	}
	if got := zebraShows(t, r, d.zebraURL()); len(got) != 0 {
		t.Errorf("the stale archive copy shows in %v", got)
	}

	d.serveZebra("2031-01-01T13:00:00Z") // re-published after the deletion
	must[[]aggregate.FetchResult](t)(r.FetchAll(ctx, nil))
	if !hasText(must[[]aggregate.Post](t)(r.Timeline(ctx, aggregate.TimelineOptions{})), "Zebras") {
		t.Error("the post re-published after its deletion did not come back")
	}
}
