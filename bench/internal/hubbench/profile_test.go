package hubbench

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/rookery-social/rookery/internal/pgtest"
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

// BenchmarkTrackedFanOut is the tracked-topics fan-out's workload: 1,000
// subscribers in a hub holding 10,000 tracked queries, three of which
// match every publish. For profiles:
// go test -run '^$' -bench TrackedFanOut -cpuprofile cpu.out ./bench/internal/hubbench
func BenchmarkTrackedFanOut(b *testing.B) {
	ctx := context.Background()
	qs := make([]string, 0, 10_000)
	for i := range 10_000 - len(HotQueries) {
		qs = append(qs, fmt.Sprintf("#t%d", i))
	}
	qs = append(qs, HotQueries...)
	tcb := newCallbacks(trackedCallbackServers)
	defer tcb.close()
	g, err := newRigWith(ctx, filepath.Join(b.TempDir(), "hub.db"), 1000, rigOptions{
		before: func(ctx context.Context, dbPath, publicURL string) error {
			return subscribeTracked(ctx, dbPath, publicURL, qs, tcb)
		}})
	if err != nil {
		b.Fatal(err)
	}
	defer g.close()
	for b.Loop() {
		if _, err := trackedRound(ctx, g, tcb, 1000, len(HotQueries)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "deliveries/s")
}

// BenchmarkFanOutPostgres is the fan-out figure's workload on PostgreSQL
// (a durable throwaway server) at 1,000 subscribers, with one hub instance
// and with two sharing the database. For profiles:
// go test -run '^$' -bench FanOutPostgres -cpuprofile cpu.out ./bench/internal/hubbench
func BenchmarkFanOutPostgres(b *testing.B) {
	if err := pgtest.Available(); err != nil {
		b.Skip(err)
	}
	srv, err := pgtest.StartWith(pgtest.Options{Durable: true})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Stop()
	for _, instances := range []int{1, 2} {
		b.Run(fmt.Sprintf("%d-instances", instances), func(b *testing.B) {
			ctx := context.Background()
			g, err := pgRig(ctx, srv, 1000, instances)
			if g != nil {
				defer g.close()
			}
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := hubRound(ctx, g.cb, g.tp, g.hubURL, 1000); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "deliveries/s")
		})
	}
}
