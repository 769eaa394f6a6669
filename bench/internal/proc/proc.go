// Package proc runs the programs under benchmark as subprocesses: builds
// them, runs commands with a time limit, starts daemons and stops them,
// waits for their HTTP endpoints, and reads their memory from /proc.
package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rookery-social/rookery/internal/testnet"
)

// Build compiles feedpub, hub and reader from the module at root into dir.
func Build(ctx context.Context, root, dir string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", dir+string(filepath.Separator),
		"./cmd/feedpub", "./cmd/hub", "./cmd/reader")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("proc: building the programs: %w\n%s", err, out)
	}
	return nil
}

// Env is the environment of every program run: a private home and XDG
// directories and a git identity.
func Env(home string) []string {
	return append(os.Environ(), "HOME="+home, "XDG_DATA_HOME="+filepath.Join(home, "data"),
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"GIT_AUTHOR_NAME=bench", "GIT_AUTHOR_EMAIL=bench@localhost",
		"GIT_COMMITTER_NAME=bench", "GIT_COMMITTER_EMAIL=bench@localhost", "GIT_CONFIG_NOSYSTEM=1")
}

// Runner runs programs from one directory of binaries with one environment.
type Runner struct {
	Bin  string   // directory of the binaries; "" runs names from $PATH
	Env  []string // nil: the bench's own environment
	Dir  string   // working directory
	Wait time.Duration
}

func (r Runner) path(name string) string {
	if r.Bin == "" {
		return name
	}
	return filepath.Join(r.Bin, name)
}

// Run runs a program to completion within r.Wait (default 5 minutes) and
// returns its standard output; a failure carries its standard error.
func (r Runner) Run(ctx context.Context, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, cmpOr(r.Wait, 5*time.Minute))
	defer cancel()
	cmd := exec.CommandContext(ctx, r.path(name), args...)
	cmd.Env, cmd.Dir = r.Env, r.Dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("proc: %s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(errOut.String()))
	}
	return out.String(), nil
}

// Timed runs a program and returns how long it took.
func (r Runner) Timed(ctx context.Context, name string, args ...string) (time.Duration, error) {
	wall, _, err := r.Measure(ctx, name, args...)
	return wall, err
}

// Measure runs a program and returns its wall-clock time and the CPU time
// (user + system) it used.
func (r Runner) Measure(ctx context.Context, name string, args ...string) (wall, cpu time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, cmpOr(r.Wait, 5*time.Minute))
	defer cancel()
	cmd := exec.CommandContext(ctx, r.path(name), args...)
	cmd.Env, cmd.Dir = r.Env, r.Dir
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, 0, fmt.Errorf("proc: %s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(errOut.String()))
	}
	wall = time.Since(start)
	return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

func cmpOr(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// Daemon is a long-running program whose output goes to a log file.
type Daemon struct {
	Cmd     *exec.Cmd
	Log     string
	Started time.Time
	done    chan struct{}
}

// Start starts a long-running program, logging to logPath.
func (r Runner) Start(logPath, name string, args ...string) (*Daemon, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("proc: %w", err)
	}
	defer f.Close()
	cmd := exec.Command(r.path(name), args...)
	cmd.Env, cmd.Dir = r.Env, r.Dir
	cmd.Stdout, cmd.Stderr = f, f
	d := &Daemon{Cmd: cmd, Log: logPath, Started: time.Now(), done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("proc: start %s: %w", name, err)
	}
	go func() { cmd.Wait(); close(d.done) }()
	return d, nil
}

// Stop ends the daemon with SIGTERM, then SIGKILL after 15 s.
func (d *Daemon) Stop() {
	select {
	case <-d.done:
		return
	default:
	}
	d.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(15 * time.Second):
		d.Cmd.Process.Kill()
		<-d.done
	}
}

// Exited reports whether the daemon has ended.
func (d *Daemon) Exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// Tail is the end of the daemon's log, for error messages.
func (d *Daemon) Tail() string {
	b, _ := os.ReadFile(d.Log)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// WaitHTTP polls url every millisecond until it answers 200, the daemon
// exits or timeout passes.
func (d *Daemon) WaitHTTP(url string, timeout time.Duration) error {
	c := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if d.Exited() {
			return fmt.Errorf("proc: %s exited before %s answered:\n%s", d.Cmd.Path, url, d.Tail())
		}
		if resp, err := c.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(time.Millisecond)
	}
	return fmt.Errorf("proc: %s did not answer within %s:\n%s", url, timeout, d.Tail())
}

// Memory is a process's resident memory in bytes: now, and its peak.
type Memory struct{ RSS, Peak int64 }

// ReadMemory reads VmRSS and VmHWM of pid from /proc.
func ReadMemory(pid int) (Memory, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return Memory{}, fmt.Errorf("proc: memory of %d: %w", pid, err)
	}
	var m Memory
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, ":")
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			m.RSS = kb << 10
		case "VmHWM":
			m.Peak = kb << 10
		}
	}
	if m.Peak == 0 {
		return m, errors.New("proc: no VmHWM in /proc status")
	}
	return m, nil
}

// FreeAddr returns a loopback address with a port free right now, below
// the kernel's ephemeral range (see testnet.Find), so that it stays free
// until the program the bench starts binds it.
func FreeAddr() (string, error) {
	p, err := testnet.Find()
	if err != nil {
		return "", fmt.Errorf("proc: %w", err)
	}
	return "127.0.0.1:" + strconv.Itoa(p), nil
}

// FileSizes is the total size of the files that exist among paths.
func FileSizes(paths ...string) int64 {
	var n int64
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}
