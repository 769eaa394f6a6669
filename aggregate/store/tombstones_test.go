package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/rookery-social/rookery/aggregate/feedparse"
)

const tombMe = "https://me.example/feed.atom"

// tombFixture is a store with two followed feeds, alice's and mallory's.
type tombFixture struct {
	t              *testing.T
	s              *Store
	alice, mallory Feed
}

func newTombFixture(t *testing.T) *tombFixture {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "r.db"), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	fx := &tombFixture{t: t, s: s}
	for _, f := range []struct {
		dst       *Feed
		url, nick string
	}{{&fx.alice, "https://alice.example/feed.atom", "alice"}, {&fx.mallory, "https://mallory.example/feed.atom", "mallory"}} {
		feed, err := s.EnsureFeed(ctx, f.url)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Follow(ctx, feed.ID, f.nick); err != nil {
			t.Fatal(err)
		}
		*f.dst = feed
	}
	return fx
}

// zebra is alice's post that she deletes: tagged, mentioning me, unread.
func zebra(updated time.Time) feedparse.Entry {
	id := "tag:alice.example,2031:posts/zebra"
	return feedparse.Entry{ID: id, Key: id, URL: "https://alice.example/posts/zebra/", Text: "zebras are striped",
		HTML: "<p>zebras are striped</p>", Published: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC), Updated: updated,
		Tags: []string{"zoo"}, Mentions: []string{tombMe}}
}

var (
	zebraPublished = time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	zebraDeleted   = zebraPublished.Add(time.Hour)
)

func (fx *tombFixture) save(f Feed, doc *feedparse.Feed) IngestResult {
	fx.t.Helper()
	res, err := fx.s.SaveDocument(context.Background(), f, nil, doc, fakeNow(), nil)
	if err != nil {
		fx.t.Fatal(err)
	}
	return res
}

// seen lists where the zebra post shows: timeline, search, mentions,
// unread count, the full-text index and its tags.
func (fx *tombFixture) seen() map[string]int {
	fx.t.Helper()
	ctx := context.Background()
	out := map[string]int{}
	tl, err := fx.s.Timeline(ctx, TimelineQuery{Limit: 50}, Filter{})
	if err != nil {
		fx.t.Fatal(err)
	}
	out["timeline"] = len(tl)
	hits, err := fx.s.Search(ctx, SearchQuery{Text: "zebras", Limit: 20}, Filter{})
	if err != nil {
		fx.t.Fatal(err)
	}
	out["search"] = len(hits)
	ms, err := fx.s.Mentions(ctx, MentionQuery{Me: tombMe, Limit: 50}, Filter{})
	if err != nil {
		fx.t.Fatal(err)
	}
	out["mentions"] = len(ms)
	if out["unread"], err = fx.s.Unread(ctx, Filter{}, 0); err != nil {
		fx.t.Fatal(err)
	}
	for name, q := range map[string]string{
		"fts":  `SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'zebras'`,
		"tags": `SELECT count(*) FROM post_tags`,
	} {
		var n int
		if err := fx.s.db.QueryRowContext(ctx, q).Scan(&n); err != nil {
			fx.t.Fatal(err)
		}
		out[name] = n
	}
	return out
}

func (fx *tombFixture) wantSeen(what string, n int) {
	fx.t.Helper()
	for where, got := range fx.seen() {
		if got != n {
			fx.t.Errorf("%s: %s shows %d, want %d", what, where, got, n)
		}
	}
}

// TestTombstoneRemovesThePostEverywhere: a tombstone in the feed a post
// was stored from removes it from the timeline, search (and its index),
// mentions and unread counts.
func TestTombstoneRemovesThePostEverywhere(t *testing.T) {
	fx := newTombFixture(t)
	fx.save(fx.alice, &feedparse.Feed{Entries: []feedparse.Entry{zebra(zebraPublished)}})
	fx.wantSeen("stored", 1)

	res := fx.save(fx.alice, &feedparse.Feed{Deleted: []feedparse.Tombstone{{Ref: zebra(noDate).ID, When: zebraDeleted}}})
	if res.Deleted != 1 {
		t.Errorf("Deleted = %d, want 1", res.Deleted)
	}
	fx.wantSeen("deleted", 0)
}

