package suite

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommitIgnoresReportFiles checks that edits to the report's own
// files do not mark the measured code as uncommitted, and edits to code do.
func TestCommitIgnoresReportFiles(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	ctx := context.Background()
	dir := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.org"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	write := func(name, content string) {
		t.Helper()
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("init", "-q")
	for _, f := range []string{"main.go", "BENCHMARKS.md", "bench/profiles.md"} {
		write(f, "v1\n")
	}
	git("add", ".")
	git("commit", "-q", "-m", "first")
	write("BENCHMARKS.md", "v2\n")
	write("bench/profiles.md", "v2\n")
	if got := Commit(ctx, dir); !strings.Contains(got, "first") || strings.Contains(got, "uncommitted") {
		t.Errorf("with only the report edited: %q, want the commit without \"uncommitted\"", got)
	}
	write("main.go", "v2\n")
	if got := Commit(ctx, dir); !strings.Contains(got, "with uncommitted changes") {
		t.Errorf("with code edited: %q, want \"with uncommitted changes\"", got)
	}
}
