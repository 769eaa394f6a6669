package cli_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/hub"
	"github.com/rookery-social/rookery/hub/cli"
)

// run runs the hub's command line with env, recording the configuration
// it would serve with instead of serving.
func run(t *testing.T, env map[string]string, args ...string) (code int, cfg *hub.Config, stdout, stderr string) {
	t.Helper()
	var out, errs bytes.Buffer
	serve := func(_ context.Context, c hub.Config) error { cfg = &c; return nil }
	code = cli.Program(func(k string) string { return env[k] }, &out, &errs, serve).Run(context.Background(), args)
	return code, cfg, out.String(), errs.String()
}

func TestFlagsAndEnvironment(t *testing.T) {
	db := t.TempDir() + "/h.db"
	env := map[string]string{"HUB_NO_TRACK": "1", "HUB_TRACK_KEEP": "1h", "HUB_TRACK_MAX_PER_HOST": "9", "HUB_LEASE_DEFAULT": "48h"}
	code, cfg, _, errs := run(t, env, "--db", db, "--track-max-per-host", "3", "--addr", "127.0.0.1:0")
	if code != 0 || cfg == nil {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !cfg.NoTrack || cfg.TrackKeep != time.Hour || cfg.TrackMaxPerHost != 3 || cfg.LeaseDefault != 48*time.Hour {
		t.Errorf("NoTrack %v, TrackKeep %s, TrackMaxPerHost %d, LeaseDefault %s; want true, 1h (env), 3 (flag wins), 48h (env)",
			cfg.NoTrack, cfg.TrackKeep, cfg.TrackMaxPerHost, cfg.LeaseDefault)
	}
	if cfg.DBPath != db || cfg.Addr != "127.0.0.1:0" || cfg.Logger == nil {
		t.Errorf("db %q addr %q logger %v", cfg.DBPath, cfg.Addr, cfg.Logger)
	}
}

func TestHelpAndVersion(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		code, cfg, out, _ := run(t, nil, args...)
		for _, want := range []string{"usage: hub [--addr", "--track-keep duration", "[HUB_NO_TRACK]", "[HUB_LEASE_DEFAULT] (default 240h0m0s)",
			"--log-level string\n    \tlog level: debug, info, warn or error [HUB_LOG_LEVEL] (default \"info\")", "--version", "examples:\n  hub --addr"} {
			if code != 0 || cfg != nil || !strings.Contains(out, want) {
				t.Errorf("hub %v: exit %d, served %v, lacks %q:\n%s", args, code, cfg != nil, want, out)
			}
		}
	}
	for _, args := range [][]string{{"--version"}, {"version"}} {
		if code, cfg, out, _ := run(t, nil, args...); code != 0 || cfg != nil || !strings.HasPrefix(out, "hub ") {
			t.Errorf("hub %v: exit %d, %q", args, code, out)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	db := t.TempDir() + "/h.db"
	cases := map[string]struct {
		env  map[string]string
		args []string
		want string
	}{
		"bad environment":   {map[string]string{"HUB_LEASE_MIN": "soon"}, []string{"--db", db}, `hub: HUB_LEASE_MIN="soon": `},
		"stray argument":    {nil, []string{"serve", "--db", db}, `hub: unexpected argument "serve": the hub takes only flags`},
		"bad log level":     {nil, []string{"--db", db, "--log-level", "loud"}, `hub: --log-level "loud": use debug, info, warn or error`},
		"unknown flag":      {nil, []string{"--frobnicate"}, "hub: flag provided but not defined: -frobnicate"},
		"help of a command": {nil, []string{"help", "serve"}, "hub: hub has no commands"},
	}
	for name, c := range cases {
		code, cfg, _, errs := run(t, c.env, c.args...)
		if code != 2 || cfg != nil || !strings.HasPrefix(errs, c.want) || !strings.HasSuffix(errs, "see `hub help`\n") {
			t.Errorf("%s: exit %d, stderr %q; want 2, %q and the hint", name, code, errs, c.want)
		}
	}
}