var noDate time.Time

// TestTombstoneSpeaksOnlyForItsFeed: a tombstone in mallory's feed naming
// alice's post removes nothing, and does not keep alice's post out later.
func TestTombstoneSpeaksOnlyForItsFeed(t *testing.T) {
	fx := newTombFixture(t)
	fx.save(fx.alice, &feedparse.Feed{Entries: []feedparse.Entry{zebra(zebraPublished)}})
	res := fx.save(fx.mallory, &feedparse.Feed{Deleted: []feedparse.Tombstone{{Ref: zebra(noDate).ID, When: zebraDeleted}}})
	if res.Deleted != 0 {
		t.Errorf("mallory's tombstone removed %d posts", res.Deleted)
	}
	fx.wantSeen("after mallory's tombstone", 1)
	gone, err := fx.s.Tombstoned(context.Background(), zebra(noDate).ID, "https://alice.example")
	if err != nil || gone {
		t.Errorf("Tombstoned for alice's origin = %v, %v; want false", gone, err)
	}

	// Alice edits her post: mallory's record does not hold it back.
	edited := zebra(zebraDeleted)
	edited.Text, edited.HTML = "zebras are striped, edited", "<p>zebras are striped, edited</p>"
	if got := fx.save(fx.alice, &feedparse.Feed{Entries: []feedparse.Entry{edited}}); got.Stored != 1 {
		t.Errorf("alice's edit: %d stored, want 1", got.Stored)
	}
}

// TestTombstoneKeepsOlderCopiesOut: once deleted, a copy of the entry no
// newer than the tombstone (a stale cache, an archive page) stays out,
// dated or not; a copy updated after it is a re-publication and comes
// back; a stale tombstone does not remove a newer stored post.
func TestTombstoneKeepsOlderCopiesOut(t *testing.T) {
	fx := newTombFixture(t)
	fx.save(fx.alice, &feedparse.Feed{Entries: []feedparse.Entry{zebra(zebraPublished)}})
	tomb := feedparse.Tombstone{Ref: zebra(noDate).ID, When: zebraDeleted}
	fx.save(fx.alice, &feedparse.Feed{Deleted: []feedparse.Tombstone{tomb}})

	for name, e := range map[string]feedparse.Entry{
		"the original":            zebra(zebraPublished),
		"an edit before deleting": zebra(zebraDeleted.Add(-time.Minute)),
		"updated at the deletion": zebra(zebraDeleted),
		"undated":                 {ID: zebra(noDate).ID, Key: zebra(noDate).ID, Text: "zebras", HTML: "zebras"},
	} {
		res := fx.save(fx.alice, &feedparse.Feed{Entries: []feedparse.Entry{e}})
		if res.Stored != 0 || len(res.Posts) != 0 {
			t.Errorf("%s came back: %+v", name, res)
		}
	}
	fx.wantSeen("stale copies", 0)

	// Re-published after the deletion, next to the old tombstone.
	res := fx.save(fx.alice, &feedparse.Feed{Deleted: []feedparse.Tombstone{tomb},
		Entries: []feedparse.Entry{zebra(zebraDeleted.Add(time.Minute))}})
	if res.Stored != 1 || res.Deleted != 0 {
		t.Errorf("re-published: %+v, want 1 stored, 0 deleted", res)
	}
	fx.wantSeen("re-published", 1)
	fx.save(fx.alice, &feedparse.Feed{Deleted: []feedparse.Tombstone{tomb}})
	fx.wantSeen("the old tombstone again", 1)
}

