// Command rookery-bench runs Rookery's benchmark suite and writes
// BENCHMARKS.md. bench/run.sh installs what it needs and runs it.
//
//	rookery-bench [--preset quick|mid|full] [--quick] [--only hub,postgres,track,site,reader,e2e] [--out BENCHMARKS.md]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/rookery-social/rookery/bench/internal/measure"
	"github.com/rookery-social/rookery/bench/internal/suite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "rookery-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	preset := flag.String("preset", "full", "sizes: quick (seconds), mid, or full (the issue's sizes)")
	quick := flag.Bool("quick", false, "same as --preset quick")
	only := flag.String("only", "", "comma-separated groups to run: "+strings.Join(suite.Groups, ","))
	out := flag.String("out", "BENCHMARKS.md", "report to write (relative to the repository root)")
	work := flag.String("work", "", "scratch directory (default: a temporary one, removed after)")
	hugo := flag.String("hugo", "hugo", "the hugo binary; empty skips the Hugo reference")
	memdir := flag.String("memdir", "auto", "a directory on tmpfs where feedpub's and Hugo's full builds are measured again (auto: /dev/shm if it is tmpfs; empty skips)")
	flag.Parse()
	if *quick {
		*preset = "quick"
	}
	p, ok := suite.Presets[*preset]
	if !ok {
		return fmt.Errorf("unknown --preset %q: use quick, mid or full", *preset)
	}
	wd, _ := os.Getwd()
	root, err := suite.ModuleRoot(wd)
	if err != nil {
		return err
	}
	cfg := suite.Config{Preset: p, Root: root, Work: *work, Memory: *memdir, Log: os.Stderr}
	if cfg.Memory == "auto" {
		cfg.Memory = suite.MemoryDir()
	}
	if *only != "" {
		cfg.Only = strings.Split(*only, ",")
	}
	if *hugo != "" {
		if cfg.Hugo, err = exec.LookPath(*hugo); err != nil {
			return fmt.Errorf("no hugo (%w): install it (apt-get install hugo) or pass --hugo ''", err)
		}
	}
	if !filepath.IsAbs(*out) {
		*out = filepath.Join(root, *out)
	}
	// The code measured is the checkout as the suite builds it, before
	// the run: commits made during a long run are not in it.
	code := suite.Commit(ctx, root)
	rep, err := suite.Run(ctx, cfg)
	if rep != nil {
		rep.Machine = measure.ThisMachine(p.Name, strings.TrimSpace("bench/run.sh "+strings.Join(os.Args[1:], " ")))
		rep.Machine.Code = code
		if werr := suite.WriteFile(*out, rep, filepath.Join(root, "bench", "profiles.md")); werr != nil && err == nil {
			err = werr
		}
	}
	return err
}
