package e2e

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/testnet"
	"github.com/rookery-social/rookery/internal/testwait"
)

// demoPort finds a base port for scripts/demo.sh, which uses it plus 1,
// 2, 70 and 80.
func demoPort(t *testing.T) int {
	t.Helper()
	return testnet.Ports(t, 1, 2, 70, 80)
}

// The README's quick start, word for word: scripts/demo.sh runs the whole
// system and shows the posts arriving. The commands it shows can be copied
// as they are; with --no-wait it suggests none that need the servers it
// stopped; its scratch directory is gone when it ends.
func TestQuickStart(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tmp := t.TempDir()
	cmd := exec.CommandContext(ctx, "bash", "scripts/demo.sh", "--no-wait")
	cmd.Dir = "../.."
	cmd.Env = append(env(t.TempDir()), "TMPDIR="+tmp, "ROOKERY_DEMO_DIR=", "ROOKERY_DEMO_PORT="+strconv.Itoa(demoPort(t)))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/demo.sh --no-wait: %v\n%s", err, out)
	}
	for _, want := range []string{
		"$ reader timeline", "my own git repository", // Bob's post arrived by push
		"$ reader mentions", "Welcome @alice", // his reply, by Webmention and push
		"$ reader thread", "Stopped. Removed ", "without --no-wait",
		`--title Alice\'s\ microblog`, // copyable quoting
	} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("the quick start's output lacks %q:\n%s", want, out)
		}
	}
	if bytes.Contains(out, []byte("Try next")) {
		t.Errorf("--no-wait suggests commands that need the servers it stopped:\n%s", out)
	}
	thread := out[bytes.Index(out, []byte("$ reader thread")):]
	if a, b := bytes.Index(thread, []byte("first post on Rookery")), bytes.Index(thread, []byte("Welcome @alice")); a < 0 || b < a {
		t.Errorf("the thread does not show Alice's post then Bob's reply:\n%s", thread)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "rookery-demo.*")); len(left) != 0 {
		t.Errorf("the demo left %v behind", left)
	}
	// A shown command, copied into a shell, gives back the same words.
	line := shownLine(t, out, "$ feedpub init ")
	words, err := exec.Command("bash", "-c", `printf '%s\n' `+line).Output()
	if err != nil || !strings.Contains(string(words), "\nAlice's microblog\n") {
		t.Errorf("%s does not read back in bash: %v %q", line, err, words)
	}
}

// shownLine is the first command the demo showed after prefix, without
// the prompt and the terminal's dimming.
func shownLine(t *testing.T, out []byte, prefix string) string {
	t.Helper()
	i := bytes.Index(out, []byte(prefix))
	if i < 0 {
		t.Fatalf("no %q in:\n%s", prefix, out)
	}
	line, _, _ := strings.Cut(string(out[i+len("$ "):]), "\n")
	return strings.TrimSuffix(line, "\x1b[0m")
}

// Ctrl-C stops the quick start and every program it started.
func TestQuickStartStopsOnInterrupt(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	port := demoPort(t)
	cmd := exec.CommandContext(ctx, "bash", "scripts/demo.sh")
	cmd.Dir = "../.."
	cmd.Env = append(env(t.TempDir()), "ROOKERY_DEMO_DIR="+t.TempDir(), "ROOKERY_DEMO_PORT="+strconv.Itoa(port))
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	testwait.UntilWhy(t, 2*time.Minute, "the quick start to wait for Ctrl-C", func() (bool, string) {
		return strings.Contains(out.String(), "Press Ctrl-C"), out.String()
	})
	syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) // as a terminal sends it: to the whole group
	if err := cmd.Wait(); err != nil {
		t.Fatalf("demo after Ctrl-C: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Stopped.") {
		t.Errorf("no goodbye:\n%s", out.String())
	}
	for _, p := range []int{port + 80, port + 70, port + 1, port + 2} {
		if addrInUse(p) {
			t.Errorf("port %d still answers after Ctrl-C", p)
		}
	}
}
