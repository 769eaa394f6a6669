package track

import (
	"fmt"
	"testing"
)

// BenchmarkMatch measures matching one fetched entry against the index
// with 10 and with 10,000 tracked queries (a third each tags, mentions
// and words): the cost per entry should not grow with the queries.
func BenchmarkMatch(b *testing.B) {
	es, err := Extract([]byte(atomDoc), "https://alice.example/feed.atom")
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{10, 10000} {
		b.Run(fmt.Sprintf("queries=%d", n), func(b *testing.B) {
			ix := NewIndex()
			qs := queries(n)
			for _, s := range []string{"#golang", "@https://bob.example/feed.atom", "static site"} {
				q, _ := Parse(s)
				qs = append(qs, q)
			}
			ix.Set(qs)
			for i := range es {
				es[i].termsOf() // terms are computed once per entry, outside the index
			}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				ix.Match(&es[i%len(es)])
			}
		})
	}
}

// BenchmarkExtractAndMatch includes parsing the feed and computing each
// entry's terms: the whole cost per fetched entry.
func BenchmarkExtractAndMatch(b *testing.B) {
	for _, n := range []int{10, 10000} {
		b.Run(fmt.Sprintf("queries=%d", n), func(b *testing.B) {
			ix := NewIndex()
			ix.Set(queries(n))
			for b.Loop() {
				es, _ := Extract([]byte(atomDoc), "https://alice.example/feed.atom")
				for i := range es {
					ix.Match(&es[i])
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*5), "ns/entry")
		})
	}
}
