package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/aggregate/daemon"
	"github.com/rookery-social/rookery/aggregate/track"
	"github.com/rookery-social/rookery/internal/safehttp"
)

func serveCommand() Command {
	return Command{
		Usage:   "serve [--addr 127.0.0.1:7070] [--url PUBLIC_BASE_URL] [--allow-private]",
		Summary: "run the daemon: polls, takes WebSub pushes and Webmentions",
		Run:     runServe,
		Flags: func(fs *flag.FlagSet) {
			fs.String("addr", daemon.DefaultAddr, "listen address")
			fs.String("url", "", "public base URL of this daemon (default http://ADDR); callbacks and the Webmention endpoint are built from it")
			fs.Bool("allow-private", false, "let stranger-given URLs (Webmention sources, hubs) reach loopback and private addresses: local use and tests only")
			fs.Var(&pollFlag{daemon.DefaultPoll}, "poll", `when to look for feeds due a poll: a duration (15m) or a cron expression ("*/15 * * * *", "@hourly", "@every 15m")`)
			fs.Duration("sync", daemon.DefaultSyncEvery, "how often to reconcile WebSub subscriptions with followed feeds")
			fs.Int("mentions-per-host", 20, "Webmentions kept (queued or stored) per source host in any hour; the rest are refused and logged")
		},
	}
}

func runServe(ctx context.Context, a *App, c *Call) error {
	if err := c.want(0, 0, "serve [--addr ADDR] [--url URL] [--allow-private]"); err != nil {
		return err
	}
	// The whole configuration is checked before the database is opened
	// or the port taken, so that a mistake is reported as itself.
	if err := checkServe(c); err != nil {
		return err
	}
	r, err := a.open(ctx, c)
	if err != nil {
		return err
	}
	defer r.Close()
	ln, err := net.Listen("tcp", c.str("addr"))
	if err != nil {
		return fmt.Errorf("unable to listen on %s: %w (is another reader serve running? choose another --addr)", c.str("addr"), err)
	}
	tr, err := track.Open(ctx, r.DB())
	if err != nil {
		ln.Close()
		return err
	}
	tr.Now = a.now()
	logger := slog.New(slog.NewTextHandler(a.Stderr, nil))
	d, err := daemon.New(r.DB(), r, daemon.Config{
		Addr: ln.Addr().String(), BaseURL: c.str("url"), AllowPrivate: c.on("allow-private"),
		Poll: c.str("poll"), SyncEvery: c.dur("sync"), MentionsPerHostPerHour: c.num("mentions-per-host"),
		Logger: logger, Tracks: track.NewService(tr, r, track.Config{Logger: logger, Now: a.now(),
			Client: safehttp.NewClient(safehttp.Options{AllowPrivate: c.on("allow-private"), UserAgent: daemon.UserAgent})}),
		FetchFeed: func(ctx context.Context, feedURL string) error { _, err := r.FetchFeed(ctx, feedURL); return err },
		Now:       a.now(),
	})
	if err != nil {
		ln.Close()
		return err
	}
	local := "http://" + ln.Addr().String()
	if err := r.SetDaemonURL(ctx, local); err != nil {
		ln.Close()
		return err
	}
	fmt.Fprintf(a.Stderr, "reader serve: listening on %s (Webmention endpoint %s/webmention)\n", local, baseURL(c, local))
	return d.Serve(ctx, ln)
}

// checkServe checks serve's flags and database path without opening
// anything.
func checkServe(c *Call) error {
	if c.dur("sync") <= 0 {
		return usagef("serve: --sync %s must be a positive duration such as 10s", c.str("sync"))
	}
	cfg := daemon.Config{Addr: c.str("addr"), BaseURL: c.str("url"), Poll: c.str("poll"), SyncEvery: c.dur("sync")}
	if err := cfg.Check(); err != nil {
		return usagef("serve: %v", err)
	}
	dir := filepath.Dir(c.DB)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("serve: the directory of the database %s is not there (create it, or choose another --db)", c.DB)
	}
	return nil
}

func baseURL(c *Call, local string) string {
	if u := c.str("url"); u != "" {
		return strings.TrimRight(u, "/")
	}
	return local
}

// pollFlag is --poll (and poll in the config's [serve] table): a poll
// schedule, checked as it is set so that a bad one is refused with the
// name of the setting.
type pollFlag struct{ spec string }

func (p *pollFlag) String() string {
	if p == nil {
		return ""
	}
	return p.spec
}

func (p *pollFlag) Set(s string) error {
	if _, err := daemon.ParseSchedule(s); err != nil {
		return err
	}
	p.spec = s
	return nil
}

func (c *Call) dur(name string) time.Duration {
	d, _ := time.ParseDuration(c.str(name))
	return d
}

// nudgeDaemon asks a running `reader serve` on this database to reconcile
// its subscriptions now, so that a new follow is pushed at once. It is best
// effort: without a daemon the follow is simply polled.
func nudgeDaemon(ctx context.Context, r *aggregate.Reader) {
	local, err := r.DaemonURL(ctx)
	if err != nil || local == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, local+"/-/sync", nil)
	if err != nil {
		return
	}
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
}
