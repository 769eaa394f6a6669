// Package suite runs Rookery's benchmark suite: it builds the programs,
// runs each group of measurements at the sizes of a preset, and returns
// the report that becomes BENCHMARKS.md.
package suite

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/rookery-social/rookery/bench/internal/e2ebench"
	"github.com/rookery-social/rookery/bench/internal/hubbench"
	"github.com/rookery-social/rookery/bench/internal/measure"
	"github.com/rookery-social/rookery/bench/internal/proc"
	"github.com/rookery-social/rookery/bench/internal/readerbench"
	"github.com/rookery-social/rookery/bench/internal/sitebench"
	"github.com/rookery-social/rookery/bench/internal/trackbench"
)

// Preset is a set of sizes.
type Preset struct {
	Name           string
	Runs           int
	FanOutRuns     int // paired rounds of the hub fan-out (cheap, and noisy)
	HubFanOuts     []int
	HubStoreSizes  []int
	PGFanOuts      []int // subscriber counts of the PostgreSQL fan-out comparison
	PGFanOutRuns   int   // its rounds (four contenders each)
	PGHeld         int   // subscriptions held on each backend for store size, restart and memory
	SitePosts      []int
	IngestFeeds    int // feeds of each format (Atom and RSS)
	IngestEntries  int // entries per feed
	ListingPosts   []int
	ListingQueries int
	PushRounds     int // pushes timed into an open browser (0: none; needs chromium)
	Publishes      int
	TrackQueries   int // tracked queries of the "many" side
	TrackEntries   int // fetched entries matched per round
	TrackPasses    int // passes over them per timed match
	TrackFanOut    int // ordinary subscribers of the tracked fan-out
	TrackRuns      int // rounds of the tracked comparisons (four hubs per fan-out round)
}

// Presets are the sizes the suite knows: full is the issue's.
var Presets = map[string]Preset{
	"quick": {Name: "quick", Runs: 3, FanOutRuns: 3, HubFanOuts: []int{20}, HubStoreSizes: []int{200},
		PGFanOuts: []int{20}, PGFanOutRuns: 2, PGHeld: 200,
		SitePosts: []int{40}, IngestFeeds: 1, IngestEntries: 50, ListingPosts: []int{2000},
		ListingQueries: 20, Publishes: 3, TrackQueries: 200, TrackEntries: 50, TrackPasses: 3, TrackFanOut: 20, TrackRuns: 3},
	"mid": {Name: "mid", Runs: 5, FanOutRuns: 9, HubFanOuts: []int{100, 1000}, HubStoreSizes: []int{10_000},
		PGFanOuts: []int{1000}, PGFanOutRuns: 5, PGHeld: 100_000,
		SitePosts: []int{1000}, IngestFeeds: 5, IngestEntries: 1000, ListingPosts: []int{100_000},
		ListingQueries: 200, PushRounds: 20, Publishes: 30, TrackQueries: 10_000, TrackEntries: 500, TrackPasses: 50, TrackFanOut: 1000, TrackRuns: 15},
	"full": {Name: "full", Runs: 7, FanOutRuns: 21, HubFanOuts: []int{100, 1000, 10_000}, HubStoreSizes: []int{10_000, 100_000},
		PGFanOuts: []int{1000, 10_000}, PGFanOutRuns: 9, PGHeld: 1_000_000,
		SitePosts: []int{1000, 10_000}, IngestFeeds: 5, IngestEntries: 1000, ListingPosts: []int{100_000, 1_000_000},
		ListingQueries: 500, PushRounds: 35, Publishes: 100, TrackQueries: 10_000, TrackEntries: 1000, TrackPasses: 100, TrackFanOut: 1000, TrackRuns: 41},
}

// Groups are the measurement groups, in the order they run.
var Groups = []string{"hub", "postgres", "track", "site", "reader", "e2e"}

