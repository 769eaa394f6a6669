package hub

import (
	"sync"

	"github.com/rookery-social/rookery/hub/store"
)

// fetchWaiters lets a request wait for the next fetch of a topic that
// starts after it asked (rssCloud's ping answers with the fetch's outcome).
// A fetch that started before the request never answers it: it may have
// read the feed before the change the ping announces.
type fetchWaiters struct {
	mu  sync.Mutex
	seq uint64
	m   map[string][]*fetchWaiter
}

type fetchWaiter struct {
	seq uint64
	ch  chan fetchOutcome // buffered: done never blocks
}

// fetchOutcome is what a waiter learns of a fetch.
type fetchOutcome struct {
	err     string // the fetch failed
	notFeed error  // the new content is not a feed
}

func newFetchWaiters() *fetchWaiters { return &fetchWaiters{m: map[string][]*fetchWaiter{}} }

// add registers a waiter for topic.
func (f *fetchWaiters) add(topic string) *fetchWaiter {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	w := &fetchWaiter{seq: f.seq, ch: make(chan fetchOutcome, 1)}
	f.m[topic] = append(f.m[topic], w)
	return w
}

// remove forgets a waiter.
func (f *fetchWaiters) remove(topic string, w *fetchWaiter) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ws := f.m[topic]
	for i, x := range ws {
		if x == w {
			ws = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) == 0 {
		delete(f.m, topic)
	} else {
		f.m[topic] = ws
	}
}

// mark is taken when a fetch starts: the waiters registered so far.
func (f *fetchWaiters) mark() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seq
}

// done tells the waiters of topic registered before mark how its fetch went.
func (f *fetchWaiters) done(topic string, mark uint64, res store.FetchResult) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ws := f.m[topic]
	if len(ws) == 0 {
		return
	}
	var out fetchOutcome
	switch {
	case res.Err != "":
		out.err = res.Err
	case res.Changed:
		out.notFeed = isFeed(res.Body)
	}
	keep := ws[:0]
	for _, w := range ws {
		if w.seq > mark {
			keep = append(keep, w)
			continue
		}
		w.ch <- out
	}
	if len(keep) == 0 {
		delete(f.m, topic)
	} else {
		f.m[topic] = keep
	}
}
