package trackbench

import (
	"testing"
	"time"
)

// The "same matches" comparison holds only if the queries drawn apart
// never match an entry, and the "more matches" one only if queries drawn
// from the entries' vocabulary do.
func TestWorkloadSameAndMoreMatches(t *testing.T) {
	const n = 600
	v := vocabFor(n)
	dense, err := queries(n, v, false, popular)
	if err != nil {
		t.Fatal(err)
	}
	same, err := queries(n, v, true, popular)
	if err != nil {
		t.Fatal(err)
	}
	for _, qs := range [][]string{dense, same} {
		seen := map[string]bool{}
		for i, q := range qs {
			if seen[q] {
				t.Fatalf("query %q twice", q)
			}
			seen[q] = true
			if i < len(popular) && q != popular[i] {
				t.Fatalf("query %d is %q, want the popular %q first", i, q, popular[i])
			}
		}
		if len(qs) != n {
			t.Fatalf("%d queries, want %d", len(qs), n)
		}
	}
	docs, origins := feeds(100, v, time.Now())
	entries, err := extract(docs, origins)
	if err != nil || len(entries) != 100 {
		t.Fatalf("extracted %d entries, err %v; want 100", len(entries), err)
	}
	_, fewIx, _ := indexOf(dense[:few])
	_, sameIx, _ := indexOf(same)
	_, denseIx, _ := indexOf(dense)
	_, fewMatched := census(fewIx, entries)
	_, sameMatched := census(sameIx, entries)
	_, denseMatched := census(denseIx, entries)
	if fewMatched == 0 || sameMatched != fewMatched || denseMatched <= fewMatched {
		t.Errorf("matches per entry: %v with %d popular queries, %v with the same and others apart, %v with %d from the vocabulary; want >0, equal, more",
			fewMatched, few, sameMatched, denseMatched, n)
	}
}
