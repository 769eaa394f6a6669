package hub

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/sqlitedb"
	"github.com/rookery-social/rookery/internal/testwait"
)

// Pings of a topic that answers 404 or 410 cost at most one fetch running
// and one queued, and such a topic is not retried until the next ping.
func TestPingsOfAMissingTopicAreCoalescedAndNotRetried(t *testing.T) {
	perInstance(t, "the fetch queue is read from the SQLite file")
	for _, status := range []int{http.StatusNotFound, http.StatusGone} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			h := startHub(t, func(c *Config) {
				c.RetryBase, c.RetryMax = time.Minute, time.Hour // retries only as the test moves the clock
				c.ClaimTimeout = 10 * time.Minute                // the held fetch keeps its claim while the pings arrive
			})
			var fetches atomic.Int32
			release := make(chan struct{})
			var once sync.Once
			topic := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if fetches.Add(1) == 1 {
					<-release // the first fetch runs while the pings arrive
				}
				w.WriteHeader(status)
			}))
			t.Cleanup(func() { once.Do(func() { close(release) }); topic.Close() })
			h.publish(t, topic.URL)
			testwait.Until(t, waitLimit, "the first fetch", func() bool { return fetches.Load() == 1 })
			for range 50 {
				h.publish(t, topic.URL)
			}
			once.Do(func() { close(release) })
			testwait.Until(t, waitLimit, "the fetches recorded and none queued", func() bool {
				return fetchJobs(t, h) == 0 && topicStatus(t, h, topic.URL) != ""
			})
			h.clock.advance(24 * time.Hour) // any retry would now be due
			if n := fetches.Load(); n != 2 {
				t.Errorf("51 pings made %d fetches, want 2: the one running and one queued", n)
			}
			h.publish(t, topic.URL) // the next ping fetches again
			testwait.Until(t, waitLimit, "a fetch on the next ping", func() bool { return fetches.Load() == 3 })
		})
	}
}

// fetchJobs counts the fetch jobs queued or running in the hub's database.
func fetchJobs(t *testing.T, h *testHub) int {
	t.Helper()
	return queryInt(t, h, `SELECT count(*) FROM hub_fetches`)
}

// topicStatus is what the last fetch of topic recorded ("" before any).
func topicStatus(t *testing.T, h *testHub, topic string) string {
	t.Helper()
	db, err := sqlitedb.Open(h.cfg.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var s string
	db.QueryRow(`SELECT fetch_status FROM hub_topics WHERE url = ?`, topic).Scan(&s)
	return s
}

func queryInt(t *testing.T, h *testHub, q string) int {
	t.Helper()
	db, err := sqlitedb.Open(h.cfg.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
