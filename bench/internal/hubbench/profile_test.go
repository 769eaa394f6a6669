package hubbench

import (
	"context"
	"path/filepath"
	"testing"
)

// BenchmarkFanOut is the fan-out figure's workload at 1,000 subscribers,
// for profiles: go test -run '^$' -bench FanOut -cpuprofile cpu.out ./bench/internal/hubbench
func BenchmarkFanOut(b *testing.B) {
	ctx := context.Background()
	g, err := newRig(ctx, filepath.Join(b.TempDir(), "hub.db"), 1000)
	if err != nil {
		b.Fatal(err)
	}
	defer g.close()
	for b.Loop() {
		if _, err := hubRound(ctx, g.cb, g.tp, g.hubURL, 1000); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "deliveries/s")
}

// BenchmarkBareLoop is the reference's workload.
func BenchmarkBareLoop(b *testing.B) {
	ctx := context.Background()
	g, err := newRig(ctx, filepath.Join(b.TempDir(), "hub.db"), 0)
	if err != nil {
		b.Fatal(err)
	}
	defer g.close()
	hc := g.h.Config()
	bare := newBareLoop(hc.DeliveryConcurrency, hc.HostConcurrency, hc.PublicURL)
	for b.Loop() {
		if _, err := bare.round(ctx, g.cb, g.tp, 1000); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "deliveries/s")
}
