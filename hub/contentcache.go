package hub

import (
	"context"
	"sync"

	"github.com/rookery-social/rookery/hub/store"
)

// contentCache keeps recently delivered content versions in memory, so a
// fan-out loads each body once.
type contentCache struct {
	st      store.Store
	mu      sync.Mutex
	entries map[int64]*cacheEntry
}

type cacheEntry struct {
	once sync.Once
	c    store.Content
	err  error
}

const contentCacheSize = 32

func newContentCache(st store.Store) *contentCache {
	return &contentCache{st: st, entries: map[int64]*cacheEntry{}}
}

// put stores content that was just created (perhaps not yet committed).
func (cc *contentCache) put(c store.Content) {
	e := &cacheEntry{c: c}
	e.once.Do(func() {})
	cc.mu.Lock()
	defer cc.mu.Unlock()
	cc.evict()
	cc.entries[c.ID] = e
}

// evict makes room for one entry; cc.mu is held.
func (cc *contentCache) evict() {
	if len(cc.entries) < contentCacheSize {
		return
	}
	for k := range cc.entries { // one at random
		delete(cc.entries, k)
		return
	}
}

func (cc *contentCache) get(ctx context.Context, id int64) (store.Content, error) {
	cc.mu.Lock()
	e, ok := cc.entries[id]
	if !ok {
		cc.evict()
		e = &cacheEntry{}
		cc.entries[id] = e
	}
	cc.mu.Unlock()
	e.once.Do(func() { e.c, e.err = cc.st.Content(context.WithoutCancel(ctx), id) })
	if e.err != nil {
		cc.mu.Lock()
		if cc.entries[id] == e {
			delete(cc.entries, id)
		}
		cc.mu.Unlock()
	}
	return e.c, e.err
}
