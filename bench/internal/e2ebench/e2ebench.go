// Package e2ebench measures the whole flow on loopback: from `feedpub ping`
// until `reader serve` has stored the post, with the hub, the author's
// site (`feedpub serve`) and the reader daemon as subprocesses.
package e2ebench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/rookery-social/rookery/bench/internal/measure"
	"github.com/rookery-social/rookery/bench/internal/proc"
	"github.com/rookery-social/rookery/internal/sqlitedb"
)

const section = "End to end"

// Config says what to measure.
type Config struct {
	Publishes int
	Bin       string
	Work      string
	Log       io.Writer
}

// system is the running hub, site and reader daemon.
type system struct {
	r              proc.Runner
	site, readerDB string
	siteAddr       string
	daemons        []*proc.Daemon
}

func (s *system) stop() {
	for i := len(s.daemons) - 1; i >= 0; i-- {
		s.daemons[i].Stop()
	}
}

// Run publishes cfg.Publishes posts one after another and times each from
// the exec of `feedpub ping` until the post is in the reader's database.
func Run(ctx context.Context, cfg Config) ([]measure.Figure, []string, error) {
	s, err := start(ctx, cfg)
	if s != nil {
		defer s.stop()
	}
	if err != nil {
		return nil, nil, err
	}
	db, err := sqlitedb.Open(s.readerDB)
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	var total, pings []float64
	for i := range cfg.Publishes {
		t, p, err := s.publish(ctx, db, i)
		if err != nil {
			return nil, nil, err
		}
		total, pings = append(total, t), append(pings, p)
	}
	fmt.Fprintf(cfg.Log, "e2e: p50 %.1f ms\n", measure.Latency(section, "", total).Value)
	name := fmt.Sprintf("%d publishes: ", cfg.Publishes)
	note := "End to end: `hub` (default settings but `--allow-private` and a raised rate limit), `feedpub serve` of the author's site and `reader serve` run as subprocesses on loopback, as in scripts/demo.sh; the reader follows the site and is subscribed through the hub. " +
		"Each round writes a post (`feedpub post`), builds (`feedpub build`), then times from the exec of `feedpub ping` until the post's row is in the reader's SQLite database (polled every millisecond); " +
		"that includes the hub's topic fetch, the signed delivery, and the reader's verification, parse and store."
	return []measure.Figure{
		measure.Latency(section, name+"`feedpub ping` until the post is stored by `reader serve`", total).Below(100, "p50 < 100 ms"),
		measure.Latency(section, name+"of which the `feedpub ping` command itself, exec to exit", pings),
	}, []string{note}, nil
}

func start(ctx context.Context, cfg Config) (*system, error) {
	addrs := make([]string, 3)
	for i := range addrs {
		a, err := proc.FreeAddr()
		if err != nil {
			return nil, err
		}
		addrs[i] = a
	}
	hubAddr, siteAddr, readerAddr := addrs[0], addrs[1], addrs[2]
	s := &system{r: proc.Runner{Bin: cfg.Bin, Env: proc.Env(cfg.Work), Dir: cfg.Work, Wait: time.Minute},
		site: filepath.Join(cfg.Work, "site"), readerDB: filepath.Join(cfg.Work, "reader.db"), siteAddr: siteAddr}
	daemon := func(url, name string, args ...string) error {
		d, err := s.r.Start(filepath.Join(cfg.Work, name+".log"), name, args...)
		if err != nil {
			return err
		}
		s.daemons = append(s.daemons, d)
		return d.WaitHTTP(url, time.Minute)
	}
	if err := daemon("http://"+hubAddr+"/healthz", "hub", "--addr", hubAddr, "--db", filepath.Join(cfg.Work, "hub.db"),
		"--allow-private", "--rate-limit", "1000", "--rate-burst", "1000", "--log-level", "warn"); err != nil {
		return s, err
	}
	steps := [][]string{
		{"feedpub", "init", s.site, "--title", "Bench", "--author", "bench", "--url", "http://" + siteAddr + "/", "--hub", "http://" + hubAddr + "/"},
		{"feedpub", "post", "--dir", s.site, "First post."},
		{"feedpub", "build", "--dir", s.site},
		{"reader", "init", "--db", s.readerDB, "--me", "http://" + siteAddr + "/feed.atom"},
	}
	if err := s.run(ctx, steps); err != nil {
		return s, err
	}
	if err := daemon("http://"+siteAddr+"/feed.atom", "feedpub", "serve", "--dir", s.site, "--addr", siteAddr); err != nil {
		return s, err
	}
	if err := daemon("http://"+readerAddr+"/healthz", "reader", "serve", "--db", s.readerDB, "--addr", readerAddr, "--allow-private"); err != nil {
		return s, err
	}
	if err := s.run(ctx, [][]string{{"reader", "follow", "--db", s.readerDB, "http://" + siteAddr + "/", "--nick", "bench"}}); err != nil {
		return s, err
	}
	return s, s.awaitPush(ctx)
}

func (s *system) run(ctx context.Context, steps [][]string) error {
	for _, st := range steps {
		if _, err := s.r.Run(ctx, st[0], st[1:]...); err != nil {
			return err
		}
	}
	return nil
}

var pushMode = regexp.MustCompile(`"mode":\s*"push"`)

// awaitPush waits (up to 30 s) until the reader is subscribed via the hub.
func (s *system) awaitPush(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		out, err := s.r.Run(ctx, "reader", "following", "--json", "--db", s.readerDB)
		if err == nil && pushMode.MatchString(out) {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("e2ebench: the reader did not subscribe through the hub within 30 s (see the logs in %s)", s.r.Dir)
}

var keyLine = regexp.MustCompile(`(?m)^key\s*=\s*"([^"]+)"`)

// publish writes and builds post i, then times ping until stored; it
// returns both times in milliseconds.
func (s *system) publish(ctx context.Context, db *sql.DB, i int) (total, ping float64, err error) {
	out, err := s.r.Run(ctx, "feedpub", "post", "--dir", s.site, "--tag", "bench", fmt.Sprintf("Benchmark post number %d, on its way through the hub.", i))
	if err != nil {
		return 0, 0, err
	}
	file := strings.TrimSpace(out)
	if !filepath.IsAbs(file) {
		file = filepath.Join(s.site, file)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, 0, fmt.Errorf("e2ebench: feedpub post printed %q: %w", out, err)
	}
	m := keyLine.FindSubmatch(b)
	if m == nil {
		return 0, 0, fmt.Errorf("e2ebench: no key in %s", file)
	}
	if _, err := s.r.Run(ctx, "feedpub", "build", "--dir", s.site); err != nil {
		return 0, 0, err
	}
	permalink := "http://" + s.siteAddr + "/posts/" + string(m[1]) + "/"
	start := time.Now()
	if _, err := s.r.Run(ctx, "feedpub", "ping", "--dir", s.site); err != nil {
		return 0, 0, err
	}
	ping = ms(time.Since(start))
	if err := awaitStored(ctx, db, permalink, 30*time.Second); err != nil {
		return 0, 0, err
	}
	return ms(time.Since(start)), ping, nil
}

// awaitStored polls the reader's database every millisecond until the
// post with permalink is stored.
func awaitStored(ctx context.Context, db *sql.DB, permalink string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM posts WHERE url = ?`, permalink).Scan(&n); err != nil {
			return fmt.Errorf("e2ebench: reading the reader's database: %w", err)
		}
		if n > 0 {
			return nil
		}
		time.Sleep(time.Millisecond)
	}
	return fmt.Errorf("e2ebench: %s was not stored by reader serve within %s", permalink, timeout)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
