package aggregate_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/aggregate/store"
)

// network serves five people's feeds in the wire profile, each on their
// own host: alice posts, bob replies to alice and mentions her, carol
// replies to bob and to alice, dave links to alice's site with a
// u-mention, and erin posts about something else.
type network struct {
	sites map[string]*server
}

func (n *network) feed(nick string) string { return n.sites[nick].URL + "/feed.atom" }

func (n *network) post(nick, key string) string { return n.sites[nick].URL + "/posts/" + key + "/" }

func (n *network) hits(nick string) int { return n.sites[nick].count("/feed.atom") }

func newNetwork(t *testing.T) *network {
	n := &network{sites: map[string]*server{}}
	for _, nick := range []string{"alice", "bob", "carol", "dave", "erin"} {
		n.sites[nick] = newServer(t)
	}
	serve := func(nick string, entries ...entry) {
		n.sites[nick].serve("/feed.atom", "application/atom+xml", atomFeed(n.feed(nick), nick, "", entries...))
	}
	serve("alice", entry{id: "tag:alice,2026:posts/root", link: n.post("alice", "root"), content: "<p>Root post about gophers</p>",
		published: "2026-01-01T10:00:00Z", tags: []string{"go"}})
	serve("bob", entry{id: "tag:bob,2026:posts/r1", link: n.post("bob", "r1"), content: "<p>Bob replies about gophers</p>",
		published: "2026-01-01T11:00:00Z", replyRef: "tag:alice,2026:posts/root", replyHref: n.post("alice", "root"),
		replySrc: n.feed("alice"), mentioned: []string{n.feed("alice")}})
	serve("carol",
		entry{id: "tag:carol,2026:posts/r2", link: n.post("carol", "r2"), content: "<p>Carol answers Bob on gophers</p>",
			published: "2026-01-01T12:00:00Z", replyRef: "tag:bob,2026:posts/r1", replyHref: n.post("bob", "r1"), replySrc: n.feed("bob")},
		entry{id: "tag:carol,2026:posts/r3", link: n.post("carol", "r3"), content: "<p>Carol also answers Alice directly</p>",
			published: "2026-01-01T13:00:00Z", replyRef: "tag:alice,2026:posts/root", replySrc: n.feed("alice"), tags: []string{"Spoilers"}})
	serve("dave", entry{id: "tag:dave,2026:posts/d1", link: n.post("dave", "d1"), published: "2026-01-01T14:00:00Z",
		content: `<p>Hi <a class="h-card u-mention" href="` + n.sites["alice"].URL + `/">@alice</a>, nice gophers</p>`})
	serve("erin", entry{id: "tag:erin,2026:posts/e1", link: n.post("erin", "e1"), published: "2026-01-01T15:00:00Z",
		content: `<p>Unrelated gophers <script>alert(1)</script><img src="x.png" onerror="steal()"></p>`})
	return n
}

func (n *network) follow(t *testing.T, r *aggregate.Reader, nicks ...string) {
	t.Helper()
	for _, nick := range nicks {
		if _, err := r.Follow(context.Background(), n.feed(nick), nick, nil); err != nil {
			t.Fatal(err)
		}
	}
}

func ids(posts []aggregate.Post) []string {
	out := []string{}
	for _, p := range posts {
		out = append(out, p.ID)
	}
	return out
}