// Config is one run of the suite.
type Config struct {
	Preset Preset
	Root   string   // the module's root directory
	Bin    string   // built programs; "" builds them into Work
	Work   string   // scratch directory; "" makes a temporary one, removed after
	Only   []string // groups to run; empty means all
	Hugo   string   // the hugo binary; "" skips the Hugo reference
	Memory string   // a tmpfs directory where full builds are measured again; "" skips them
	Log    io.Writer
}

// Run runs the suite and returns its report.
func Run(ctx context.Context, cfg Config) (*measure.Report, error) {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.Work == "" {
		dir, err := os.MkdirTemp("", "rookery-bench-")
		if err != nil {
			return nil, fmt.Errorf("suite: %w", err)
		}
		defer os.RemoveAll(dir)
		cfg.Work = dir
	}
	if cfg.Bin == "" {
		cfg.Bin = filepath.Join(cfg.Work, "bin")
		fmt.Fprintln(cfg.Log, "suite: building feedpub, hub and reader")
		if err := proc.Build(ctx, cfg.Root, cfg.Bin); err != nil {
			return nil, err
		}
	}
	rep := &measure.Report{}
	for _, g := range Groups {
		if len(cfg.Only) > 0 && !slices.Contains(cfg.Only, g) {
			continue
		}
		start := time.Now()
		fmt.Fprintf(cfg.Log, "suite: %s…\n", g)
		figs, notes, err := runGroup(ctx, cfg, g)
		rep.Figures = append(rep.Figures, figs...)
		rep.Notes = append(rep.Notes, notes...)
		if err != nil {
			return rep, fmt.Errorf("suite: %s: %w", g, err)
		}
		fmt.Fprintf(cfg.Log, "suite: %s done in %s\n", g, time.Since(start).Round(time.Second))
	}
	return rep, nil
}

func runGroup(ctx context.Context, cfg Config, g string) ([]measure.Figure, []string, error) {
	p := cfg.Preset
	work := filepath.Join(cfg.Work, g)
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, nil, fmt.Errorf("suite: %w", err)
	}
	switch g {
	case "hub":
		return hubbench.Run(ctx, hubbench.Config{FanOuts: p.HubFanOuts, StoreSizes: p.HubStoreSizes,
			Runs: p.Runs, FanOutRuns: p.FanOutRuns, Bin: cfg.Bin, Work: work, Log: cfg.Log})
	case "postgres":
		return hubbench.RunPostgres(ctx, hubbench.PostgresConfig{FanOuts: p.PGFanOuts, FanOutRuns: p.PGFanOutRuns,
			Held: p.PGHeld, Runs: p.Runs, Bin: cfg.Bin, Work: work, Log: cfg.Log})
	case "track":
		return trackbench.Run(ctx, trackbench.Config{Queries: p.TrackQueries, Entries: p.TrackEntries, Passes: p.TrackPasses,
			Subscribers: p.TrackFanOut, Runs: p.TrackRuns, FanOutRuns: p.TrackRuns, Work: work, Log: cfg.Log})
	case "site":
		return sitebench.Run(ctx, sitebench.Config{Posts: p.SitePosts, Runs: p.Runs, Bin: cfg.Bin,
			Hugo: cfg.Hugo, Work: work, Memory: cfg.Memory, Log: cfg.Log})
	case "reader":
		return readerbench.Run(ctx, readerbench.Config{Feeds: p.IngestFeeds, Entries: p.IngestEntries,
			Listing: p.ListingPosts, Queries: p.ListingQueries, Push: p.PushRounds, Runs: p.Runs, Bin: cfg.Bin,
			Root: cfg.Root, Work: work, Log: cfg.Log})
	case "e2e":
		return e2ebench.Run(ctx, e2ebench.Config{Publishes: p.Publishes, Bin: cfg.Bin, Work: work, Log: cfg.Log})
	}
	return nil, nil, fmt.Errorf("suite: unknown group %q (know %v)", g, Groups)
}
