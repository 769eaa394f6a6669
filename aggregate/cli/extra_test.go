package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"testing"
)

// TestExtraCommands checks the hook `reader serve` is added by: an extra
// command gets its flags (before or after its arguments), the database path
// and an open Reader.
func TestExtraCommands(t *testing.T) {
	var out, errb bytes.Buffer
	db := filepath.Join(t.TempDir(), "r.db")
	app := &App{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" },
		Extra: map[string]Command{"serve": {
			Usage: "serve [--addr ADDR]", Summary: "run the daemon",
			Flags: func(fs *flag.FlagSet) { fs.String("addr", ":8080", "listen address") },
			Run: func(ctx context.Context, a *App, c *Call) error {
				r, err := a.OpenReader(ctx, c)
				if err != nil {
					return err
				}
				defer r.Close()
				me, err := r.Me(ctx)
				fmt.Fprintf(a.Stdout, "addr=%s args=%v me=%q", c.str("addr"), c.Args, me)
				return err
			}}}}
	if code := app.Run(context.Background(), []string{"--db", db, "init", "--me", "https://me.example/feed.atom"}); code != 0 {
		t.Fatalf("init: %d %s", code, errb.String())
	}
	out.Reset()
	if code := app.Run(context.Background(), []string{"serve", "x", "--addr", ":9", "--db", db}); code != 0 {
		t.Fatalf("serve: %d %s", code, errb.String())
	}
	if got := out.String(); got != `addr=:9 args=[x] me="https://me.example/feed.atom"` {
		t.Fatalf("serve printed %q", got)
	}
}