func TestThreadAcrossThreeFeedsFetchesMissingParent(t *testing.T) {
	ctx := context.Background()
	n := newNetwork(t)
	r, _ := openReader(t, aggregate.Options{})
	n.follow(t, r, "bob", "carol") // alice is not followed: her post is fetched
	thread, err := r.Thread(ctx, "tag:carol,2026:posts/r2")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range thread {
		got = append(got, fmt.Sprintf("%d %s", p.Depth, p.ID))
	}
	want := []string{"0 tag:alice,2026:posts/root", "1 tag:bob,2026:posts/r1", "2 tag:carol,2026:posts/r2", "1 tag:carol,2026:posts/r3"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("thread:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n.hits("alice") != 1 {
		t.Errorf("alice's feed fetched %d times", n.hits("alice"))
	}
	// By permalink too, and alice (unfollowed) stays out of the timeline.
	byURL := must[[]aggregate.Post](t)(r.Thread(ctx, n.post("bob", "r1")))
	if len(byURL) != 4 {
		t.Fatalf("thread by URL has %d posts", len(byURL))
	}
	tl := must[[]aggregate.Post](t)(r.Timeline(ctx, aggregate.TimelineOptions{}))
	if hasText(tl, "Root post") {
		t.Errorf("unfollowed alice shows in the timeline: %v", texts(tl))
	}
	if p := tl[0]; p.InReplyTo != "tag:bob,2026:posts/r1" && p.InReplyTo != "tag:alice,2026:posts/root" {
		t.Errorf("in_reply_to %q", p.InReplyTo)
	}
}

func TestMentionsOfMe(t *testing.T) {
	ctx := context.Background()
	n := newNetwork(t)
	r, _ := openReader(t, aggregate.Options{})
	if _, err := r.Mentions(ctx, 0, noTime); err == nil || !strings.Contains(err.Error(), "reader init --me") {
		t.Fatalf("mentions without me: %v", err)
	}
	must[struct{}](t)(struct{}{}, r.SetMe(ctx, n.feed("alice")))
	n.follow(t, r, "alice", "bob", "carol", "dave", "erin")
	got := ids(must[[]aggregate.Post](t)(r.Mentions(ctx, 0, noTime)))
	want := []string{"tag:dave,2026:posts/d1", "tag:carol,2026:posts/r3", "tag:bob,2026:posts/r1"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("mentions %v, want %v", got, want)
	}
	// A verified Webmention adds a post that matches no other rule.
	if err := r.MarkMention(ctx, n.feed("erin"), "tag:erin,2026:posts/e1", n.post("erin", "e1"), ""); err != nil {
		t.Fatal(err)
	}
	got = ids(must[[]aggregate.Post](t)(r.Mentions(ctx, 0, noTime)))
	if len(got) != 4 || got[0] != "tag:erin,2026:posts/e1" {
		t.Fatalf("after MarkMention: %v", got)
	}
	if err := r.MarkMention(ctx, n.feed("erin"), "no-such-post", "x", ""); err == nil {
		t.Error("MarkMention of an unknown post succeeded")
	}
}

func TestBlocksApplyInEveryViewAndStopFetching(t *testing.T) {
	ctx := context.Background()
	n := newNetwork(t)
	r, _ := openReader(t, aggregate.Options{})
	must[struct{}](t)(struct{}{}, r.SetMe(ctx, n.feed("alice")))
	n.follow(t, r, "alice", "bob", "carol", "dave", "erin")
	rule := must[aggregate.Rule](t)(r.Block(ctx, "bob"))
	if rule.Kind != "feed" || rule.Value != n.feed("bob") {
		t.Fatalf("block bob: %+v", rule)
	}
	views := map[string]func() []aggregate.Post{
		"timeline": func() []aggregate.Post {
			return must[[]aggregate.Post](t)(r.Timeline(ctx, aggregate.TimelineOptions{}))
		},
		"search": func() []aggregate.Post {
			return must[[]aggregate.Post](t)(r.Search(ctx, aggregate.SearchOptions{Query: "gophers"}))
		},
		"mentions": func() []aggregate.Post { return must[[]aggregate.Post](t)(r.Mentions(ctx, 0, noTime)) },
		"thread": func() []aggregate.Post {
			return must[[]aggregate.Post](t)(r.Thread(ctx, "tag:alice,2026:posts/root"))
		},
	}
	for name, view := range views {
		for _, p := range view() {
			if p.Feed == n.feed("bob") {
				t.Errorf("%s shows blocked bob: %s", name, p.Text)
			}
		}
	}
	// Carol's reply to bob hangs under a blocked post: the thread leaves both out.
	if th := views["thread"](); len(th) != 2 {
		t.Errorf("thread with bob blocked: %v", ids(th))
	}
	hits := n.hits("bob")
	res := must[[]aggregate.FetchResult](t)(r.FetchAll(ctx, nil))
	if n.hits("bob") != hits {
		t.Error("a blocked feed was fetched")
	}
	if len(res) != 5 {
		t.Errorf("%d fetch results", len(res))
	}
	if b := must[bool](t)(r.Blocked(ctx, n.post("bob", "r1"))); !b {
		t.Error("Blocked(bob's permalink) = false")
	}
	if b := must[bool](t)(r.Blocked(ctx, n.feed("carol"))); b {
		t.Error("Blocked(carol) = true")
	}
	must[aggregate.Rule](t)(r.Unblock(ctx, "bob"))
	if tl := views["timeline"](); !hasText(tl, "Bob replies") {
		t.Error("unblocked bob still hidden")
	}

	// A domain block hides everyone there (all our feeds share 127.0.0.1).
	must[aggregate.Rule](t)(r.Block(ctx, "127.0.0.1"))
	if tl := views["timeline"](); len(tl) != 0 {
		t.Errorf("domain block left %d posts", len(tl))
	}
	if _, err := r.Follow(ctx, n.feed("erin"), "erin2", nil); err == nil {
		t.Error("followed a blocked domain")
	}
}

func TestMutesHideWordsAndTags(t *testing.T) {
	ctx := context.Background()
	n := newNetwork(t)
	r, _ := openReader(t, aggregate.Options{})
	n.follow(t, r, "alice", "carol", "erin")
	must[aggregate.Rule](t)(r.Mute(ctx, "#spoilers"))
	must[aggregate.Rule](t)(r.Mute(ctx, "Unrelated"))
	tl := must[[]aggregate.Post](t)(r.Timeline(ctx, aggregate.TimelineOptions{}))
	if hasText(tl, "answers Alice") || hasText(tl, "Unrelated") || !hasText(tl, "Root post") {
		t.Fatalf("timeline with mutes: %v", texts(tl))
	}
	sr := must[[]aggregate.Post](t)(r.Search(ctx, aggregate.SearchOptions{Query: "gophers"}))
	if hasText(sr, "Unrelated") {
		t.Fatalf("search shows a muted word: %v", texts(sr))
	}
	rules := must[[]aggregate.Rule](t)(r.Rules(ctx))
	if len(rules) != 2 {
		t.Fatalf("rules %+v", rules)
	}
	must[aggregate.Rule](t)(r.Unmute(ctx, "#Spoilers"))
	if _, err := r.Unmute(ctx, "#spoilers"); err == nil {
		t.Error("unmuting twice succeeded")
	}
}

func TestSearchNewestFirstAndRanked(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	s.serve("/a.atom", "application/atom+xml", simpleFeed(s, "/a.atom",
		entry{id: "old", content: "gopher gopher gopher gopher", published: "2025-01-01T00:00:00Z"},
		entry{id: "mid", content: "a gopher and many other words that dilute the match here", published: "2025-06-01T00:00:00Z"},
		entry{id: "new", content: "one more gopher mention among plenty of other words", published: "2026-01-01T00:00:00Z"},
		entry{id: "none", content: "nothing to see", published: "2026-02-01T00:00:00Z"}))
	r, _ := openReader(t, aggregate.Options{})
	must[aggregate.FeedInfo](t)(r.Follow(ctx, s.URL+"/a.atom", "a", nil))
	newest := ids(must[[]aggregate.Post](t)(r.Search(ctx, aggregate.SearchOptions{Query: "gopher"})))
	if strings.Join(newest, " ") != "new mid old" {
		t.Fatalf("newest first: %v", newest)
	}
	ranked := ids(must[[]aggregate.Post](t)(r.Search(ctx, aggregate.SearchOptions{Query: "gopher", Rank: true})))
	if ranked[0] != "old" {
		t.Fatalf("ranked: %v", ranked)
	}
	one := must[[]aggregate.Post](t)(r.Search(ctx, aggregate.SearchOptions{Query: `gopher OR zebra (`, Limit: 1}))
	if len(one) != 0 {
		t.Fatalf("FTS syntax in the query was not quoted: %v", ids(one))
	}
	snip := must[[]aggregate.Post](t)(r.Search(ctx, aggregate.SearchOptions{Query: "gop*", Limit: 1}))
	if len(snip) != 1 || !strings.Contains(snip[0].Snippet, "[gopher]") {
		t.Fatalf("prefix search / snippet: %+v", snip)
	}
}

func TestIngestEditsAndUnfollowedFeeds(t *testing.T) {
	ctx := context.Background()
	r, _ := openReader(t, aggregate.Options{})
	const feedURL = "https://zed.example/feed.atom"
	doc := func(text string) []byte {
		return []byte(atomFeed(feedURL, "Zed", "", entry{id: "tag:zed,2026:posts/1", link: "https://zed.example/posts/1/", content: text}))
	}
	res := must[store.IngestResult](t)(r.Ingest(ctx, feedURL, "application/atom+xml", doc("<p>first draft</p>")))
	if res.Stored != 1 || res.Posts[0] != (store.PostRef{Feed: feedURL, ID: "tag:zed,2026:posts/1", URL: "https://zed.example/posts/1/", Changed: true}) {
		t.Fatalf("ingest: %+v", res)
	}
	if again := must[store.IngestResult](t)(r.Ingest(ctx, feedURL, "", doc("<p>first draft</p>"))); again.Stored != 0 || len(again.Posts) != 1 || again.Posts[0].Changed {
		t.Fatalf("unchanged re-ingest stored %d", again.Stored)
	}
	if tl := must[[]aggregate.Post](t)(r.Timeline(ctx, aggregate.TimelineOptions{})); len(tl) != 0 {
		t.Fatalf("an unfollowed feed shows in the timeline")
	}
	must[store.IngestResult](t)(r.Ingest(ctx, feedURL, "", doc("<p>second version</p>")))
	if sr := must[[]aggregate.Post](t)(r.Search(ctx, aggregate.SearchOptions{Query: "draft"})); len(sr) != 0 {
		t.Fatalf("search still finds the edited-away text")
	}
	sr := must[[]aggregate.Post](t)(r.Search(ctx, aggregate.SearchOptions{Query: "second"}))
	if len(sr) != 1 || sr[0].Text != "second version" {
		t.Fatalf("edit not stored: %+v", sr)
	}
	if _, err := r.Ingest(ctx, feedURL, "", []byte("<html>nope</html>")); err == nil {
		t.Fatal("ingesting HTML succeeded")
	}
	if me := must[string](t)(r.Me(ctx)); me != "" {
		t.Fatalf("me = %q before init", me)
	}
}

func TestStoredHTMLIsSanitized(t *testing.T) {
	ctx := context.Background()
	n := newNetwork(t)
	r, _ := openReader(t, aggregate.Options{})
	n.follow(t, r, "erin")
	p := must[[]aggregate.Post](t)(r.Timeline(ctx, aggregate.TimelineOptions{}))[0]
	for _, bad := range []string{"<script", "alert", "onerror"} {
		if strings.Contains(p.HTML, bad) || strings.Contains(p.Text, bad) {
			t.Fatalf("%q survived: %q / %q", bad, p.HTML, p.Text)
		}
	}
	if !strings.Contains(p.HTML, `src="`+n.post("erin", "e1")+`x.png"`) {
		t.Errorf("image dropped or not resolved: %s", p.HTML)
	}
}

// TestConcurrentReadersShareOneFile runs a daemon-like reader and a CLI-like
// reader on the same database at once.
func TestConcurrentReadersShareOneFile(t *testing.T) {
	ctx := context.Background()
	n := newNetwork(t)
	a, path := openReader(t, aggregate.Options{})
	b, err := aggregate.Open(ctx, path, aggregate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	n.follow(t, a, "alice", "bob")
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 10; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			doc := []byte(atomFeed("https://x.example/feed.atom", "X", "", entry{id: fmt.Sprintf("x%d", i), content: "pushed"}))
			_, err := a.Ingest(ctx, "https://x.example/feed.atom", "", doc)
			errs <- err
			_, err = a.PollDue(ctx)
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := b.FetchAll(ctx, nil)
			errs <- err
			_, err = b.Search(ctx, aggregate.SearchOptions{Query: "pushed"})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := must[[]aggregate.Post](t)(b.Search(ctx, aggregate.SearchOptions{Query: "pushed", Limit: 100})); len(got) != 10 {
		t.Fatalf("%d pushed posts stored, want 10", len(got))
	}
}

func TestThreadFindsArchivedParent(t *testing.T) {
	ctx := context.Background()
	alice, bob := newServer(t), newServer(t)
	aliceFeed := alice.URL + "/feed.atom"
	alice.serve("/feed.atom", "application/atom+xml", atomFeed(aliceFeed, "Alice", `<link rel="prev-archive" href="archive/2.atom"/>`,
		entry{id: "tag:alice,2026:posts/new", content: "new"}))
	alice.serve("/archive/2.atom", "application/atom+xml", atomFeed(aliceFeed, "Alice", `<link rel="prev-archive" href="1.atom"/>`,
		entry{id: "tag:alice,2026:posts/mid", content: "mid"}))
	alice.serve("/archive/1.atom", "application/atom+xml", atomFeed(aliceFeed, "Alice", "",
		entry{id: "tag:alice,2025:posts/old", content: "the old parent"}))
	bob.serve("/feed.atom", "application/atom+xml", atomFeed(bob.URL+"/feed.atom", "Bob", "",
		entry{id: "tag:bob,2026:posts/late", content: "late reply", replyRef: "tag:alice,2025:posts/old", replySrc: aliceFeed}))
	r, _ := openReader(t, aggregate.Options{})
	must[aggregate.FeedInfo](t)(r.Follow(ctx, bob.URL+"/feed.atom", "bob", nil))
	th := must[[]aggregate.Post](t)(r.Thread(ctx, "tag:bob,2026:posts/late"))
	if len(th) != 2 || th[0].Text != "the old parent" || th[1].Depth != 1 {
		t.Fatalf("thread %v", ids(th))
	}
}
