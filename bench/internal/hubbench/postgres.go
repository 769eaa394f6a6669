package hubbench

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"time"

	"github.com/rookery-social/rookery/bench/internal/measure"
	"github.com/rookery-social/rookery/bench/internal/proc"
	"github.com/rookery-social/rookery/internal/pgtest"
)

// pgSection names the PostgreSQL figures in the report.
const pgSection = "Hub on PostgreSQL"

// PostgresConfig says what to measure of the hub on PostgreSQL.
type PostgresConfig struct {
	FanOuts    []int // subscriber counts of the fan-out comparison
	FanOutRuns int   // rounds per fan-out size (median of them)
	Held       int   // subscriptions held for the store, memory and restart figures; 0 skips them
	Runs       int   // restarts timed
	Bin        string
	Work       string
	Log        io.Writer
}

// pgNote explains the PostgreSQL figures in the report.
const pgNote = "Hub on PostgreSQL: a PostgreSQL server of Debian's postgresql package started for the run on the same machine " +
	"(a fresh cluster, PostgreSQL's default durability: fsync on, synchronous_commit on; the hub's default pool of 16 connections). " +
	"Fan-out: four contenders in one process, each with its own subscribers on the same 8 loopback callback servers, " +
	"taking turns in a rotating order after one warm-up round of each: the bare Go loop, the hub on SQLite (as in the Hub section), " +
	"the hub on PostgreSQL, and two hub instances sharing one PostgreSQL database (the ping goes to the first; both claim deliveries with " +
	"FOR UPDATE SKIP LOCKED). The instances share this machine's cores, so a second one adds claiming and no CPU: the gain of several " +
	"instances needs several machines. Held: N subscriptions to a topic that is never pinged, plus 1,000 to one that is, inserted through " +
	"the store (`FinishVerification`; PostgreSQL from 8 connections with synchronous_commit off for the load only); the `hub` binary on that " +
	"store: its RSS idle after start and its peak through one fan-out to the 1,000; restart from exec until `GET /healthz` answers 200; " +
	"store size is the SQLite file and its WAL, or `pg_database_size` (tables, indexes and their free space)."

// RunPostgres takes the PostgreSQL figures. It starts its own server.
func RunPostgres(ctx context.Context, cfg PostgresConfig) ([]measure.Figure, []string, error) {
	if err := pgtest.Available(); err != nil {
		return nil, nil, fmt.Errorf("hubbench: %w: install postgresql (apt-get install postgresql) or leave the postgres group out (--only)", err)
	}
	srv, err := pgtest.StartWith(pgtest.Options{Durable: true})
	if err != nil {
		return nil, nil, fmt.Errorf("hubbench: starting PostgreSQL: %w", err)
	}
	defer srv.Stop()
	var figs []measure.Figure
	for _, n := range cfg.FanOuts {
		f, err := pgFanOut(ctx, cfg, srv, n)
		figs = append(figs, f...)
		if err != nil {
			return figs, nil, err
		}
	}
	if cfg.Held > 0 {
		for _, b := range []backend{sqliteBackend{}, pgBackend{srv}} {
			f, err := held(ctx, cfg, b, cfg.Held)
			figs = append(figs, f...)
			if err != nil {
				return figs, nil, err
			}
		}
	}
	return figs, []string{pgNote}, nil
}

// contender is one side of the fan-out comparison.
type contender struct {
	name  string
	round func() (time.Duration, error)
	rates []float64 // deliveries per second, one per timed round
}

// pgFanOut compares, at n subscribers, the bare loop, the hub on SQLite,
// and one and two hub instances on PostgreSQL.
func pgFanOut(ctx context.Context, cfg PostgresConfig, srv *pgtest.Server, n int) ([]measure.Figure, error) {
	sq, err := newRig(ctx, filepath.Join(cfg.Work, fmt.Sprintf("pg-fanout-%d.db", n)), n)
	if sq != nil {
		defer sq.close()
	}
	if err != nil {
		return nil, err
	}
	pg1, err := pgRig(ctx, srv, n, 1)
	if pg1 != nil {
		defer pg1.close()
	}
	if err != nil {
		return nil, err
	}
	pg2, err := pgRig(ctx, srv, n, 2)
	if pg2 != nil {
		defer pg2.close()
	}
	if err != nil {
		return nil, err
	}
	hc := sq.h.Config()
	bare := newBareLoop(hc.DeliveryConcurrency, hc.HostConcurrency, hc.PublicURL)
	onHub := func(g *rig) func() (time.Duration, error) {
		return func() (time.Duration, error) { return hubRound(ctx, g.cb, g.tp, g.hubURL, n) }
	}
	cs := []*contender{
		{name: "bare Go loop, same concurrency", round: func() (time.Duration, error) { return bare.round(ctx, sq.cb, sq.tp, n) }},
		{name: "hub on SQLite (WAL)", round: onHub(sq)},
		{name: "hub on PostgreSQL, 1 instance", round: onHub(pg1.rig)},
		{name: "hub on PostgreSQL, 2 instances", round: onHub(pg2.rig)},
	}
	if err := rotate(cs, cfg.FanOutRuns, n); err != nil {
		return nil, err
	}
	for _, g := range []*rig{sq, pg1.rig, pg2.rig} {
		if u := g.cb.unsigned.Load(); u > 0 {
			return nil, fmt.Errorf("hubbench: %d deliveries arrived without a signature", u)
		}
	}
	return fanOutFigures(cfg, cs, n), nil
}

