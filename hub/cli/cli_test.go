package cli_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/testwait"

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

// Listening on every address without --url is refused with a hint; with
// --url it is allowed; ~ in --db is the home directory.
func TestWildcardAddressNeedsURL(t *testing.T) {
	db := t.TempDir() + "/h.db"
	for _, addr := range []string{"0.0.0.0:8080", "[::]:8080", ":8080"} {
		code, cfg, _, errs := run(t, nil, "--db", db, "--addr", addr)
		if code != 2 || cfg != nil || !strings.Contains(errs, "pass --url") {
			t.Errorf("--addr %s: exit %d, served %v, %q", addr, code, cfg != nil, errs)
		}
		if code, cfg, _, errs := run(t, nil, "--db", db, "--addr", addr, "--url", "https://hub.example.org/"); code != 0 || cfg == nil {
			t.Errorf("--addr %s --url: exit %d, %q", addr, code, errs)
		}
	}
	t.Setenv("HOME", "/home/ada")
	if _, cfg, _, errs := run(t, nil, "--db", "~/hub.db"); cfg == nil || cfg.DBPath != "/home/ada/hub.db" {
		t.Errorf("--db ~/hub.db: %v %q", cfg, errs)
	}
}

// The hub says at start where its database is and which URL it
// advertises; a database in a missing directory says how to create it.
func TestStartLogsDatabaseAndURL(t *testing.T) {
	db := t.TempDir() + "/h.db"
	var out, errs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- cli.Program(func(string) string { return "" }, &out, &errs, hub.Serve).Run(ctx, []string{"--db", db, "--addr", "127.0.0.1:0", "--allow-private"})
	}()
	testwait.Until(t, 10*time.Second, "the hub's start log", func() bool { return strings.Contains(errs.String(), "hub: listening") })
	cancel()
	<-done
	log := errs.String()
	if !strings.Contains(log, "db="+db) || !strings.Contains(log, "url=http://127.0.0.1:") {
		t.Errorf("start log lacks the database or the URL:\n%s", log)
	}

	missing := t.TempDir() + "/no/such"
	var errs2 syncBuffer
	code := cli.Program(func(string) string { return "" }, &out, &errs2, hub.Serve).Run(context.Background(), []string{"--db", missing + "/hub.db", "--addr", "127.0.0.1:0"})
	if code != 1 || !strings.Contains(errs2.String(), "mkdir -p "+missing) || strings.Contains(errs2.String(), "(14)") {
		t.Errorf("missing directory: exit %d, %q", code, errs2.String())
	}
}

// syncBuffer is a bytes.Buffer safe for the hub's logger and the test.
type syncBuffer = testwait.Buffer

// `hub completion bash` completes the hub's flags.
func TestCompletion(t *testing.T) {
	code, cfg, out, errs := run(t, nil, "completion", "bash")
	if code != 0 || cfg != nil || !strings.Contains(out, "complete -o default -F _hub_complete hub") || !strings.Contains(out, "--addr --allow-private --claim-timeout") {
		t.Errorf("exit %d, served %v, %s\n%s", code, cfg != nil, errs, out)
	}
}
