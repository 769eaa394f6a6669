package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/aggregate/daemon"
	"github.com/rookery-social/rookery/aggregate/track"
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
			fs.Duration("poll", daemon.DefaultPollEvery, "how often to look for feeds due a poll")
			fs.Duration("sync", daemon.DefaultSyncEvery, "how often to reconcile WebSub subscriptions with followed feeds")
		},
	}
}

func runServe(ctx context.Context, a *App, c *Call) error {
	if err := c.want(0, 0, "serve [--addr ADDR] [--url URL] [--allow-private]"); err != nil {
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
	logger := slog.New(slog.NewTextHandler(a.Stderr, nil))
	d, err := daemon.New(r.DB(), r, daemon.Config{
		Addr: ln.Addr().String(), BaseURL: c.str("url"), AllowPrivate: c.on("allow-private"),
		PollEvery: c.dur("poll"), SyncEvery: c.dur("sync"),
		Logger: logger, Tracks: track.NewService(tr, r, logger),
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

func baseURL(c *Call, local string) string {
	if u := c.str("url"); u != "" {
		return strings.TrimRight(u, "/")
	}
	return local
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
