// Package bench holds Rookery's benchmark suite (bench/run.sh). This test
// runs it at its quick sizes so that it cannot rot; it checks that every
// measurement produced a sane number, never how fast anything was.
package bench_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/bench/internal/measure"
	"github.com/rookery-social/rookery/bench/internal/suite"
)

func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("the smoke run builds and runs the three programs; skipped with -short")
	}
	hugo, err := exec.LookPath("hugo")
	if err != nil {
		if os.Getenv("ROOKERY_REQUIRE_TOOLS") == "1" {
			t.Fatal("hugo is not installed (apt-get install hugo) and ROOKERY_REQUIRE_TOOLS=1")
		}
		t.Log("hugo is not installed (apt-get install hugo): the Hugo reference is skipped")
		hugo = ""
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var log strings.Builder
	// The in-memory rows run in /dev/shm as the suite's do, or in any
	// directory where there is none: the code is the same.
	mem := suite.MemoryDir()
	if mem == "" {
		mem = t.TempDir()
	}
	rep, err := suite.Run(ctx, suite.Config{Preset: suite.Presets["quick"], Root: root, Work: t.TempDir(), Hugo: hugo, Memory: mem, Log: &log})
	if err != nil {
		t.Fatalf("%v\nlog:\n%s", err, log.String())
	}
	sections := map[string]int{}
	for _, f := range rep.Figures {
		sections[f.Section]++
		if err := f.Sane(); err != nil {
			t.Error(err)
		}
	}
	want := map[string]int{"Hub": 8, "feedpub build": 5, "reader": 11, "End to end": 2, "Tracked topics": 18}
	if hugo != "" {
		want["feedpub build"] += 4
	}
	want["feedpub build"] += 4 // in memory
	if hugo != "" {
		want["feedpub build"] += 4
	}
	for s, n := range want {
		if sections[s] != n {
			t.Errorf("section %q has %d figures, want %d (all: %v)", s, sections[s], n, sections)
		}
	}
	checkReport(t, rep)
}

// checkReport writes BENCHMARKS.md to a temporary file and checks that it
// names the machine, the command and every figure.
func checkReport(t *testing.T, rep *measure.Report) {
	rep.Machine = measure.ThisMachine("quick", "bench/run.sh --quick")
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	if err := suite.WriteFile(path, rep, filepath.Join(t.TempDir(), "no-notes.md")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	for _, s := range []string{"CPUs (`nproc`): ", "Go: go1.", "Reproduce: `bench/run.sh --quick`", "## Hub", "## Tracked topics", "## End to end"} {
		if !strings.Contains(md, s) {
			t.Errorf("BENCHMARKS.md lacks %q", s)
		}
	}
	for _, f := range rep.Figures {
		if !strings.Contains(md, "| "+f.Name+" | ") {
			t.Errorf("BENCHMARKS.md lacks the row of %q", f.Name)
		}
	}
}
