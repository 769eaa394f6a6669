package hub

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rookery-social/rookery/hub/store"
	"github.com/rookery-social/rookery/hub/track"
	"github.com/rookery-social/rookery/internal/websub"
)

// trackQueue is how many new topic versions may wait for matching; a full
// queue makes fetch workers wait, never deliveries.
const trackQueue = 256

// tracker matches every new topic version against the tracked queries, off
// the delivery path, and fans the new matching entries out to the
// subscribers of each tracked topic.
type tracker struct {
	h     *Hub
	st    store.TrackStore
	ix    *track.Index
	queue chan queued
	done  sync.WaitGroup
	once  sync.Once
	// unwatch ends the watch of other hub processes' subscription
	// changes (a store shared by several processes); watching says it ended.
	unwatch  context.CancelFunc
	watching sync.WaitGroup
}

// newTracker returns nil when tracking is off or the store cannot keep it.
func newTracker(h *Hub) *tracker {
	if h.cfg.NoTrack {
		return nil
	}
	st, ok := h.store.(store.TrackStore)
	if !ok {
		h.log.Warn("hub: this store cannot keep tracked topics: tracking is off")
		return nil
	}
	return &tracker{h: h, st: st, ix: track.NewIndex(), queue: make(chan queued, trackQueue)}
}

func (t *tracker) start(ctx context.Context) {
	t.refresh(ctx)
	t.watch(ctx)
	t.done.Add(1)
	go func() {
		defer t.done.Done()
		t.run(ctx)
	}()
}

// otherFormatGrace is how long an RSS or JSON Feed version waits before it
// is matched, so that the Atom version of the same entries, usually pinged
// at the same time, is taken as their origin.
const otherFormatGrace = 2 * time.Second

type deferred struct {
	c   store.Content
	due time.Time
}

// queued is a new topic version and when it arrived.
type queued struct {
	c  store.Content
	at time.Time
}

// deliveryFirst is how long matching a new version may wait for the
// deliveries in hand to finish: tracked topics come after the subscribers
// of the topic itself, but never later than this behind their arrival.
const deliveryFirst = 500 * time.Millisecond

// run matches queued versions in order; non-Atom ones after a grace. It
// returns when the queue is closed and everything in it is matched.
func (t *tracker) run(ctx context.Context) {
	var later []deferred
	for {
		timer := time.NewTimer(time.Hour)
		var due <-chan time.Time
		if len(later) > 0 {
			timer.Reset(later[0].due.Sub(t.h.now()))
			due = timer.C
		}
		var open bool
		later, open = t.step(ctx, due, later)
		timer.Stop()
		if !open {
			return
		}
	}
}

// step matches one queued version (or defers it), or the first deferred
// one when due; it reports false once the queue is closed (after
// matching what was deferred).
func (t *tracker) step(ctx context.Context, due <-chan time.Time, later []deferred) ([]deferred, bool) {
	select {
	case q, ok := <-t.queue:
		if !ok {
			for _, d := range later {
				t.handle(ctx, d.c)
			}
			return nil, false
		}
		if !isAtom(q.c) {
			return append(later, deferred{c: q.c, due: q.at.Add(otherFormatGrace)}), true
		}
		t.h.dist.awaitIdle(ctx, q.at.Add(deliveryFirst))
		t.handle(ctx, q.c)
	case <-due:
		t.handle(ctx, later[0].c)
		later = later[1:]
	}
	return later, true
}

// isAtom sniffs an Atom document.
func isAtom(c store.Content) bool {
	head := c.Body[:min(len(c.Body), 1024)]
	return strings.Contains(c.ContentType, "atom") || bytes.Contains(head, []byte("<feed"))
}

// stop ends the worker once the queued versions are matched.
func (t *tracker) stop() {
	t.once.Do(func() { close(t.queue) })
	t.done.Wait()
	if t.unwatch != nil {
		t.unwatch()
		t.watching.Wait()
	}
}

// watch keeps the index in step with the tracked topics that other hub
// processes sharing the store subscribe or unsubscribe (PostgreSQL's
// NOTIFY): the index is rebuilt on each change of a tracked topic, and
// whenever the watch (re)connects.
func (t *tracker) watch(ctx context.Context) {
	w, ok := t.h.store.(store.SubscriptionWatcher)
	if !ok {
		return
	}
	ctx, t.unwatch = context.WithCancel(ctx)
	t.watching.Add(1)
	go func() {
		defer t.watching.Done()
		w.WatchSubscriptions(ctx, func(topic string) {
			if _, ok, _ := track.FromURL(t.h.cfg.PublicURL, topic); ok || topic == "" {
				t.refresh(ctx)
			}
		})
	}()
}

