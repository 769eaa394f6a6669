// Package bench holds Rookery's benchmark suite (bench/run.sh). This test
// runs it at its quick sizes so that it cannot rot; it checks that every
// measurement produced a sane number, never how fast anything was.
package bench_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/bench/internal/measure"
	"github.com/rookery-social/rookery/bench/internal/suite"
	"github.com/rookery-social/rookery/internal/pgtest"
	"github.com/rookery-social/rookery/internal/testtools"
)

func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("the smoke run builds and runs the three programs; skipped with -short")
	}
	hugo, err := exec.LookPath("hugo")
	if err != nil {
		if testtools.Required() {
			t.Fatal("hugo is not installed (apt-get install hugo) and ROOKERY_REQUIRE_TOOLS=1")
		}
		t.Log("hugo is not installed (apt-get install hugo): the Hugo reference is skipped")
		hugo = ""
	}
	withPG := true
	if err := pgtest.Available(); err != nil {
		if os.Getenv(pgtest.RequireEnv) == "1" {
			t.Fatalf("PostgreSQL is not available (apt-get install postgresql): %v; %s=1", err, pgtest.RequireEnv)
		}
		t.Logf("PostgreSQL is not available (apt-get install postgresql): %v; the postgres group is skipped", err)
		withPG = false
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
	cfg := suite.Config{Preset: suite.Presets["quick"], Root: root, Work: t.TempDir(), Hugo: hugo, Memory: mem, Log: &log}
	if !withPG {
		cfg.Only = slices.DeleteFunc(slices.Clone(suite.Groups), func(g string) bool { return g == "postgres" })
	}
	rep, err := suite.Run(ctx, cfg)
	if err != nil {
		t.Fatalf("%v\nlog:\n%s", err, log.String())
	}
	checkFigures(t, rep.Figures, hugo != "", withPG)
	checkReport(t, rep)
}

// checkFigures checks what a reader of BENCHMARKS.md relies on: every
// section has figures, each figure is a usable number named once, a
// figure with a target is judged against it, the in-memory rows are there
// and the Hugo rows are there exactly when Hugo is, the PostgreSQL section
// when PostgreSQL is.
func checkFigures(t *testing.T, figs []measure.Figure, withHugo, withPG bool) {
	t.Helper()
	sections := map[string]int{}
	names := map[string]bool{}
	hugoRows, memoryRows := 0, 0
	for _, f := range figs {
		sections[f.Section]++
		if err := f.Sane(); err != nil {
			t.Error(err)
		}
		key := f.Section + " / " + f.Name
		if names[key] {
			t.Errorf("figure %q is reported twice", key)
		}
		names[key] = true
		if judged := f.Status == measure.Meets || f.Status == measure.Short; judged != (f.Target != "") {
			t.Errorf("figure %q has target %q and status %q", key, f.Target, f.Status)
		}
		if strings.Contains(f.Name, "Hugo") {
			hugoRows++
		}
		if f.Section == "feedpub build" && strings.Contains(f.Name, "in memory") {
			memoryRows++
		}
	}
	want := []string{"Hub", "Tracked topics", "feedpub build", "reader", "End to end"}
	if withPG {
		want = append(want, "Hub on PostgreSQL")
	}
	for _, s := range want {
		if sections[s] == 0 {
			t.Errorf("section %q has no figures (all: %v)", s, sections)
		}
	}
	if memoryRows == 0 {
		t.Error("feedpub build has no in-memory rows")
	}
	if withHugo != (hugoRows > 0) {
		t.Errorf("%d Hugo rows with Hugo installed: %t", hugoRows, withHugo)
	}
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
