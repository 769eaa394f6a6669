package e2e

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// demoPort finds a base port for scripts/demo.sh (which uses it plus 1,
// 2, 70 and 80) below the kernel's ephemeral range, where the ports that
// other tests' listeners and connections get from the kernel never fall,
// and checks that each of the five can be bound now.
func demoPort(t *testing.T) int {
	t.Helper()
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				low = n
			}
		}
	}
	if low < 2000 {
		return freeBase(t) // no room below the range: take what the kernel gives
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(os.Getpid())))
	for range 50 {
		base := 1024 + rng.IntN(low-1024-100)
		if bindable(base, base+1, base+2, base+70, base+80) {
			return base
		}
	}
	t.Fatalf("no free ports for the demo below %d after 50 tries", low)
	return 0
}

// freeBase is a base port taken from a kernel-assigned one.
func freeBase(t *testing.T) int {
	addr := freeAddr(t)
	p, _ := strconv.Atoi(addr[strings.LastIndexByte(addr, ':')+1:])
	return min(p, 65000)
}

// bindable reports whether every port can be listened on at 127.0.0.1.
func bindable(ports ...int) bool {
	for _, p := range ports {
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			return false
		}
		ln.Close()
	}
	return true
}

// The README's quick start, word for word: scripts/demo.sh runs the whole
// system and shows the posts arriving.
func TestQuickStart(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "scripts/demo.sh", "--no-wait")
	cmd.Dir = "../.."
	cmd.Env = append(env(t.TempDir()), "ROOKERY_DEMO_DIR="+t.TempDir(), "ROOKERY_DEMO_PORT="+strconv.Itoa(demoPort(t)))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/demo.sh --no-wait: %v\n%s", err, out)
	}
	for _, want := range []string{
		"$ reader timeline", "my own git repository", // Bob's post arrived by push
		"$ reader mentions", "Welcome @alice", // his reply, by Webmention and push
		"$ reader thread", "Try next", "Stopped.",
	} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("the quick start's output lacks %q:\n%s", want, out)
		}
	}
	thread := out[bytes.Index(out, []byte("$ reader thread")):]
	if a, b := bytes.Index(thread, []byte("first post on Rookery")), bytes.Index(thread, []byte("Welcome @alice")); a < 0 || b < a {
		t.Errorf("the thread does not show Alice's post then Bob's reply:\n%s", thread)
	}
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
	eventually(t, 2*time.Minute, "the quick start to wait for Ctrl-C", func() (bool, string) {
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
