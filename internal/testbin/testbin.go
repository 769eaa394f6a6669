// Package testbin builds the project's programs once per test binary, for
// the tests that run them as subprocesses, as a user would. It is used only
// from tests.
//
// When the test binary is built with -race, so are the programs: a data
// race in feedpub, hub or reader then fails the test that ran it (the
// race detector makes the program exit with status 66 and prints the
// report on its stderr).
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Main (m is the *testing.M of TestMain, or a wrapper of it such as
// pgtest.Around) builds each package of bins (a directory relative to the test's own,
// such as "../../cmd/reader") into a temporary directory, stores the
// binary's path in the variable bins points it to, runs the tests, removes
// the binaries and exits with the tests' status. The binaries are built
// with -race when the test binary is.
func Main(m interface{ Run() int }, bins map[string]*string) {
	os.Exit(run(m, bins))
}

func run(m interface{ Run() int }, bins map[string]*string) int {
	dir, err := os.MkdirTemp("", "rookery-testbin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "testbin:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	args := buildArgs(dir)
	for pkg, path := range bins {
		abs, err := filepath.Abs(pkg)
		if err != nil {
			fmt.Fprintln(os.Stderr, "testbin:", err)
			return 1
		}
		args = append(args, pkg)
		*path = filepath.Join(dir, filepath.Base(abs))
	}
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "testbin: go %v: %v\n%s", args, err, out)
		return 1
	}
	return m.Run()
}

// Tool returns the path of an external program a test needs (git, …),
// skipping the test when it is missing, or failing it when
// ROOKERY_REQUIRE_TOOLS=1 (as in CI); install says how to get it.
func Tool(t testing.TB, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("ROOKERY_REQUIRE_TOOLS") == "1" {
		t.Fatalf("%s is required (ROOKERY_REQUIRE_TOOLS=1): %s", name, install)
	}
	t.Skipf("%s not installed (%s); skipping", name, install)
	return ""
}

// buildArgs is the start of the go command that builds the programs into
// dir: with -race when the test binary has it.
func buildArgs(dir string) []string {
	args := []string{"build"}
	if raceEnabled {
		args = append(args, "-race")
	}
	return append(args, "-o", dir+string(os.PathSeparator))
}

// RaceReport returns the race detector's reports in a program's output
// (its stderr or log), or "" when there are none. A program that ran to
// completion exits with status 66 after a report; this is for the
// long-running ones a test stops with a signal, whose status it ignores.
func RaceReport(output string) string {
	i := strings.Index(output, "WARNING: DATA RACE")
	if i < 0 {
		return ""
	}
	start := strings.LastIndex(output[:i], "==================")
	if start < 0 {
		start = i
	}
	return output[start:]
}
