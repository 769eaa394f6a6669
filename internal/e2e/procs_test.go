package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/testbin"
	"github.com/rookery-social/rookery/internal/testnet"
	"github.com/rookery-social/rookery/internal/testwait"
)

// programs holds the paths of the built feedpub, hub and reader.
var programs = map[string]*string{"feedpub": new(string), "hub": new(string), "reader": new(string)}

func TestMain(m *testing.M) {
	bins := map[string]*string{}
	for name, path := range programs {
		bins["../../cmd/"+name] = path
	}
	testbin.Main(m, bins)
}

// env is the environment every program runs with: private XDG directories
// under home, and a git identity so that feedpub publish can commit. HOME
// stays, so that go keeps its build and module caches.
func env(home string) []string {
	return append(os.Environ(),
		"XDG_DATA_HOME="+filepath.Join(home, "data"),
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"GIT_AUTHOR_NAME=e2e", "GIT_AUTHOR_EMAIL=e2e@example.org",
		"GIT_COMMITTER_NAME=e2e", "GIT_COMMITTER_EMAIL=e2e@example.org",
		"GIT_CONFIG_NOSYSTEM=1", "READER_DB=")
}

// system is one run of the programs, sharing a home directory.
type system struct {
	t    *testing.T
	home string
}

func newSystem(t *testing.T) *system {
	return &system{t: t, home: t.TempDir()}
}

// run runs a program to completion and returns its standard output; it
// fails the test, showing standard error, if the program fails.
func (s *system) run(name string, args ...string) string {
	s.t.Helper()
	out, errOut, err := s.try(name, args...)
	if err != nil {
		s.t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// try runs a program to completion, with a time limit.
func (s *system) try(name string, args ...string) (string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, *programs[name], args...)
	cmd.Env = env(s.home)
	cmd.Dir = s.home
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.String(), errOut.String(), err
}

// proc is a long-running program.
type proc struct {
	cmd *exec.Cmd
	log string
}

// start starts a long-running program whose output goes to a log file, and
// stops it (SIGTERM, then SIGKILL) when the test ends; the test fails if
// the log has a race detector report.
func (s *system) start(name string, args ...string) *proc {
	s.t.Helper()
	log := filepath.Join(s.home, fmt.Sprintf("%s-%d.log", name, time.Now().UnixNano()))
	f, err := os.Create(log)
	if err != nil {
		s.t.Fatal(err)
	}
	cmd := exec.Command(*programs[name], args...)
	cmd.Env = env(s.home)
	cmd.Dir = s.home
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	f.Close()
	p := &proc{cmd: cmd, log: log}
	s.t.Cleanup(func() {
		p.stop()
		if r := testbin.RaceReport(p.output()); r != "" {
			s.t.Errorf("%s has a data race:\n%s", name, r)
		}
	})
	return p
}

// stop ends the program with SIGTERM, or SIGKILL after 10 s.
func (p *proc) stop() {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
}

// kill ends the program at once, as a crash would.
func (p *proc) kill() {
	p.cmd.Process.Kill()
	p.cmd.Wait()
}

func (p *proc) output() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// freeAddr returns a loopback address for a program to listen on.
func freeAddr(t *testing.T) string {
	t.Helper()
	return testnet.Addr(t)
}

// waitHTTP waits until url answers at all.
func waitHTTP(t *testing.T, url string, p *proc) {
	t.Helper()
	testwait.UntilWhy(t, 15*time.Second, "server at "+url+" to answer", func() (bool, string) {
		resp, err := http.Get(url)
		if err != nil {
			return false, err.Error() + "\n" + p.output()
		}
		resp.Body.Close()
		return true, ""
	})
}

// addrInUse reports whether something listens on 127.0.0.1:port.
func addrInUse(port int) bool {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// syncBuffer is a bytes.Buffer safe for a process's writes and a test's reads.
type syncBuffer = testwait.Buffer
