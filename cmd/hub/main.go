// Command hub runs a public W3C WebSub hub. See docs/HUB.md and hub --help.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/rookery-social/rookery/hub"
)

func main() {
	cfg, err := hub.ParseFlags(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, hub.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := hub.Serve(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