func (t *tracker) enqueue(ctx context.Context, c store.Content) {
	if _, ok, _ := track.FromURL(t.h.cfg.PublicURL, c.Topic); ok {
		return // a tracked topic's own content
	}
	select {
	case t.queue <- queued{c: c, at: t.h.now()}:
	case <-ctx.Done():
	}
}

// verified updates the index after a verified (un)subscription: a new
// query is added at once; an unsubscription rebuilds the index, as the
// query may have other subscribers.
func (t *tracker) verified(ctx context.Context, mode string, q track.Query) {
	if mode == websub.ModeSubscribe {
		t.ix.Add(q)
		return
	}
	t.refresh(ctx)
}

// refresh rebuilds the index from the tracked topics with active subscribers.
func (t *tracker) refresh(ctx context.Context) {
	topics, err := t.st.ActiveTrackTopics(ctx, track.TrackURL(t.h.cfg.PublicURL)+"?", t.h.now())
	if err != nil {
		t.h.log.Error("hub: loading tracked topics", "err", err)
		return
	}
	qs := make([]track.Query, 0, len(topics))
	for _, u := range topics {
		if q, ok, err := track.FromURL(t.h.cfg.PublicURL, u); ok && err == nil {
			qs = append(qs, q)
		}
	}
	t.ix.Set(qs)
}

// handle keeps the entries of a new topic version and delivers the new
// matching ones to each tracked topic.
func (t *tracker) handle(ctx context.Context, c store.Content) {
	entries, err := track.Extract(c.Body, c.Topic)
	if err != nil {
		t.h.log.Debug("hub: tracking skips a topic it cannot parse", "topic", c.Topic, "err", err)
		return
	}
	now := t.h.now()
	entries = t.recent(entries, now)
	if !isAtom(c) {
		entries = t.notElsewhere(ctx, entries)
	}
	if err := t.save(ctx, entries, now); err != nil {
		t.h.log.Error("hub: keeping entries for tracking", "topic", c.Topic, "err", err)
	}
	for q, idx := range t.match(entries) {
		t.publish(ctx, q, pick(entries, idx), now)
	}
}

// notElsewhere drops entries already kept from another origin (the Atom
// feed of the same site, for RSS and JSON Feed versions).
func (t *tracker) notElsewhere(ctx context.Context, entries []track.Entry) []track.Entry {
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	known, err := t.st.TrackOrigins(ctx, ids)
	if err != nil {
		t.h.log.Error("hub: tracking", "err", err)
		return entries
	}
	return slices.DeleteFunc(entries, func(e track.Entry) bool {
		o, ok := known[e.ID]
		return ok && o != e.Source.Self
	})
}

// recent drops entries older than TrackKeep.
func (t *tracker) recent(entries []track.Entry, now time.Time) []track.Entry {
	cutoff := now.Add(-t.h.cfg.TrackKeep)
	return slices.DeleteFunc(entries, func(e track.Entry) bool {
		return !e.When().IsZero() && e.When().Before(cutoff)
	})
}

func (t *tracker) save(ctx context.Context, entries []track.Entry, now time.Time) error {
	rows := make([]store.TrackEntry, 0, len(entries))
	for i := range entries {
		e := &entries[i]
		data, err := json.Marshal(e)
		if err != nil {
			return err
		}
		rows = append(rows, store.TrackEntry{Origin: e.Source.Self, EntryID: e.ID, SortAt: cmp.Or(e.When(), now),
			Data: data, Terms: e.StoreTerms()})
	}
	return t.st.SaveTrackEntries(ctx, rows)
}

// match groups the entries' positions by the canonical query they match.
func (t *tracker) match(entries []track.Entry) map[string][]int {
	out := map[string][]int{}
	for i := range entries {
		for _, q := range t.ix.Match(&entries[i]) {
			out[q] = append(out[q], i)
		}
	}
	return out
}