// TestTombstoneWithoutDate: a tombstone with no valid when deletes, and
// counts from when it was first seen.
func TestTombstoneWithoutDate(t *testing.T) {
	fx := newTombFixture(t)
	fx.save(fx.alice, &feedparse.Feed{Entries: []feedparse.Entry{zebra(zebraPublished)}})
	res := fx.save(fx.alice, &feedparse.Feed{Deleted: []feedparse.Tombstone{{Ref: zebra(noDate).ID}}})
	if res.Deleted != 1 {
		t.Fatalf("Deleted = %d, want 1", res.Deleted)
	}
	if got := fx.save(fx.alice, &feedparse.Feed{Entries: []feedparse.Entry{zebra(fakeNow())}}); got.Stored != 0 {
		t.Errorf("a copy updated when the tombstone was first seen came back")
	}
	if got := fx.save(fx.alice, &feedparse.Feed{Entries: []feedparse.Entry{zebra(fakeNow().Add(time.Second))}}); got.Stored != 1 {
		t.Errorf("a copy updated after the tombstone was first seen stayed out")
	}
}

// TestTombstonedNeedsTheOriginOfThePost: a post counts as deleted by its
// author only on the word of a feed at its permalink's origin, and only
// while no post with its id is stored there.
func TestTombstonedNeedsTheOriginOfThePost(t *testing.T) {
	fx := newTombFixture(t)
	ctx := context.Background()
	ref := zebra(noDate).ID
	fx.save(fx.alice, &feedparse.Feed{Entries: []feedparse.Entry{zebra(zebraPublished)}})
	fx.save(fx.mallory, &feedparse.Feed{Deleted: []feedparse.Tombstone{{Ref: ref, When: zebraDeleted}}})
	for origin, want := range map[string]bool{"https://alice.example": false, "https://mallory.example": true} {
		if got, err := fx.s.Tombstoned(ctx, ref, origin); err != nil || got != want {
			t.Errorf("before alice deletes: Tombstoned(%s) = %v, %v; want %v", origin, got, err, want)
		}
	}
	fx.save(fx.alice, &feedparse.Feed{Deleted: []feedparse.Tombstone{{Ref: ref, When: zebraDeleted}}})
	if got, err := fx.s.Tombstoned(ctx, ref, "https://alice.example"); err != nil || !got {
		t.Errorf("after alice deletes: Tombstoned = %v, %v; want true", got, err)
	}
}

// A feed keeps at most maxGraves tombstones, the newest: a hostile feed
// publishing new ones on every fetch cannot grow the table (and what each
// save reads) without bound.
func TestTombstonesPerFeedAreBounded(t *testing.T) {
	fx := newTombFixture(t)
	at := func(i int) time.Time { return zebraDeleted.Add(time.Duration(i) * time.Minute) }
	doc := func(from, n int) *feedparse.Feed {
		d := &feedparse.Feed{}
		for i := from; i < from+n; i++ {
			d.Deleted = append(d.Deleted, feedparse.Tombstone{Ref: fmt.Sprintf("tag:mallory.example,2031:%d", i), When: at(i)})
		}
		return d
	}
	fx.save(fx.mallory, doc(0, maxGraves))
	fx.save(fx.mallory, doc(maxGraves, 5))
	fx.save(fx.alice, doc(0, 3))
	count := func(f Feed, where string) int {
		var n int
		if err := fx.s.db.QueryRow(`SELECT count(*) FROM tombstones WHERE feed_id = ? `+where, f.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(fx.mallory, ""); n != maxGraves {
		t.Errorf("mallory's feed keeps %d tombstones, want %d", n, maxGraves)
	}
	if n := count(fx.mallory, "AND ref = 'tag:mallory.example,2031:4'"); n != 0 {
		t.Errorf("one of the 5 oldest of mallory's tombstones is kept")
	}
	if n := count(fx.mallory, "AND ref = 'tag:mallory.example,2031:10004'"); n != 1 {
		t.Errorf("the newest of mallory's tombstones is not kept")
	}
	if n := count(fx.alice, ""); n != 3 {
		t.Errorf("alice's feed keeps %d tombstones, want 3: another feed's prune reached it", n)
	}
}
