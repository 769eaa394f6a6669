package hub

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/pgtest"
)

// TestProtocolAcrossInstances runs this package's tests again (this test
// binary, with -pair) on two hub instances sharing one PostgreSQL
// database: every subscription goes to one and every publish ping to the
// other, and the protocol, delivery, safety and tracked-topic tests must
// pass as they do on one hub. Tests of per-instance figures (metrics,
// rate limits) skip there.
func TestProtocolAcrossInstances(t *testing.T) {
	if *pair {
		t.Skip("already running across instances")
	}
	pgtest.Need(t, pgServer)
	if testing.Short() {
		t.Skip("runs the package's tests again; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run", "^Test", "-test.skip", "^TestProtocolAcrossInstances$|^TestConfig",
		"-test.count", "1", "-test.v", "-pair", "-epoch", *epoch)
	out, err := cmd.CombinedOutput()
	passed := regexp.MustCompile(`(?m)^--- PASS: `).FindAll(out, -1)
	if err != nil || len(passed) < 20 {
		t.Fatalf("the tests across two instances: %v, %d passed:\n%s", err, len(passed), tail(out, 200))
	}
	t.Logf("%d tests passed across two instances", len(passed))
}

// tail returns the last n lines of b.
func tail(b []byte, n int) []byte {
	lines := regexp.MustCompile(`\n`).FindAllIndex(b, -1)
	if len(lines) <= n {
		return b
	}
	return b[lines[len(lines)-n-1][1]:]
}
