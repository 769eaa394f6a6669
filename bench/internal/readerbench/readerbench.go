package readerbench

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/rookery-social/rookery/bench/internal/measure"
	"github.com/rookery-social/rookery/bench/internal/proc"
)

const section = "reader"

// Config says what to measure.
type Config struct {
	Feeds, Entries int   // ingest: feeds of each format, entries per feed
	Listing        []int // stored posts of the latency databases
	Queries        int   // timed calls per listing query
	Push           int   // pushes timed into an open browser (0: none)
	Runs           int
	Root           string // the module's root: where the browser test runs
	Bin            string
	Work           string
	Log            io.Writer
}

// Run takes the reader's figures.
func Run(ctx context.Context, cfg Config) ([]measure.Figure, []string, error) {
	figs, err := ingest(ctx, cfg)
	if err != nil {
		return figs, nil, err
	}
	for _, n := range cfg.Listing {
		f, err := listing(ctx, cfg, n)
		figs = append(figs, f...)
		if err != nil {
			return figs, nil, err
		}
	}
	if cfg.Push > 0 {
		push, ok, err := pushToBrowser(ctx, cfg, cfg.Push)
		if err != nil {
			return figs, nil, err
		}
		if ok {
			figs = append(figs, push)
		}
	}
	note := "reader: ingest is `aggregate.Reader.Ingest` in-process (encoding repair, gofeed, sanitizing, extraction, SQLite + FTS5 upsert) on generated documents into a fresh database each round; " +
		"the reference is `gofeed.NewParser().Parse` of the same bytes. The listing databases are built with `aggregate/store.SaveFeed`, 1,000 entries per transaction, one followed feed per 1,000 posts " +
		"(feed URLs on a closed loopback port, so that `reader serve` polls reach nothing). Latencies are `aggregate.Reader.Timeline`/`Search` in-process (what every `reader` command runs), " +
		"after 3 warm-up calls; the web view's timeline page is its handler (`aggregate/web`) serving GET / on an httptest recorder, the same way. The push-to-browser figure is the browser test TestPushLatency (aggregate/web/browser): headless chromium on the timeline of an in-process `reader serve` (daemon, WebSub subscriber, web view), a loopback hub delivering each post; it runs from the reader's signal that it stored the post to the page's timestamp of the post's insertion (both on this machine's clock). The `reader timeline` command figure is the whole process, exec to exit. `reader serve` memory is its VmHWM (peak RSS) from /proc after it starts, polls its due feeds and the command timings run beside it."
	return figs, []string{note}, nil
}

// listing builds a database of n posts and times the listings on it.
func listing(ctx context.Context, cfg Config, n int) ([]measure.Figure, error) {
	path := filepath.Join(cfg.Work, fmt.Sprintf("listing-%d.db", n))
	fmt.Fprintf(cfg.Log, "reader: building a database of %d posts\n", n)
	rate, err := buildDB(ctx, path, n)
	if err != nil {
		return nil, err
	}
	label := measure.Count(n) + " posts: "
	one := func(name, unit string, v float64) measure.Figure {
		return measure.Single(section, label+name, unit, v)
	}
	figs := []measure.Figure{
		one("database build via aggregate/store.SaveFeed (bench setup)", "posts/s", rate),
		one("database size (db + wal)", "MiB", fileMiB(path)),
	}
	lat, err := latencies(ctx, path, n, cfg.Queries)
	figs = append(figs, lat...)
	if err != nil {
		return figs, err
	}
	cmd, mem, err := serveAndCommand(ctx, cfg, path, n)
	if err != nil {
		return figs, err
	}
	fmt.Fprintf(cfg.Log, "reader: %d posts: timeline p50 %.2f ms, serve peak %.0f MiB\n", n, lat[0].Value, mem)
	return append(figs,
		measure.Latency(section, label+"`reader timeline -n 50 --json` command, exec to exit", cmd),
		one("`reader serve` peak RSS", "MiB", mem)), nil
}

// serveAndCommand runs `reader serve` on the database, times the
// `reader timeline` command beside it, and returns the daemon's peak RSS.
func serveAndCommand(ctx context.Context, cfg Config, path string, n int) ([]float64, float64, error) {
	addr, err := proc.FreeAddr()
	if err != nil {
		return nil, 0, err
	}
	r := proc.Runner{Bin: cfg.Bin, Env: proc.Env(cfg.Work), Dir: cfg.Work}
	d, err := r.Start(filepath.Join(cfg.Work, fmt.Sprintf("serve-%d.log", n)), "reader", "serve", "--db", path, "--addr", addr)
	if err != nil {
		return nil, 0, err
	}
	defer d.Stop()
	if err := d.WaitHTTP("http://"+addr+"/healthz", time.Minute); err != nil {
		return nil, 0, err
	}
	var ms []float64
	for range max(cfg.Runs*4, 20) {
		took, err := r.Timed(ctx, "reader", "timeline", "-n", "50", "--json", "--db", path)
		if err != nil {
			return nil, 0, err
		}
		ms = append(ms, float64(took)/float64(time.Millisecond))
	}
	time.Sleep(time.Second) // let the first round of polls finish
	m, err := proc.ReadMemory(d.Cmd.Process.Pid)
	if err != nil {
		return nil, 0, err
	}
	return ms, float64(m.Peak) / (1 << 20), nil
}