// rotate runs runs+1 rounds of every contender, starting each round one
// contender further on, and keeps the rates of all but the first (warm-up)
// round.
func rotate(cs []*contender, runs, n int) error {
	for round := range runs + 1 {
		for k := range cs {
			c := cs[(round+k)%len(cs)]
			settle()
			d, err := c.round()
			if err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			if round > 0 {
				c.rates = append(c.rates, float64(n)/d.Seconds())
			}
		}
	}
	return nil
}

func fanOutFigures(cfg PostgresConfig, cs []*contender, n int) []measure.Figure {
	bare, sq, pg1, pg2 := cs[0], cs[1], cs[2], cs[3]
	name := fmt.Sprintf("fan-out to %s subscribers", measure.Count(n))
	var figs []measure.Figure
	for _, c := range cs {
		figs = append(figs, measure.FromSummary(pgSection, name+": "+c.name, "deliveries/s", measure.Summarize(c.rates)))
	}
	ratio := func(what string, a, b *contender) measure.Figure {
		return measure.FromSummary(pgSection, name+": "+what, "×", measure.Summarize(measure.Ratios(a.rates, b.rates)))
	}
	// No target: the issue set none, and the database server shares the
	// bench machine's cores with the hub (see pgNote).
	vsBare := ratio("PostgreSQL, 1 instance / bare loop", pg1, bare)
	figs = append(figs, vsBare,
		ratio("PostgreSQL, 1 instance / SQLite", pg1, sq),
		ratio("PostgreSQL, 2 instances / 1 instance", pg2, pg1).Noted("same 2 cores: no CPU to add"))
	fmt.Fprintf(cfg.Log, "hub on PostgreSQL: fan-out %d: %.2f of the bare loop, %.2f of SQLite\n",
		n, vsBare.Value, figs[len(figs)-2].Value)
	return figs
}

// dbRig is a rig on a database of its own on the server, dropped on close.
type dbRig struct {
	*rig
	drop func()
}

func (g *dbRig) close() {
	if g.rig != nil {
		g.rig.close()
	}
	g.drop()
}

// pgRig starts instances hubs sharing a fresh PostgreSQL database with n
// subscribers.
func pgRig(ctx context.Context, srv *pgtest.Server, n, instances int) (*dbRig, error) {
	dsn, drop, err := srv.CreateDB()
	if err != nil {
		return nil, err
	}
	g, err := newRigWith(ctx, dsn, n, rigOptions{instances: instances})
	return &dbRig{rig: g, drop: drop}, err
}

// withParam returns the URL dsn with the query parameter k set to v.
func withParam(dsn, k, v string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	q.Set(k, v)
	u.RawQuery = q.Encode()
	return u.String()
}

// backend is a store the hub binary runs on, for the held figures.
type backend interface {
	name() string
	// create makes an empty store and returns its --db value and a
	// function that removes it.
	create(work string, n int) (db string, drop func(), err error)
	size(db string) (int64, error)
}

type sqliteBackend struct{}

func (sqliteBackend) name() string { return "SQLite" }

func (sqliteBackend) create(work string, n int) (string, func(), error) {
	return filepath.Join(work, fmt.Sprintf("held-%d.db", n)), func() {}, nil
}

func (sqliteBackend) size(db string) (int64, error) { return proc.FileSizes(db, db+"-wal"), nil }

type pgBackend struct{ srv *pgtest.Server }

func (pgBackend) name() string { return "PostgreSQL" }

func (b pgBackend) create(string, int) (string, func(), error) { return b.srv.CreateDB() }

func (b pgBackend) size(db string) (int64, error) {
	return b.srv.QueryInt(db, "SELECT pg_database_size(current_database())")
}

// liveSubscribers is the fan-out the held figures publish to.
const liveSubscribers = 1000

// held measures the hub binary on backend b holding n subscriptions (to a
// topic never pinged) and liveSubscribers more (to one that is): store
// size, restart time, and memory idle and through one fan-out.
func held(ctx context.Context, cfg PostgresConfig, b backend, n int) ([]measure.Figure, error) {
	cb := newCallbacks(callbackServers)
	defer cb.close()
	tp := newTopic()
	defer tp.srv.Close()
	db, drop, err := b.create(cfg.Work, n)
	if err != nil {
		return nil, err
	}
	defer drop()
	start := time.Now()
	if err := subscribe(ctx, db, tp.url(), liveSubscribers, cb); err != nil {
		return nil, err
	}
	if err := subscribeFrom(ctx, db, tp.url()+"?held", liveSubscribers, n, cb); err != nil {
		return nil, err
	}
	fmt.Fprintf(cfg.Log, "hub on PostgreSQL: %s: %s subscriptions stored in %s\n", b.name(), measure.Count(n), time.Since(start).Round(time.Second))
	size, err := b.size(db)
	if err != nil {
		return nil, err
	}
	restarts, idle, peak, err := runBinary(ctx, cfg.Bin, cfg.Work, db, cfg.Runs, cb, tp, liveSubscribers)
	if err != nil {
		return nil, err
	}
	label := fmt.Sprintf("%s subscriptions held, %s", measure.Count(n), b.name())
	fmt.Fprintf(cfg.Log, "hub on PostgreSQL: %s: store %.1f MiB, peak RSS %.1f MiB\n", label, mib(size), mib(peak.Peak))
	one := func(name, unit string, v float64) measure.Figure {
		return measure.Single(pgSection, label+": "+name, unit, v)
	}
	return []measure.Figure{
		one("store size", "MiB", mib(size)),
		one("hub binary RSS, idle after start", "MiB", mib(idle.RSS)),
		one("hub binary peak RSS through a fan-out to 1,000", "MiB", mib(peak.Peak)),
		measure.FromSummary(pgSection, label+": restart, exec until /healthz answers", "ms", measure.Summarize(restarts)),
	}, nil
}
