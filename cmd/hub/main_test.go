package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/pgtest"
	"github.com/rookery-social/rookery/internal/testbin"
	"github.com/rookery-social/rookery/internal/testwait"
)

var hubBin string

// pgServer is the throwaway PostgreSQL of the tests of hubs sharing a
// database; nil when PostgreSQL is not installed.
var pgServer *pgtest.Server

func TestMain(m *testing.M) {
	testbin.Main(pgtest.Around(m, &pgServer), map[string]*string{".": &hubBin})
}

// hubProc is the hub binary running as a subprocess.
type hubProc struct {
	cmd  *exec.Cmd
	URL  string
	done chan error
	mu   sync.Mutex
	log  []string // its stderr lines
}

// logged reports whether a line of the hub's log holds s.
func (p *hubProc) logged(s string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.log {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

var listening = regexp.MustCompile(`msg="hub: listening" addr=(\S+)`)

// startHub runs the built binary with args and waits until it listens.
func startHub(t *testing.T, args ...string) *hubProc {
	t.Helper()
	cmd := exec.Command(hubBin, append([]string{"--addr", "127.0.0.1:0", "--allow-private"}, args...)...)
	cmd.Env = append(os.Environ(), "HUB_RATE_LIMIT=1000", "HUB_RATE_BURST=1000",
		"HUB_SUBSCRIBE_RATE_LIMIT=1000", "HUB_SUBSCRIBE_RATE_BURST=1000", "HUB_POLL_INTERVAL=0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &hubProc{cmd: cmd, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.log = append(p.log, sc.Text())
			p.mu.Unlock()
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
			if testing.Verbose() {
				fmt.Fprintln(os.Stderr, "hub:", sc.Text())
			}
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	select {
	case a := <-addr:
		p.URL = "http://" + a + "/"
	case err := <-p.done:
		t.Fatalf("hub exited before listening: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("hub did not start listening")
	}
	return p
}

// wait returns the process's exit error, or fails after d.
func (p *hubProc) wait(t *testing.T, d time.Duration) error {
	t.Helper()
	select {
	case err := <-p.done:
		return err
	case <-time.After(d):
		t.Fatalf("hub still running after %s", d)
		return nil
	}
}

func (p *hubProc) post(t *testing.T, form url.Values) {
	t.Helper()
	resp, err := http.PostForm(p.URL, form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST %v: %d", form, resp.StatusCode)
	}
}

func (p *hubProc) metric(t *testing.T, name string) float64 {
	t.Helper()
	resp, err := http.Get(p.URL + "metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return -1
}

// callbacks is a subscriber endpoint counting deliveries per path.
type callbacks struct {
	*httptest.Server
	delay   time.Duration
	mu      sync.Mutex
	got     map[string]int
	total   int
	arrived int // deliveries started, finished or not
}

func newCallbacks(t *testing.T, delay time.Duration) *callbacks {
	c := &callbacks{delay: delay, got: map[string]int{}}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			io.WriteString(w, r.URL.Query().Get("hub.challenge"))
			return
		}
		io.Copy(io.Discard, r.Body)
		c.mu.Lock()
		c.arrived++
		c.mu.Unlock()
		select {
		case <-time.After(c.delay):
		case <-r.Context().Done():
			return // the hub gave up (or died): not delivered
		}
		c.mu.Lock()
		c.got[r.URL.Path]++
		c.total++
		c.mu.Unlock()
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *callbacks) count() (total, distinct int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total, len(c.got)
}

// gotAll reports whether every path received at least one delivery.
func (c *callbacks) gotAll(paths []string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range paths {
		if c.got[p] == 0 {
			return false
		}
	}
	return true
}

func topicServer(t *testing.T, body string) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		io.WriteString(w, body)
	}))
	t.Cleanup(s.Close)
	return s
}

func TestSIGKILLMidFanOutResumesAfterRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hub.db")
	args := []string{"--db", db, "--claim-timeout", "1s", "--idle-interval", "20ms", "--retry-base", "50ms",
		"--retry-max", "200ms", "--delivery-concurrency", "8", "--host-concurrency", "2"}
	fast, slow := newCallbacks(t, 5*time.Millisecond), newCallbacks(t, 300*time.Millisecond)
	topic := topicServer(t, "<feed>durable</feed>")
	p := startHub(t, args...)
	const nFast, nSlow = 180, 20
	want := map[*callbacks][]string{}
	for i := range nFast + nSlow {
		srv := fast
		if i >= nFast {
			srv = slow
		}
		path := "/cb/" + strconv.Itoa(i)
		want[srv] = append(want[srv], path)
		p.post(t, url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic.URL}, "hub.callback": {srv.URL + path}})
	}
	testwait.Until(t, 20*time.Second, "all subscriptions verified", func() bool {
		return p.metric(t, "hub_subscriptions_active") == nFast+nSlow
	})
	p.post(t, url.Values{"hub.mode": {"publish"}, "hub.url": {topic.URL}})
	testwait.Until(t, 10*time.Second, "the fan-out to start", func() bool { n, _ := fast.count(); return n >= 20 })
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.wait(t, 10*time.Second)
	fastN, _ := fast.count()
	slowN, _ := slow.count()
	if fastN+slowN >= nFast+nSlow {
		t.Fatalf("the fan-out finished before SIGKILL (%d deliveries): nothing to resume", fastN+slowN)
	}
	t.Logf("killed after %d of %d deliveries", fastN+slowN, nFast+nSlow)

	p2 := startHub(t, args...)
	testwait.Until(t, 30*time.Second, "every subscriber to get the update", func() bool {
		for srv, paths := range want {
			if !srv.gotAll(paths) {
				return false
			}
		}
		return true
	})
	p2.cmd.Process.Signal(syscall.SIGTERM)
	if err := p2.wait(t, 20*time.Second); err != nil {
		t.Errorf("hub exit after SIGTERM: %v", err)
	}
}

