package readerbench

import (
	"context"
	"path/filepath"
	"testing"
)

// BenchmarkIngest is the ingest figure's workload in one process, for
// profiles: go test -run '^$' -bench Ingest -cpuprofile cpu.out ./bench/internal/readerbench
func BenchmarkIngest(b *testing.B) {
	docs := ingestDocs(5, 1000)
	for i := 0; b.Loop(); i++ {
		if _, err := ingestRound(context.Background(), filepath.Join(b.TempDir(), "r.db"), docs, 1000); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*10_000)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkGofeed is the reference's workload.
func BenchmarkGofeed(b *testing.B) {
	docs := ingestDocs(5, 1000)
	for b.Loop() {
		if _, err := gofeedRound(docs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*10_000)/b.Elapsed().Seconds(), "entries/s")
}
