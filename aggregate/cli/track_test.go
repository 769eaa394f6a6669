package cli_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
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

// syncBuffer is a buffer safe for a process's writes and a test's reads.
type syncBuffer = testwait.Buffer

// startHub runs the hub command on loopback; it stops with the test, which
// fails if the hub's log has a race detector report.
func startHub(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	addr := testnet.Addr(t)
	cmd := exec.Command(hubBin, "--addr", addr, "--db", filepath.Join(dir, "hub.db"), "--allow-private", "--poll-interval", "0")
	var log syncBuffer
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if r := testbin.RaceReport(log.String()); r != "" {
			t.Errorf("the hub has a data race:\n%s", r)
		}
	})
	url := "http://" + addr + "/"
	testwait.Until(t, 15*time.Second, "the hub to start", func() bool {
		resp, err := http.Get(url + "healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	return url
}

func TestCLITrackUntrackTrackingTracked(t *testing.T) {
	e := newEnv(t)
	hub := startHub(t)
	out := e.ok("track", "#GoLang", "--hub", hub) // flag after the query
	if want := "tracking #golang at " + hub + " (topic " + hub + "track?q=%23golang)"; !strings.Contains(out, want) {
		t.Errorf("track said %q, want %q", out, want)
	}
	e.ok("track", "--hub", hub, "Compost", "heap") // flag before, several words
	list := e.jsonList("tracking", "--json")
	if len(list) != 2 {
		t.Fatalf("tracking --json: %v", list)
	}
	hasKeys(t, "tracking", list[0], "query", "typed", "hub", "topic", "state")
	if list[1]["query"] != "compost heap" || list[1]["typed"] != "Compost heap" {
		t.Errorf("words query stored as %v", list[1])
	}
	if out := e.ok("tracking"); !strings.Contains(out, "not subscribed yet") {
		t.Errorf("tracking without reader serve:\n%s", out)
	}
	if _, errs, code := e.run("tracked"); code != 0 || !strings.Contains(errs, "no tracked posts yet") {
		t.Errorf("tracked with nothing: exit %d, %q", code, errs)
	}
	if ps := e.jsonList("tracked", "heap compost", "--json"); len(ps) != 0 {
		t.Errorf("tracked posts before any delivery: %v", ps)
	}
	if out := e.ok("untrack", "#golang"); !strings.Contains(out, "untracked #golang at "+hub) {
		t.Errorf("untrack said %q", out)
	}
	if list := e.jsonList("tracking", "--json"); len(list) != 1 {
		t.Errorf("after untrack: %v", list)
	}

	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"track"}, 2, "usage: reader track QUERY"},
		{[]string{"track", "#x"}, 2, "no hub to track at"},
		{[]string{"track", "go #go", "--hub", hub}, 1, "track: bad query"},
		{[]string{"track", "#x", "--hub", "not a url"}, 2, "--hub"},
		{[]string{"track", "#x", "--hub", "http://127.0.0.1:1/"}, 1, "connect"},
		{[]string{"untrack", "#nothing"}, 1, "you do not track"},
		{[]string{"tracked", "#nothing"}, 1, "you do not track"},
		{[]string{"tracked", "-n", "0"}, 2, `invalid value "0" for flag -n`},
	}
	for _, c := range cases {
		_, errs, code := e.run(c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("reader %v: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.want)
		}
	}

	// Without --hub, a followed feed's hub is never used: only the hubs
	// the user names, on the command line or in the config.
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><id>x</id><title>f</title>
			<updated>2026-01-01T00:00:00Z</updated><link rel="hub" href="%s"/></feed>`, hub)
	}))
	defer feed.Close()
	e.ok("follow", feed.URL+"/feed.atom")
	if _, errs, code := e.run("track", "@"+feed.URL+"/feed.atom"); code != 2 || !strings.Contains(errs, "[track] hubs") {
		t.Errorf("track without --hub nor configured hubs: exit %d, %q; want 2 saying how to name a hub", code, errs)
	}
	config := filepath.Join(filepath.Dir(e.db), "config", "rookery", "reader.toml")
	os.MkdirAll(filepath.Dir(config), 0o755)
	os.WriteFile(config, []byte("[track]\nhubs = [\""+hub+"\"]\n"), 0o600)
	if out := e.ok("track", "@"+feed.URL+"/feed.atom"); !strings.Contains(out, "at "+hub) {
		t.Errorf("track with a configured hub said %q", out)
	}
}
