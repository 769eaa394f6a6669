package cli

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/aggregate/daemon"
	"github.com/rookery-social/rookery/aggregate/track"
	"github.com/rookery-social/rookery/aggregate/web"
	"github.com/rookery-social/rookery/internal/safehttp"
)

func serveCommand() Command {
	return Command{
		Usage:   "serve [--addr 127.0.0.1:7070] [--url PUBLIC_BASE_URL] [--allow-private] [--site DIR] [--images proxy|off]",
		Summary: "run the daemon: polls, takes WebSub pushes and Webmentions, serves the web view at /",
		Run:     runServe,
		Flags: func(fs *flag.FlagSet) {
			fs.String("addr", daemon.DefaultAddr, "listen address")
			fs.String("url", "", "public base URL of this daemon (default http://ADDR); callbacks and the Webmention endpoint are built from it")
			fs.Bool("allow-private", false, "let stranger-given URLs (Webmention sources, hubs) reach loopback and private addresses: local use and tests only")
			fs.Var(&pollFlag{daemon.DefaultPoll}, "poll", `when to look for feeds due a poll: a duration (15m) or a cron expression ("*/15 * * * *", "@hourly", "@every 15m")`)
			fs.Duration("sync", daemon.DefaultSyncEvery, "how often to reconcile WebSub subscriptions with followed feeds")
			fs.Int("mentions-per-host", 20, "Webmentions kept (queued or stored) per source host in any hour; the rest are refused and logged")
			siteFlag(fs)
			fs.String("images", web.ImagesProxy, "remote images in the web view: proxy (fetched by this reader, never by the browser) or off")
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
	local := "http://" + ln.Addr().String()
	var d *daemon.Daemon
	view, secret, err := a.webView(c, r, logger, local, func() {
		if d != nil {
			d.TriggerSync()
		}
	})
	if err != nil {
		ln.Close()
		return err
	}
	d, err = daemon.New(r.DB(), r, daemon.Config{Web: view,
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
	if err := r.SetDaemonURL(ctx, local); err != nil {
		ln.Close()
		return err
	}
	fmt.Fprintf(a.Stderr, "reader serve: listening on %s (Webmention endpoint %s/webmention)\n", local, baseURL(c, local))
	if secret != "" {
		fmt.Fprintf(a.Stderr, "reader serve: the web view at %s/ asks for this secret once per browser: %s\n", baseURL(c, local), secret)
	} else {
		fmt.Fprintf(a.Stderr, "reader serve: the web view is at %s/\n", local)
	}
	return d.Serve(ctx, ln)
}

// checkServe checks serve's flags and database path without opening
// anything.
func checkServe(c *Call) error {
	if c.dur("sync") <= 0 {
		return usagef("serve: --sync %s must be a positive duration such as 10s", c.str("sync"))
	}
	if im := c.str("images"); im != web.ImagesProxy && im != web.ImagesOff {
		return usagef("serve: --images %q: give %s or %s", im, web.ImagesProxy, web.ImagesOff)
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

// webView configures the web view of `reader serve`. Reachable beyond
// loopback (a non-loopback listen address, or a --url whose host is not
// loopback: a proxy or a tunnel forwards strangers), it asks for a secret
// made now and returned for printing.
func (a *App) webView(c *Call, r *aggregate.Reader, logger *slog.Logger, local string, onFollow func()) (*web.Server, string, error) {
	cfg := web.Config{Reader: r, Images: c.str("images"), Logger: logger, OnFollow: onFollow,
		WebmentionURL: baseURL(c, local) + "/webmention",
		ImageClient: safehttp.NewClient(safehttp.Options{AllowPrivate: c.on("allow-private"), UserAgent: daemon.UserAgent,
			Timeout: 15 * time.Second})}
	if c.str("site") != "" {
		site, err := a.site(c, 2*time.Minute, nil)
		if err != nil {
			return nil, "", err
		}
		cfg.Site = site
	}
	if !loopbackOnly(local, c.str("url")) {
		cfg.Secret = newSecret()
	}
	cfg.SecureCookies = strings.HasPrefix(c.str("url"), "https:")
	view, err := web.New(cfg)
	if err != nil {
		return nil, "", usagef("%v", err)
	}
	return view, cfg.Secret, nil
}

// loopbackOnly reports whether only this machine reaches the daemon: it
// listens on loopback and its public URL, if any, names loopback too.
func loopbackOnly(local, public string) bool {
	for _, raw := range []string{local, public} {
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil {
			return false
		}
		host := u.Hostname()
		ip, err := netip.ParseAddr(host)
		if host != "localhost" && (err != nil || !ip.IsLoopback()) {
			return false
		}
	}
	return true
}

// newSecret is a random secret for the web view's login.
func newSecret() string {
	b := make([]byte, 15)
	rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// siteFlag declares --site, which the config's top-level site sets.
func siteFlag(fs *flag.FlagSet) {
	fs.String("site", "", "your feedpub site's directory, for replies, reposts, quotes and likes (default: site in the config)")
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
