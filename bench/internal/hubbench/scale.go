package hubbench

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/rookery-social/rookery/bench/internal/measure"
	"github.com/rookery-social/rookery/bench/internal/proc"
)

// scale measures the hub binary on a store of n subscriptions: the store's
// size, the restart time (exec until /healthz answers), and the process's
// resident memory idle and at its peak through one fan-out to all n.
func scale(ctx context.Context, cfg Config, n int) ([]measure.Figure, error) {
	cb := newCallbacks(callbackServers)
	defer cb.close()
	tp := newTopic()
	defer tp.srv.Close()
	dbPath := filepath.Join(cfg.Work, fmt.Sprintf("scale-%d.db", n))
	if err := subscribe(ctx, dbPath, tp.url(), n, cb); err != nil {
		return nil, err
	}
	size := proc.FileSizes(dbPath, dbPath+"-wal")
	restarts, idle, peak, err := runBinary(ctx, cfg.Bin, cfg.Work, dbPath, cfg.Runs, cb, tp, n)
	if err != nil {
		return nil, err
	}
	after := proc.FileSizes(dbPath, dbPath+"-wal")
	label := measure.Count(n) + " subscriptions"
	fmt.Fprintf(cfg.Log, "hub: %s: store %.1f MiB, peak RSS %.1f MiB\n", label, mib(size), mib(peak.Peak))
	one := func(name, unit string, v float64) measure.Figure {
		return measure.Single(section, label+": "+name, unit, v)
	}
	figs := []measure.Figure{
		one("store size (db + wal)", "MiB", mib(size)),
		one("store size after one fan-out to all", "MiB", mib(after)),
		one("hub binary RSS, idle after start", "MiB", mib(idle.RSS)),
		one("hub binary peak RSS through one fan-out to all", "MiB", mib(peak.Peak)),
		measure.FromSummary(section, label+": restart, exec until /healthz answers", "ms", measure.Summarize(restarts)),
	}
	return figs, nil
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// runBinary starts the hub binary on the store db runs times, timing each
// start until /healthz answers (ms); on the first start it reads the
// process's idle memory, publishes tp once and reads its peak memory after
// all n subscribers got the update.
func runBinary(ctx context.Context, bin, work, db string, runs int, cb *callbacks, tp *topic, n int) (restarts []float64, idle, peak proc.Memory, err error) {
	addr, err := proc.FreeAddr()
	if err != nil {
		return nil, idle, peak, err
	}
	r := proc.Runner{Bin: bin, Env: proc.Env(work), Dir: work}
	args := []string{"--addr", addr, "--db", db, "--allow-private", "--rate-limit", "1000",
		"--rate-burst", "1000", "--poll-interval", "0", "--log-level", "warn"}
	for round := range runs {
		d, took, err := startHub(r, work, addr, args, round)
		if err != nil {
			return nil, idle, peak, err
		}
		restarts = append(restarts, float64(took)/float64(time.Millisecond))
		if round == 0 {
			idle, peak, err = fanOutBinary(ctx, d, cb, tp, addr, n)
		}
		d.Stop()
		if err != nil {
			return nil, idle, peak, err
		}
	}
	return restarts, idle, peak, nil
}

// startHub starts the hub binary and waits until /healthz answers.
func startHub(r proc.Runner, work, addr string, args []string, round int) (*proc.Daemon, time.Duration, error) {
	d, err := r.Start(filepath.Join(work, fmt.Sprintf("hub-%s-%d.log", addr, round)), "hub", args...)
	if err != nil {
		return nil, 0, err
	}
	if err := d.WaitHTTP("http://"+addr+"/healthz", 2*time.Minute); err != nil {
		d.Stop()
		return nil, 0, err
	}
	return d, time.Since(d.Started), nil
}

// fanOutBinary reads the hub's idle memory, then publishes once and waits
// for all n deliveries, returning the memory after.
func fanOutBinary(ctx context.Context, d *proc.Daemon, cb *callbacks, tp *topic, addr string, n int) (idle, peak proc.Memory, err error) {
	if idle, err = proc.ReadMemory(d.Cmd.Process.Pid); err != nil {
		return idle, peak, err
	}
	tp.bump()
	cb.expect(n)
	if err = ping(ctx, "http://"+addr+"/", tp.url()); err != nil {
		return idle, peak, err
	}
	if err = cb.await(deliveryTimeout(n)); err != nil {
		return idle, peak, fmt.Errorf("%w\n%s", err, d.Tail())
	}
	peak, err = proc.ReadMemory(d.Cmd.Process.Pid)
	return idle, peak, err
}
