package hub

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/rookery-social/rookery/internal/xdg"
)

// ErrHelp is returned by ParseFlags when -h or --help was asked for; the
// usage has been printed.
var ErrHelp = flag.ErrHelp

// ParseFlags reads the hub command's flags from args, each with an
// environment variable (HUB_ and the flag name in capitals, e.g.
// HUB_LEASE_DEFAULT) that applies when the flag is not given. Usage and
// errors go to out.
func ParseFlags(args []string, getenv func(string) string, out io.Writer) (Config, error) {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("hub", flag.ContinueOnError)
	fs.SetOutput(out)
	logLevel := bindFlags(fs, &cfg)
	fs.Usage = func() { usage(fs, out) }
	if err := applyEnv(fs, getenv); err != nil {
		return cfg, err
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("hub: unexpected argument %q: the hub takes only flags (see hub --help)", fs.Arg(0))
	}
	if cfg.DBPath == "" {
		p, err := xdg.DataFile("hub.db")
		if err != nil {
			return cfg, fmt.Errorf("hub: no --db given and %w", err)
		}
		cfg.DBPath = p
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*logLevel)); err != nil {
		return cfg, fmt.Errorf("hub: --log-level %q: use debug, info, warn or error", *logLevel)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: lvl}))
	return cfg, nil
}

func bindFlags(fs *flag.FlagSet, c *Config) *string {
	fs.StringVar(&c.Addr, "addr", c.Addr, "`host:port` to listen on")
	fs.StringVar(&c.PublicURL, "url", "", "public base `URL` of the hub, the rel=hub of deliveries (default http://ADDR/)")
	fs.StringVar(&c.DBPath, "db", "", "SQLite database `path` (default $XDG_DATA_HOME/rookery/hub.db)")
	fs.BoolVar(&c.AllowPrivate, "allow-private", false, "allow loopback and private topic and callback addresses (local use and tests only)")
	fs.DurationVar(&c.LeaseDefault, "lease-default", c.LeaseDefault, "lease granted when the subscriber asks none")
	fs.DurationVar(&c.LeaseMin, "lease-min", c.LeaseMin, "shortest lease granted")
	fs.DurationVar(&c.LeaseMax, "lease-max", c.LeaseMax, "longest lease granted")
	fs.DurationVar(&c.RetryBase, "retry-base", c.RetryBase, "first delay before retrying a failed delivery (doubles each time, ±50% jitter)")
	fs.DurationVar(&c.RetryMax, "retry-max", c.RetryMax, "longest delay between delivery retries (retries go on until the lease ends)")
	fs.IntVar(&c.FetchAttempts, "fetch-attempts", c.FetchAttempts, "tries of a failing topic fetch")
	fs.Int64Var(&c.MaxTopicBytes, "max-topic-bytes", c.MaxTopicBytes, "largest topic body fetched")
	fs.Int64Var(&c.MaxRequestBytes, "max-request-bytes", c.MaxRequestBytes, "largest request body accepted")
	fs.DurationVar(&c.DialTimeout, "dial-timeout", c.DialTimeout, "connect timeout of every outbound request")
	fs.DurationVar(&c.FetchTimeout, "fetch-timeout", c.FetchTimeout, "timeout of a whole topic fetch")
	fs.DurationVar(&c.DeliveryTimeout, "delivery-timeout", c.DeliveryTimeout, "timeout of one delivery POST")
	fs.DurationVar(&c.VerifyTimeout, "verify-timeout", c.VerifyTimeout, "timeout of one verification GET")
	fs.Float64Var(&c.RateLimit, "rate-limit", c.RateLimit, "POST requests per second allowed per source IP")
	fs.IntVar(&c.RateBurst, "rate-burst", c.RateBurst, "burst of POST requests allowed per source IP")
	fs.IntVar(&c.MaxSubscriptionsPerHost, "max-subscriptions-per-host", c.MaxSubscriptionsPerHost, "active subscriptions allowed per callback host")
	fs.IntVar(&c.DeliveryConcurrency, "delivery-concurrency", c.DeliveryConcurrency, "deliveries in flight")
	fs.IntVar(&c.HostConcurrency, "host-concurrency", c.HostConcurrency, "deliveries in flight per callback host")
	fs.IntVar(&c.VerifyConcurrency, "verify-concurrency", c.VerifyConcurrency, "verifications of intent in flight")
	fs.IntVar(&c.FetchConcurrency, "fetch-concurrency", c.FetchConcurrency, "topic fetches in flight")
	fs.DurationVar(&c.PollInterval, "poll-interval", c.PollInterval, "how often every subscribed topic is fetched without a ping (0: never)")
	fs.DurationVar(&c.ClaimTimeout, "claim-timeout", c.ClaimTimeout, "how long a claimed job is held before it is retried (after a crash)")
	fs.DurationVar(&c.IdleInterval, "idle-interval", c.IdleInterval, "how often idle workers look for due retries")
	fs.DurationVar(&c.CommitInterval, "commit-interval", c.CommitInterval, "how long delivery results are gathered into one transaction")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long SIGTERM waits for in-flight work")
	fs.DurationVar(&c.Keep, "keep", c.Keep, "how long finished deliveries and verifications are kept")
	fs.BoolVar(&c.NoTrack, "no-track", false, "turn tracked topics (GET /track and subscriptions to it) off")
	fs.IntVar(&c.TrackMaxPerHost, "track-max-per-host", c.TrackMaxPerHost, "active subscriptions to tracked topics allowed per callback host")
	fs.DurationVar(&c.TrackKeep, "track-keep", c.TrackKeep, "how long fetched entries are kept for tracked topics (older ones are not matched)")
	return fs.String("log-level", "info", "log level: debug, info, warn or error")
}

// envName is the environment variable of a flag: HUB_LEASE_DEFAULT.
func envName(flagName string) string {
	return "HUB_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// applyEnv sets flags from their environment variables; flags on the
// command line, parsed afterwards, win.
func applyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		v := getenv(envName(f.Name))
		if v == "" {
			return
		}
		if err := f.Value.Set(v); err != nil {
			errs = append(errs, fmt.Errorf("hub: %s=%q: %w", envName(f.Name), v, err))
		}
	})
	return errors.Join(errs...)
}

func usage(fs *flag.FlagSet, out io.Writer) {
	fmt.Fprint(out, `Usage: hub [--addr 127.0.0.1:8080] [--url PUBLIC_BASE_URL] [--db PATH] [--allow-private] [flags]

A public W3C WebSub hub. POST / takes subscribe, unsubscribe and publish
requests; GET / shows how to use it; /healthz, /metrics and
/subscription?hub.topic=…&hub.callback=… help operators and subscribers.
GET /track?q=#tag|@FEED_URL|words is a feed of matching entries from every
topic the hub fetches, and a topic to subscribe to (see docs/HUB.md).
SIGTERM drains in-flight work and exits.

Every flag can also be set by its environment variable (shown in brackets);
a flag given on the command line wins. Durations: 90s, 15m, 240h.

`)
	fs.VisitAll(func(f *flag.Flag) {
		name, help := flag.UnquoteUsage(f)
		fmt.Fprintf(out, "  --%s", f.Name)
		if name != "" {
			fmt.Fprintf(out, " %s", name)
		}
		fmt.Fprintf(out, "\n    \t%s [%s]", help, envName(f.Name))
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			fmt.Fprintf(out, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(out)
	})
}
