package track

import (
	"sync"
	"sync/atomic"
)

// Index holds the tracked queries, keyed so that matching an entry looks
// only at the queries that could match it: tag queries by tag, mention
// queries by feed URL and by the feed's directory, word queries by their
// longest word (the one least likely to be common). The cost of Match
// grows with the entry's size and the candidates found, not with the
// number of queries. It is safe for concurrent use.
type Index struct {
	mu    sync.RWMutex
	all   map[string]Query
	tags  map[string][]string // tag → canonical queries
	feeds map[string][]string // feed URL → canonical queries
	dirs  map[string][]string // feed directory → canonical queries
	words map[string][]string // key word → canonical queries

	checked atomic.Int64
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	ix := &Index{}
	ix.reset()
	return ix
}

func (ix *Index) reset() {
	ix.all = map[string]Query{}
	ix.tags, ix.feeds = map[string][]string{}, map[string][]string{}
	ix.dirs, ix.words = map[string][]string{}, map[string][]string{}
}

// Checked is how many candidate queries Match has verified so far.
func (ix *Index) Checked() int64 { return ix.checked.Load() }

// Set replaces every query by qs.
func (ix *Index) Set(qs []Query) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.reset()
	for _, q := range qs {
		ix.add(q)
	}
}

// Add adds q (once).
func (ix *Index) Add(q Query) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.add(q)
}

func (ix *Index) add(q Query) {
	key := q.String()
	if _, ok := ix.all[key]; ok {
		return
	}
	ix.all[key] = q
	switch q.Kind {
	case KindTag:
		ix.tags[q.Tag] = append(ix.tags[q.Tag], key)
	case KindMention:
		ix.feeds[q.Feed] = append(ix.feeds[q.Feed], key)
		ix.dirs[dir(q.Feed)] = append(ix.dirs[dir(q.Feed)], key)
	case KindWords:
		w := keyWord(q.Words)
		ix.words[w] = append(ix.words[w], key)
	}
}

// keyWord is the longest word (the first of the longest).
func keyWord(words []string) string {
	best := words[0]
	for _, w := range words[1:] {
		if len(w) > len(best) {
			best = w
		}
	}
	return best
}

// Match returns the canonical form of every query e matches.
func (ix *Index) Match(e *Entry) []string {
	t := e.termsOf()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	seen := map[string]bool{}
	var out []string
	try := func(keys []string) {
		for _, k := range keys {
			if seen[k] {
				continue
			}
			seen[k] = true
			ix.checked.Add(1)
			if ix.all[k].Matches(e) {
				out = append(out, k)
			}
		}
	}
	for tag := range t.tags {
		try(ix.tags[tag])
	}
	for l := range t.links {
		try(ix.feeds[l])
	}
	for _, r := range t.replies {
		for _, d := range dirs(r) {
			try(ix.dirs[d])
		}
	}
	for w := range t.words {
		try(ix.words[w])
	}
	return out
}
