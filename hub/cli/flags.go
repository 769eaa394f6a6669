package cli

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"

	"github.com/rookery-social/rookery/hub"
)

// bindFlags declares every flag of the hub on fs, bound to c, and returns
// the --log-level flag's value.
func bindFlags(fs *flag.FlagSet, c *hub.Config) *string {
	fs.StringVar(&c.Addr, "addr", c.Addr, "`host:port` to listen on")
	fs.StringVar(&c.PublicURL, "url", "", "public base `URL` of the hub, the rel=hub of deliveries (default http://ADDR/)")
	fs.StringVar(&c.DBPath, "db", "", "SQLite database `path`, or postgres://… URL of a PostgreSQL database shared by several hubs (default $XDG_DATA_HOME/rookery/hub.db)")
	fs.IntVar(&c.DBPoolSize, "db-pool-size", c.DBPoolSize, "most PostgreSQL connections this hub opens (PostgreSQL only)")
	fs.DurationVar(&c.DBStatementTimeout, "db-statement-timeout", c.DBStatementTimeout, "timeout of each PostgreSQL statement (PostgreSQL only)")
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
	fs.IntVar(&c.MaxConnections, "max-connections", c.MaxConnections, "open connections allowed (over it: 503)")
	fs.IntVar(&c.MaxConnectionsPerIP, "max-connections-per-ip", c.MaxConnectionsPerIP, "open connections allowed per source IP (over it: 503)")
	fs.Float64Var(&c.RateLimit, "rate-limit", c.RateLimit, "publish pings (and GETs of /subscription and /track) per second allowed per source IP")
	fs.IntVar(&c.RateBurst, "rate-burst", c.RateBurst, "burst of publish pings allowed per source IP")
	fs.Float64Var(&c.SubscribeRateLimit, "subscribe-rate-limit", c.SubscribeRateLimit, "subscribe and unsubscribe requests per second allowed per source IP")
	fs.IntVar(&c.SubscribeRateBurst, "subscribe-rate-burst", c.SubscribeRateBurst, "burst of subscribe and unsubscribe requests allowed per source IP")
	fs.IntVar(&c.MaxSubscriptionsPerHost, "max-subscriptions-per-host", c.MaxSubscriptionsPerHost, "active subscriptions allowed per callback host")
	fs.IntVar(&c.DeliveryConcurrency, "delivery-concurrency", c.DeliveryConcurrency, "deliveries in flight")
	fs.IntVar(&c.HostConcurrency, "host-concurrency", c.HostConcurrency, "deliveries in flight per callback host")
	fs.IntVar(&c.VerifyConcurrency, "verify-concurrency", c.VerifyConcurrency, "verifications of intent in flight")
	fs.IntVar(&c.FetchConcurrency, "fetch-concurrency", c.FetchConcurrency, "topic fetches in flight")
	fs.DurationVar(&c.PollInterval, "poll-interval", c.PollInterval, "how often every subscribed topic is fetched without a ping (0: never)")
	fs.StringVar(&c.PollSchedule, "poll-schedule", c.PollSchedule, "when to fetch every subscribed topic, as a cron `SCHEDULE` (\"*/15 * * * *\", \"@hourly\"); replaces --poll-interval")
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
			errs = append(errs, fmt.Errorf("%s=%q: %w", envName(f.Name), v, err))
		}
	})
	return errors.Join(errs...)
}

// logLevel parses --log-level.
func logLevel(level string) (slog.Level, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return lvl, fmt.Errorf("--log-level %q: use debug, info, warn or error", level)
	}
	return lvl, nil
}
