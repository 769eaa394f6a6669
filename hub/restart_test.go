package hub

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/rookery-social/rookery/hub/store"
	"github.com/rookery-social/rookery/internal/testwait"
)

// A fan-out interrupted by a crash, every subscriber on one callback host,
// is finished by the restarted hub at least half as fast as it ran
// uninterrupted, even with the default idle interval of a second.
func TestRestartedHubFinishesAnInterruptedFanOutAtFullPace(t *testing.T) {
	perInstance(t, "the crash is simulated on the SQLite file")
	const n = 600
	db := t.TempDir() + "/hub.db"
	config := func(c *Config) {
		c.DBPath = db
		c.IdleInterval = time.Second
	}
	topic := newTopic(t, atomType, "<feed>v1</feed>")
	sub := newSubscriber(t)
	sub.deliver = func(int, *http.Request) int {
		time.Sleep(5 * time.Millisecond) // a callback that does some work
		return http.StatusNoContent
	}
	subscribedInStore(t, db, topic.URL, sub.URL+"/cb/", n)
	h := startHub(t, config)
	start := time.Now()
	h.publish(t, topic.URL)
	testwait.Until(t, waitLimit, "the fan-out delivered", func() bool { return reached(sub, "<feed>v1</feed>") == n })
	whole := time.Since(start)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := h.Close(ctx); err != nil {
		t.Fatal(err)
	}

	crashedMidFanOut(t, db, topic.URL, n, h.clock.Now())
	h2 := startHub(t, config)
	start = time.Now()
	testwait.Until(t, waitLimit, "the interrupted fan-out delivered", func() bool { return reached(sub, "<feed>v2</feed>") == n })
	resumed := time.Since(start)
	t.Logf("%d deliveries to one host: %s uninterrupted, %s after a restart (%d POSTs)", n, whole, resumed, len(sub.got()))
	// Twice as long, plus three idle intervals for a loaded machine under
	// -race, where claiming costs more than a hand-over: a hub that sends
	// one queue-full per idle interval needs fifteen of them.
	if resumed > 2*whole+3*time.Second {
		t.Errorf("the restarted hub took %s to finish, more than twice the %s of an uninterrupted fan-out", resumed, whole)
	}
	testwait.Until(t, waitLimit, "every delivery recorded", func() bool { return h2.counts(t).DeliveredTotal == 2*n })
}

// reached counts the callbacks that received body (a delivery may arrive
// twice: at-least-once).
func reached(sub *subscriber, body string) int {
	paths := map[string]bool{}
	for _, d := range sub.got() {
		if string(d.Body) == body {
			paths[d.Path] = true
		}
	}
	return len(paths)
}

// subscribedInStore records n verified subscriptions to topic, of the
// callbacks prefix0 to prefix(n-1), in the database at path.
func subscribedInStore(t *testing.T, path, topic, prefix string, n int) {
	t.Helper()
	st, err := store.OpenSQLite(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := range n {
		v := store.Verification{Mode: "subscribe", Topic: topic, Callback: prefix + strconv.Itoa(i), LeaseSeconds: 86400}
		if err := st.FinishVerification(t.Context(), v, store.VerifyVerified, "", testEpoch()); err != nil {
			t.Fatal(err)
		}
	}
}

// crashedMidFanOut leaves the database at path as a hub killed just after
// a fan-out of topic to its n subscribers: every delivery created and
// leased to the dead process, none sent.
func crashedMidFanOut(t *testing.T, path, topic string, n int, now time.Time) {
	t.Helper()
	ctx := t.Context()
	st, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if ok, err := st.RequestFetch(ctx, topic, now); err != nil || !ok {
		t.Fatalf("request fetch: %v %v", ok, err)
	}
	jobs, err := st.ClaimFetches(ctx, now, now.Add(time.Hour), 1)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim fetch: %v %v", jobs, err)
	}
	res := store.FetchResult{Changed: true, Body: []byte("<feed>v2</feed>"), Hash: "v2", ContentType: atomType}
	out, err := st.FinishFetch(ctx, jobs[0], res, store.Handoff{Max: n, Until: now.Add(time.Hour)}, now)
	if err != nil || len(out.Handed) != n {
		t.Fatalf("fan-out: %d deliveries handed, %v; want %d", len(out.Handed), err, n)
	}
}
