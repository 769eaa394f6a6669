package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestTrackEntriesAndCandidates(t *testing.T) { eachStore(t, testTrackEntriesAndCandidates) }

func testTrackEntriesAndCandidates(t *testing.T, s testStore) {
	ctx := context.Background()
	now := testNow
	err := s.SaveTrackEntries(ctx, []TrackEntry{
		{Origin: "https://a/feed", EntryID: "1", SortAt: now.Add(-time.Hour), Data: []byte("one"), Terms: []string{"#go", "w:hello"}},
		{Origin: "https://a/feed", EntryID: "2", SortAt: now, Data: []byte("two"), Terms: []string{"#go"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// An edit rewrites the terms: entry 1 is no longer #go.
	if err := s.SaveTrackEntries(ctx, []TrackEntry{{Origin: "https://a/feed", EntryID: "1", SortAt: now.Add(-time.Hour),
		Data: []byte("one, edited"), Terms: []string{"w:hello"}}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.TrackCandidates(ctx, []string{"#go"}, 10)
	if err != nil || len(got) != 1 || string(got[0].Data) != "two" {
		t.Fatalf("candidates for #go: %+v %v", got, err)
	}
	if got, _ := s.TrackCandidates(ctx, []string{"w:hello"}, 10); len(got) != 1 || string(got[0].Data) != "one, edited" {
		t.Errorf("candidates for hello: %+v", got)
	}
	origins, _ := s.TrackOrigins(ctx, []string{"1", "3"})
	if len(origins) != 1 || origins["1"] != "https://a/feed" {
		t.Errorf("origins %v", origins)
	}
	if err := s.SweepTrack(ctx, now.Add(-time.Minute), now); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.TrackCandidates(ctx, []string{"w:hello"}, 10); len(got) != 0 {
		t.Errorf("an entry older than the keep time survived the sweep: %+v", got)
	}
}

// TestTrackEntryManyTerms stores an entry with more terms than one INSERT
// takes (a long post), repeated terms included, and finds it by each.
func TestTrackEntryManyTerms(t *testing.T) { eachStore(t, testTrackEntryManyTerms) }

func testTrackEntryManyTerms(t *testing.T, s testStore) {
	ctx := context.Background()
	var terms []string
	for i := range 2*termsPerInsert + 10 {
		terms = append(terms, fmt.Sprintf("w:word%d", i%(2*termsPerInsert+5)))
	}
	if err := s.SaveTrackEntries(ctx, []TrackEntry{{Origin: "https://a/feed", EntryID: "long", SortAt: testNow, Data: []byte("long"), Terms: terms}}); err != nil {
		t.Fatal(err)
	}
	for _, term := range []string{terms[0], terms[termsPerInsert], terms[2*termsPerInsert+4]} {
		if got, err := s.TrackCandidates(ctx, []string{term}, 10); err != nil || len(got) != 1 || got[0].EntryID != "long" {
			t.Errorf("candidates for %s: %+v %v", term, got, err)
		}
	}
	if n := countRows(t, s, "hub_track_terms"); n != 2*termsPerInsert+5 {
		t.Errorf("%d term rows, want %d: one per distinct term", n, 2*termsPerInsert+5)
	}
}

// TestSaveTrackEntriesBatch saves more entries than one statement takes,
// one of them twice in the same call (the last one counts), then again
// with one changed: only that one is re-indexed.
func TestSaveTrackEntriesBatch(t *testing.T) { eachStore(t, testSaveTrackEntriesBatch) }

func testSaveTrackEntriesBatch(t *testing.T, s testStore) {
	ctx := context.Background()
	now := testNow
	var entries []TrackEntry
	for i := range 2*entriesPerUpsert + 50 {
		entries = append(entries, TrackEntry{Origin: "https://a/feed", EntryID: fmt.Sprint(i), SortAt: now,
			Data: []byte(fmt.Sprint("entry ", i)), Terms: []string{"w:all", fmt.Sprint("w:e", i)}})
	}
	entries = append(entries, TrackEntry{Origin: "https://a/feed", EntryID: "7", SortAt: now, Data: []byte("seven, again"), Terms: []string{"w:again"}})
	if err := s.SaveTrackEntries(ctx, entries); err != nil {
		t.Fatal(err)
	}
	all, err := s.TrackCandidates(ctx, []string{"w:all"}, 10_000)
	if err != nil || len(all) != 2*entriesPerUpsert+49 {
		t.Fatalf("%d entries found by a term of all but one (%v), want %d", len(all), err, 2*entriesPerUpsert+49)
	}
	if got, _ := s.TrackCandidates(ctx, []string{"w:again"}, 10); len(got) != 1 || string(got[0].Data) != "seven, again" {
		t.Errorf("the entry saved twice in one call: %+v, want its last version", got)
	}
	if got, _ := s.TrackCandidates(ctx, []string{"w:e7"}, 10); len(got) != 0 {
		t.Errorf("the first version's terms of an entry saved twice were kept: %+v", got)
	}
	// Saved again, only entry 3 changed: its terms are rewritten, the others kept.
	entries[3].Data, entries[3].Terms = []byte("three, edited"), []string{"w:edited"}
	if err := s.SaveTrackEntries(ctx, entries); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.TrackCandidates(ctx, []string{"w:edited"}, 10); len(got) != 1 || got[0].EntryID != "3" {
		t.Errorf("edited entry: %+v", got)
	}
	if got, _ := s.TrackCandidates(ctx, []string{"w:e3"}, 10); len(got) != 0 {
		t.Errorf("an edited entry is still found by its old term: %+v", got)
	}
	if got, _ := s.TrackCandidates(ctx, []string{"w:e250"}, 10); len(got) != 1 {
		t.Errorf("an unchanged entry lost its terms: %+v", got)
	}
}

func TestPublishTrackedSendsEachEntryOnce(t *testing.T) {
	eachStore(t, testPublishTrackedSendsEachEntryOnce)
}

func testPublishTrackedSendsEachEntryOnce(t *testing.T, s testStore) {
	ctx := context.Background()
	now := testNow
	topic := "http://hub/track?q=%23go"
	subscribeN(t, s, topic, 2, now)
	publish := func(keys ...TrackKey) ([]int, FanOut) {
		var fresh []int
		out, err := s.PublishTracked(ctx, topic, keys, func(f []int) (FetchResult, error) {
			fresh = f
			return FetchResult{Changed: true, Body: []byte("doc"), Hash: "h", ContentType: "application/atom+xml"}, nil
		}, Handoff{}, now)
		if err != nil {
			t.Fatal(err)
		}
		return fresh, out
	}
	a, b := TrackKey{Origin: "o", EntryID: "a"}, TrackKey{Origin: "o", EntryID: "b"}
	if fresh, out := publish(a); !slices.Equal(fresh, []int{0}) || out.Deliveries != 2 {
		t.Errorf("first: fresh %v, %d deliveries", fresh, out.Deliveries)
	}
	if fresh, out := publish(a, b); !slices.Equal(fresh, []int{1}) || out.Deliveries != 2 {
		t.Errorf("second: fresh %v, %d deliveries; want only b, to both subscribers", fresh, out.Deliveries)
	}
	if fresh, out := publish(b, a); fresh != nil || out.ContentID != 0 {
		t.Errorf("third: fresh %v, content %d; want nothing", fresh, out.ContentID)
	}
	if _, out := publish(TrackKey{Origin: "o", EntryID: "c"}); out.ContentID == 0 {
		t.Error("a new entry was not published")
	}
	if out, err := s.PublishTracked(ctx, "http://hub/track?q=%23none", []TrackKey{a}, nil, Handoff{}, now); err != nil || out.ContentID != 0 {
		t.Errorf("unknown topic: %+v %v", out, err)
	}
}
