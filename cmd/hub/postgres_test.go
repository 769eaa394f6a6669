package main

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/pgtest"
	"github.com/rookery-social/rookery/internal/testwait"
)

// sharedArgs are the flags of hubs sharing the PostgreSQL database dsn,
// with leases and intervals short enough for a test.
func sharedArgs(dsn string, concurrency int) []string {
	c := strconv.Itoa(concurrency)
	return []string{"--db", dsn, "--claim-timeout", "2s", "--idle-interval", "20ms", "--retry-base", "50ms",
		"--retry-max", "200ms", "--delivery-concurrency", c, "--host-concurrency", c, "--verify-concurrency", "16"}
}

// subscribeAll subscribes n callbacks of srv to topic, alternately at each
// hub, and waits until all are verified; it returns their paths.
func subscribeAll(t *testing.T, hubs []*hubProc, srv *callbacks, topic string, n int) []string {
	t.Helper()
	paths := make([]string, n)
	for i := range n {
		paths[i] = "/cb/" + strconv.Itoa(i)
		hubs[i%len(hubs)].post(t, url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.callback": {srv.URL + paths[i]}})
	}
	testwait.Until(t, 60*time.Second, "all subscriptions verified", func() bool {
		return hubs[0].metric(t, "hub_subscriptions_active") == float64(n)
	})
	return paths
}

// Two hubs share a PostgreSQL database; 1,000 subscribers; the hub that
// fetched the topic is killed (SIGKILL) in the middle of the fan-out. The
// other one delivers the rest once the dead one's leases end: every
// subscriber gets the update. Duplicates (deliveries the dead hub had sent
// but not recorded) are allowed and reported; losses are not.
func TestTwoHubsSIGKILLMidFanOutLosesNothing(t *testing.T) {
	dsn := pgtest.Need(t, pgServer).DB(t)
	const n = 1000
	args := sharedArgs(dsn, 16)
	hubs := []*hubProc{startHub(t, args...), startHub(t, args...)}
	cbs := newCallbacks(t, 20*time.Millisecond)
	topic := topicServer(t, "<feed>shared</feed>")
	paths := subscribeAll(t, hubs, cbs, topic.URL, n)

	hubs[0].post(t, url.Values{"hub.mode": {"publish"}, "hub.url": {topic.URL}})
	testwait.Until(t, 30*time.Second, "the fan-out to start", func() bool { got, _ := cbs.count(); return got >= 100 })
	victim, survivor := hubs[0], hubs[1]
	if hubs[1].logged(`msg="hub: new content"`) {
		victim, survivor = hubs[1], hubs[0]
	}
	victim.cmd.Process.Signal(syscall.SIGKILL)
	victim.wait(t, 10*time.Second)
	atKill, _ := cbs.count()
	if atKill >= n {
		t.Fatalf("the fan-out finished before SIGKILL (%d deliveries): nothing to take over", atKill)
	}
	testwait.Until(t, 90*time.Second, "every subscriber to get the update", func() bool { return cbs.gotAll(paths) })
	testwait.Until(t, 30*time.Second, "no delivery pending", func() bool { return survivor.metric(t, "hub_deliveries_pending") == 0 })
	total, distinct := cbs.count()
	t.Logf("killed after %d of %d deliveries; in the end %d subscribers got it, %d deliveries: %d duplicates, 0 lost",
		atKill, n, distinct, total, total-n)
	if distinct != n {
		t.Errorf("%d subscribers got the update, want %d", distinct, n)
	}
}

// The database restarts in the middle of a fan-out by two hubs: while it
// is down /healthz answers 503 with the reason; then the hubs reconnect
// and every subscriber gets the update.
func TestTwoHubsRideOutADatabaseRestart(t *testing.T) {
	pg := pgtest.Need(t, pgServer)
	dsn := pg.DB(t)
	t.Cleanup(func() { pg.Resume() }) // for the next tests, should this one fail while it is down
	const n = 300
	args := sharedArgs(dsn, 4)
	hubs := []*hubProc{startHub(t, args...), startHub(t, args...)}
	cbs := newCallbacks(t, 20*time.Millisecond)
	topic := topicServer(t, "<feed>restart</feed>")
	paths := subscribeAll(t, hubs, cbs, topic.URL, n)

	hubs[1].post(t, url.Values{"hub.mode": {"publish"}, "hub.url": {topic.URL}})
	testwait.Until(t, 30*time.Second, "the fan-out to start", func() bool { got, _ := cbs.count(); return got >= 30 })
	pg.Halt()
	atHalt, _ := cbs.count()
	if atHalt >= n {
		t.Fatalf("the fan-out finished before the database stopped (%d deliveries)", atHalt)
	}
	for _, h := range hubs {
		code, body := health(t, h)
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "store unavailable: ") || !strings.Contains(body, "PostgreSQL") {
			t.Errorf("/healthz with the database down: %d %q; want 503 and the reason", code, body)
		}
	}
	if err := pg.Resume(); err != nil {
		t.Fatal(err)
	}
	testwait.Until(t, 90*time.Second, "every subscriber to get the update", func() bool { return cbs.gotAll(paths) })
	for _, h := range hubs {
		if code, body := health(t, h); code != http.StatusOK {
			t.Errorf("/healthz after the restart: %d %q", code, body)
		}
	}
	total, distinct := cbs.count()
	t.Logf("database down after %d of %d deliveries; in the end %d subscribers got it, %d deliveries: %d duplicates, 0 lost",
		atHalt, n, distinct, total, total-n)
}

func health(t *testing.T, p *hubProc) (int, string) {
	t.Helper()
	resp, err := http.Get(p.URL + "healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
