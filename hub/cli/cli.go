// Package cli is the `hub` command line: the hub's flags, each with its
// HUB_* environment variable, in the convention of internal/command; it
// runs hub.Serve. cmd/hub only calls Main.
package cli

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/rookery-social/rookery/hub"
	"github.com/rookery-social/rookery/internal/command"
	"github.com/rookery-social/rookery/internal/xdg"
)

// Main runs the hub on the process's arguments, environment and streams
// and returns the exit status. SIGTERM and SIGINT drain in-flight work and
// stop it.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	return Program(os.Getenv, os.Stdout, os.Stderr, hub.Serve).Run(ctx, args)
}

// Program is the hub's command line: it reads its settings from flags and
// from getenv, logs to stderr, and runs serve with them.
func Program(getenv func(string) string, stdout, stderr io.Writer, serve func(context.Context, hub.Config) error) *command.Program {
	return &command.Program{
		Name: "hub",
		Main: &command.Command{
			Usage:   "[--addr 127.0.0.1:8080] [--url PUBLIC_BASE_URL] [--db PATH] [--allow-private] [flags]",
			Summary: "A public W3C WebSub hub.",
			Help:    help,
			Examples: []string{
				"hub --addr 127.0.0.1:8080 --url https://hub.example/ --db /var/lib/rookery/hub.db",
				"HUB_LEASE_DEFAULT=48h hub --url https://hub.example/",
			},
			Flags: func(fs *flag.FlagSet) command.Action {
				cfg := hub.DefaultConfig()
				level := bindFlags(fs, &cfg)
				return func(ctx context.Context, args []string) error {
					if err := configure(&cfg, *level, args, stderr); err != nil {
						return err
					}
					return serve(ctx, cfg)
				}
			},
		},
		Defaults: func(_ *command.Command, fs *flag.FlagSet) error {
			if err := applyEnv(fs, getenv); err != nil {
				return &command.UsageError{Err: err}
			}
			return nil
		},
		FlagNote: func(f *flag.Flag) string { return "[" + envName(f.Name) + "]" },
		Stdout:   stdout, Stderr: stderr,
	}
}

const help = `POST / takes subscribe, unsubscribe and publish requests; GET / shows how
to use it; /healthz, /metrics and /subscription?hub.topic=…&hub.callback=…
help operators and subscribers. GET /track?q=#tag|@FEED_URL|words is a feed
of matching entries from every topic the hub fetches, and a topic to
subscribe to (see docs/HUB.md). SIGTERM drains in-flight work and exits.

Every flag can also be set by its environment variable (shown in brackets);
a flag given on the command line wins. Durations: 90s, 15m, 240h.`

// configure completes cfg from the command line: no positional argument,
// the default database path, the logger.
func configure(cfg *hub.Config, level string, args []string, stderr io.Writer) error {
	if len(args) > 0 {
		return command.Usagef("unexpected argument %q: the hub takes only flags", args[0])
	}
	if err := checkWildcard(cfg.Addr, cfg.PublicURL); err != nil {
		return err
	}
	if cfg.DBPath == "" {
		p, err := xdg.DataFile("hub.db")
		if err != nil {
			return command.Usagef("no --db given and %w", err)
		}
		cfg.DBPath = p
	}
	p, err := xdg.ExpandHome(cfg.DBPath)
	if err != nil {
		return err
	}
	cfg.DBPath = p
	lvl, err := logLevel(level)
	if err != nil {
		return &command.UsageError{Err: err}
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))
	return nil
}

// checkWildcard refuses to listen on every address (0.0.0.0, ::, or no
// host) without --url: the hub would advertise http://0.0.0.0:P/ or
// http://[::]:P/, which no subscriber can reach.
func checkWildcard(addr, publicURL string) error {
	if publicURL != "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return command.Usagef("--addr %q: give host:port, e.g. 127.0.0.1:8080", addr)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		return command.Usagef("--addr %s listens on every address, so the hub cannot know the URL it is reached at: "+
			"pass --url with its public URL, e.g. --url https://hub.example.org/", addr)
	}
	return nil
}