func TestSIGTERMDrainsAndExitsCleanly(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hub.db")
	sub := newCallbacks(t, 500*time.Millisecond)
	topic := topicServer(t, "<feed>drain</feed>")
	p := startHub(t, "--db", db)
	cb := sub.URL + "/cb"
	p.post(t, url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic.URL}, "hub.callback": {cb}})
	testwait.Until(t, 10*time.Second, "subscription", func() bool { return p.metric(t, "hub_subscriptions_active") == 1 })
	p.post(t, url.Values{"hub.mode": {"publish"}, "hub.url": {topic.URL}})
	testwait.Until(t, 10*time.Second, "delivery in flight", func() bool {
		sub.mu.Lock()
		defer sub.mu.Unlock()
		return sub.arrived == 1
	})
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.wait(t, 20*time.Second); err != nil {
		t.Fatalf("hub exit after SIGTERM: %v, want status 0", err)
	}
	if n, _ := sub.count(); n != 1 {
		t.Fatalf("%d deliveries: the in-flight delivery was not drained", n)
	}
	p2 := startHub(t, "--db", db)
	resp, err := http.Get(p2.URL + "subscription?" + url.Values{"hub.topic": {topic.URL}, "hub.callback": {cb}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"state": "delivered"`) {
		t.Errorf("after a drained shutdown the delivery is not recorded as delivered:\n%s", body)
	}
}

func TestHelpAndEnvironment(t *testing.T) {
	out, err := exec.Command(hubBin, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("hub --help: %v\n%s", err, out)
	}
	for _, want := range []string{"--addr", "--url", "--db", "--allow-private", "HUB_LEASE_DEFAULT", "HUB_LEASE_MIN",
		"HUB_LEASE_MAX", "HUB_RETRY_BASE", "HUB_MAX_TOPIC_BYTES", "HUB_RATE_LIMIT", "HUB_POLL_INTERVAL", "(default 240h0m0s)"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("hub --help lacks %q", want)
		}
	}
	out, err = exec.Command(hubBin, "--version").Output()
	if err != nil || !strings.HasPrefix(string(out), "hub ") {
		t.Errorf("hub --version: %v %q", err, out)
	}
	cmd := exec.Command(hubBin, "--db", filepath.Join(t.TempDir(), "x.db"))
	cmd.Env = append(os.Environ(), "HUB_LEASE_MIN=soon")
	out, err = cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), "HUB_LEASE_MIN") {
		t.Errorf("bad HUB_LEASE_MIN: %v %q, want exit 2 naming the variable", err, out)
	}
	out, err = exec.Command(hubBin, "serve").CombinedOutput()
	if err == nil || !strings.Contains(string(out), `unexpected argument "serve"`) {
		t.Errorf("stray argument: %v %q", err, out)
	}
}

// A bad --url is reported as such even when the port is taken too: the
// hub checks its configuration before it opens the database or the port.
func TestBadURLIsReportedBeforeTheTakenPort(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	data := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, hubBin, "--addr", taken.Addr().String(), "--url", "not a url")
	cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+data)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("hub with a bad --url: %v, want a non-zero exit\n%s", err, out)
	}
	if !strings.Contains(string(out), `"not a url"`) || !strings.Contains(string(out), "--url") {
		t.Errorf("the error does not name the URL and --url:\n%s", out)
	}
	if strings.Contains(string(out), "listen") || strings.Contains(string(out), "in use") {
		t.Errorf("the error is about the port, checked before the URL:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(data, "rookery", "hub.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the database was opened before the URL was checked: %v", err)
	}
}

// A second hub on the same database file refuses to start, also while the
// first one drains after SIGTERM; once the first has exited, it starts.
func TestSecondHubOnOneDatabaseIsRefused(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hub.db")
	sub := newCallbacks(t, 5*time.Second)
	topic := topicServer(t, "<feed>one hub</feed>")
	p := startHub(t, "--db", db)
	refused := func(when string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, hubBin, "--addr", "127.0.0.1:0", "--db", db).CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() == 0 {
			t.Fatalf("second hub %s: %v, want a non-zero exit\n%s", when, err, out)
		}
		if !strings.Contains(string(out), "in use by another hub") || !strings.Contains(string(out), db+".lock") {
			t.Errorf("second hub %s: the message does not say the database is in use:\n%s", when, out)
		}
	}
	refused("while the first runs")

	cb := sub.URL + "/cb"
	p.post(t, url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic.URL}, "hub.callback": {cb}})
	testwait.Until(t, 10*time.Second, "subscription", func() bool { return p.metric(t, "hub_subscriptions_active") == 1 })
	p.post(t, url.Values{"hub.mode": {"publish"}, "hub.url": {topic.URL}})
	testwait.Until(t, 10*time.Second, "delivery in flight", func() bool {
		sub.mu.Lock()
		defer sub.mu.Unlock()
		return sub.arrived == 1
	})
	p.cmd.Process.Signal(syscall.SIGTERM)
	refused("while the first drains after SIGTERM")
	if n, _ := sub.count(); n != 0 {
		t.Fatal("the delivery in flight ended before the second hub was refused: the first was no longer draining")
	}
	if err := p.wait(t, 20*time.Second); err != nil {
		t.Fatalf("first hub after SIGTERM: %v", err)
	}
	p2 := startHub(t, "--db", db)
	p2.cmd.Process.Signal(syscall.SIGTERM)
	if err := p2.wait(t, 20*time.Second); err != nil {
		t.Errorf("second hub after the first exited: %v", err)
	}
}
