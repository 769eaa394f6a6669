package store

import (
	"context"
	"strings"
	"time"
)

// TrackEntry is an entry kept for tracked topics: its origin feed, its id,
// its time, its data (opaque to the store) and the terms it is found by.
type TrackEntry struct {
	Origin  string
	EntryID string
	SortAt  time.Time
	Data    []byte
	Terms   []string
}

// TrackKey names an entry of an origin feed.
type TrackKey struct {
	Origin  string
	EntryID string
}

// TrackStore is what tracked topics need of a store, besides Store.
type TrackStore interface {
	// SaveTrackEntries upserts entries and their terms.
	SaveTrackEntries(ctx context.Context, entries []TrackEntry) error
	// TrackCandidates returns up to n entries holding any of terms, newest first.
	TrackCandidates(ctx context.Context, terms []string, n int) ([]TrackEntry, error)
	// ActiveTrackTopics lists the topics starting with prefix that have an
	// active subscriber.
	ActiveTrackTopics(ctx context.Context, prefix string, now time.Time) ([]string, error)
	// CountTrackByHost counts active subscriptions of callback host to
	// topics starting with prefix.
	CountTrackByHost(ctx context.Context, host, prefix string, now time.Time) (int, error)
	// PublishTracked records keys as sent to topic and, in the same
	// transaction, fans out the content build makes of those not sent
	// before (their positions in keys) to topic's active subscribers. It
	// does nothing when all were sent before or topic is unknown.
	PublishTracked(ctx context.Context, topic string, keys []TrackKey, build func(fresh []int) (FetchResult, error), handoff Handoff, now time.Time) (FanOut, error)
	// TrackOrigins returns, for each of ids kept, the origin it was first
	// kept from.
	TrackOrigins(ctx context.Context, ids []string) (map[string]string, error)
	// RequestTrackFetch queues a fetch of topic even when nobody
	// subscribes to it (a publish ping), creating the topic if needed.
	RequestTrackFetch(ctx context.Context, topic string, now time.Time) error
	// SweepTrack forgets entries older than before, and the sent records
	// of tracked topics that have no active subscriber.
	SweepTrack(ctx context.Context, before, now time.Time) error
}

// lastOfEach drops all but the last of entries with the same origin and
// id, keeping the order otherwise.
func lastOfEach(entries []TrackEntry) []TrackEntry {
	last := make(map[TrackKey]int, len(entries))
	for i, e := range entries {
		last[TrackKey{e.Origin, e.EntryID}] = i
	}
	if len(last) == len(entries) {
		return entries
	}
	out := make([]TrackEntry, 0, len(last))
	for i, e := range entries {
		if last[TrackKey{e.Origin, e.EntryID}] == i {
			out = append(out, e)
		}
	}
	return out
}

// cmpKey orders keys by origin, then entry id.
func cmpKey(a, b TrackKey) int {
	if c := strings.Compare(a.Origin, b.Origin); c != 0 {
		return c
	}
	return strings.Compare(a.EntryID, b.EntryID)
}