func pick(entries []track.Entry, idx []int) []track.Entry {
	out := make([]track.Entry, 0, len(idx))
	for _, i := range idx {
		out = append(out, entries[i])
	}
	return out
}

// publish delivers the entries not yet sent to the tracked topic of query.
func (t *tracker) publish(ctx context.Context, query string, entries []track.Entry, now time.Time) {
	q, err := track.Parse(query)
	if err != nil {
		return
	}
	topic := q.URL(t.h.cfg.PublicURL)
	keys := make([]store.TrackKey, len(entries))
	for i, e := range entries {
		keys[i] = store.TrackKey{Origin: e.Source.Self, EntryID: e.ID}
	}
	build := func(fresh []int) (store.FetchResult, error) {
		return t.document(q, pick(entries, fresh), now)
	}
	handoff := store.Handoff{Max: t.h.dist.handoffRoom(), Until: now.Add(t.h.cfg.ClaimTimeout),
		Hand: func(c store.Content, ds []store.Delivery) {
			t.h.contents.put(c)
			t.h.dist.hand(ctx, ds)
		}}
	out, err := t.st.PublishTracked(context.WithoutCancel(ctx), topic, keys, build, handoff, now)
	if err != nil {
		t.h.log.Error("hub: delivering tracked entries", "topic", topic, "err", err)
		return
	}
	if out.ContentID != 0 {
		t.h.log.Info("hub: new tracked entries", "topic", topic, "deliveries", out.Deliveries)
		wake(t.h.deliverWake)
	}
}

// document renders entries, newest first, as a tracked topic's content.
func (t *tracker) document(q track.Query, entries []track.Entry, now time.Time) (store.FetchResult, error) {
	slices.SortStableFunc(entries, func(a, b track.Entry) int { return b.When().Compare(a.When()) })
	body, err := track.Document(track.Feed{Self: q.URL(t.h.cfg.PublicURL), Hub: t.h.cfg.PublicURL,
		Query: q.String(), Now: now}, entries)
	if err != nil {
		return store.FetchResult{}, err
	}
	sum := sha256.Sum256(body)
	return store.FetchResult{Changed: true, ContentType: "application/atom+xml", Body: body,
		Hash: hex.EncodeToString(sum[:]), Status: "tracked"}, nil
}

// sweep forgets old entries and refreshes the index (leases end).
func (t *tracker) sweep(ctx context.Context) {
	now := t.h.now()
	t.h.errs.trackSweep.report(t.st.SweepTrack(ctx, now.Add(-t.h.cfg.TrackKeep), now))
	t.refresh(ctx)
}

// trackRefusal says whether v's topic is a track URL of this hub and, if
// so, why a subscription to it is refused ("" to go on).
func (h *Hub) trackRefusal(ctx context.Context, v store.Verification) (string, bool) {
	_, ok, err := track.FromURL(h.cfg.PublicURL, v.Topic)
	switch {
	case !ok:
		return "", false
	case h.track == nil:
		return "tracking is turned off on this hub", true
	case err != nil:
		return err.Error(), true
	}
	if sub, err := h.store.Subscription(ctx, v.Topic, v.Callback); err == nil && sub.State == store.StateActive {
		return "", true // a renewal
	}
	host := store.CallbackHost(v.Callback)
	n, err := h.track.st.CountTrackByHost(ctx, host, track.TrackURL(h.cfg.PublicURL)+"?", h.now())
	if err != nil {
		h.log.Error("hub: counting tracked subscriptions", "err", err)
		return "", true
	}
	if n >= h.cfg.TrackMaxPerHost {
		return fmt.Sprintf("callback host %s already tracks %d queries, the most this hub allows", host, n), true
	}
	return "", true
}

// requestFetch queues the fetch a publish ping asks for and reports
// whether it did. With tracking on, a topic nobody subscribes to is
// fetched too, for the tracked topics (tracked topics themselves never).
func (h *Hub) requestFetch(ctx context.Context, topic string, now time.Time) (bool, error) {
	queued, err := h.store.RequestFetch(ctx, topic, now)
	if err != nil || queued || h.track == nil {
		return queued, err
	}
	if _, ok, _ := track.FromURL(h.cfg.PublicURL, topic); ok {
		return false, nil
	}
	if err := h.track.st.RequestTrackFetch(ctx, topic, now); err != nil {
		return false, err
	}
	return true, nil
}
