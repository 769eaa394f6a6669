package hub

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/testwait"

	"github.com/rookery-social/rookery/hub/store"
)

func TestFailedDeliveryIsRetried(t *testing.T) {
	h := startHub(t, nil)
	topic := newTopic(t, atomType, "<feed>retry</feed>")
	sub := newSubscriber(t)
	sub.deliver = func(n int, _ *http.Request) int {
		if n < 2 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	}
	cb := sub.URL + "/cb"
	subscribed(t, h, topic.URL, cb)
	h.publish(t, topic.URL)
	testwait.Until(t, waitLimit, "delivered after retries", func() bool {
		ds := h.state(t, topic.URL, cb).Deliveries
		return len(ds) == 1 && ds[0].State == "delivered"
	})
	d := h.state(t, topic.URL, cb).Deliveries[0]
	if d.Attempts != 3 || d.LastStatus != http.StatusOK {
		t.Errorf("delivery after 500, 500, 200: attempts %d, last status %d", d.Attempts, d.LastStatus)
	}
	for i, got := range sub.got() {
		if string(got.Body) != "<feed>retry</feed>" {
			t.Errorf("attempt %d carried %q", i, got.Body)
		}
	}
}

func TestRetriesGoOnUntilTheLeaseEnds(t *testing.T) {
	const lease, retry = 2 * time.Hour, 10 * time.Minute
	h := startHub(t, func(c *Config) {
		c.LeaseMin, c.LeaseDefault, c.LeaseMax = lease, lease, lease
		c.RetryBase, c.RetryMax = retry, retry
	})
	topic := newTopic(t, atomType, "<feed/>")
	sub := newSubscriber(t)
	sub.deliver = func(int, *http.Request) int { return http.StatusServiceUnavailable }
	cb := sub.URL + "/cb"
	subscribed(t, h, topic.URL, cb)
	h.publish(t, topic.URL)
	// Each retry is due 5 to 15 minutes after the last attempt: move the
	// hub's clock to it each time, until the hub gives up.
	var d deliveryView
	for n := 1; n <= int(4*lease/retry); n++ {
		testwait.Until(t, waitLimit, fmt.Sprintf("attempt %d recorded", n), func() bool {
			ds := h.state(t, topic.URL, cb).Deliveries
			if len(ds) == 1 {
				d = ds[0]
			}
			return len(ds) == 1 && (d.Attempts >= n || d.State != "pending")
		})
		if d.State != "pending" {
			break
		}
		h.clock.advance(max(0, d.NextAttempt.Sub(h.clock.Now())))
	}
	end := *h.state(t, topic.URL, cb).LeaseExpires
	if d.State != "failed" || d.Finished == nil || d.Finished.After(end) || end.Sub(*d.Finished) > 3*retry/2 {
		t.Fatalf("delivery %+v: want failed within one retry (at most %v) of the lease end %v", d, 3*retry/2, end)
	}
	if d.Attempts < 2 || len(sub.got()) != d.Attempts {
		t.Errorf("%d attempts recorded, %d made", d.Attempts, len(sub.got()))
	}
	if d.LastStatus != 503 || !strings.Contains(d.LastError, "503") || !strings.Contains(d.LastError, "lease ended") {
		t.Errorf("last delivery %+v does not say what the callback answered and why it stopped", d)
	}
}

func TestGoneEndsSubscription(t *testing.T) {
	h := startHub(t, nil)
	topic := newTopic(t, atomType, "<feed>1</feed>")
	sub := newSubscriber(t)
	sub.deliver = func(int, *http.Request) int { return http.StatusGone }
	cb := sub.URL + "/cb"
	subscribed(t, h, topic.URL, cb)
	h.publish(t, topic.URL)
	testwait.Until(t, waitLimit, "subscription gone", func() bool { return h.state(t, topic.URL, cb).State == store.StateGone })
	witness := newSubscriber(t)
	subscribed(t, h, topic.URL, witness.URL+"/cb")
	topic.set("<feed>2</feed>", "")
	h.publish(t, topic.URL)
	h.settled(t, topic.URL, witness.URL+"/cb", 1)
	if n := len(sub.got()); n != 1 {
		t.Errorf("%d deliveries; after 410 Gone there must be no more", n)
	}
}

func TestSlowCallbackTimesOutAndIsRetried(t *testing.T) {
	h := startHub(t, func(c *Config) { c.DeliveryTimeout = 100 * time.Millisecond })
	topic := newTopic(t, atomType, "<feed/>")
	sub := newSubscriber(t)
	var cutShort atomic.Bool
	sub.deliver = func(n int, r *http.Request) int {
		if n == 0 {
			select { // slower than the hub waits
			case <-r.Context().Done():
				cutShort.Store(true)
			case <-time.After(5 * time.Second):
			}
		}
		return http.StatusOK
	}
	cb := sub.URL + "/cb"
	subscribed(t, h, topic.URL, cb)
	h.publish(t, topic.URL)
	testwait.Until(t, waitLimit, "delivered on retry", func() bool {
		ds := h.state(t, topic.URL, cb).Deliveries
		return len(ds) == 1 && ds[0].State == "delivered"
	})
	if !cutShort.Load() {
		t.Error("the hub waited for the slow callback instead of timing out")
	}
	// Usually 2; a loaded machine may time out a quick answer too.
	if d := h.state(t, topic.URL, cb).Deliveries[0]; d.Attempts < 2 {
		t.Errorf("attempts %d, want a timeout then a success", d.Attempts)
	}
}

func TestOversizedTopicIsNotDelivered(t *testing.T) {
	perInstance(t, "it reads the metrics of one instance, and metrics are per instance")
	h := startHub(t, func(c *Config) { c.MaxTopicBytes = 1024 })
	topic := newTopic(t, atomType, strings.Repeat("x", 1025))
	sub := newSubscriber(t)
	cb := sub.URL + "/cb"
	subscribed(t, h, topic.URL, cb)
	h.publish(t, topic.URL)
	testwait.Until(t, waitLimit, "fetch error in metrics", func() bool {
		_, m := h.get(t, "/metrics")
		return strings.Contains(m, `hub_topic_fetches_total{result="error"} 1`)
	})
	if n := len(topic.fetches()); n != 1 {
		t.Errorf("an oversized topic was fetched %d times; it is not retried", n)
	}
	topic.set(strings.Repeat("x", 1024), "")
	h.publish(t, topic.URL)
	testwait.Until(t, waitLimit, "delivery once the topic fits", func() bool { return len(sub.got()) == 1 })
	if n := len(sub.got()[0].Body); n != 1024 {
		t.Errorf("delivered %d bytes, want 1024", n)
	}
}

func TestPerHostConcurrencyIsBounded(t *testing.T) {
	h := startHub(t, func(c *Config) { c.HostConcurrency = 2; c.DeliveryConcurrency = 8 })
	topic := newTopic(t, atomType, "<feed/>")
	sub := newSubscriber(t)
	sub.deliver = func(int, *http.Request) int { time.Sleep(20 * time.Millisecond); return http.StatusOK }
	const n = 12
	for i := range n {
		subscribed(t, h, topic.URL, sub.URL+"/cb/"+strconv.Itoa(i))
	}
	h.publish(t, topic.URL)
	testwait.Until(t, waitLimit, "all deliveries", func() bool { return len(sub.got()) == n })
	if m := sub.maxSeen.Load(); m > 2 {
		t.Errorf("%d deliveries in flight to one host, limit 2", m)
	}
}

func TestPollingDeliversUnpingedChange(t *testing.T) {
	h := startHub(t, func(c *Config) { c.PollInterval = 50 * time.Millisecond })
	topic := newTopic(t, atomType, "<feed>1</feed>")
	sub := newSubscriber(t)
	subscribed(t, h, topic.URL, sub.URL+"/cb")
	testwait.Until(t, waitLimit, "first polled delivery", func() bool { return len(sub.got()) >= 1 })
	topic.set("<feed>2</feed>", "")
	testwait.Until(t, waitLimit, "the un-pinged change", func() bool {
		got := sub.got()
		return string(got[len(got)-1].Body) == "<feed>2</feed>"
	})
}

func TestFanOutReachesEverySubscriber(t *testing.T) {
	topic := newTopic(t, atomType, "<feed>fan</feed>")
	sub := newSubscriber(t)
	h := startHub(t, nil)
	const n = 300
	for i := range n {
		h.subscribe(t, topic.URL, sub.URL+"/cb/"+strconv.Itoa(i))
	}
	testwait.Until(t, waitLimit, "all verified", func() bool {
		return h.counts(t).ActiveSubscriptions == n
	})
	h.publish(t, topic.URL)
	testwait.Until(t, waitLimit, "every subscriber", func() bool { return len(sub.got()) >= n })
	seen := map[string]bool{}
	for _, d := range sub.got() {
		seen[d.Path] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct subscribers reached, want %d", len(seen), n)
	}
}

func TestOnContentHookSeesEachNewVersionOnce(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	h := startHub(t, func(c *Config) {
		c.OnContent = func(_ context.Context, c store.Content) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, c.Topic+" "+string(c.Body))
		}
	})
	topic := newTopic(t, atomType, "<feed>1</feed>")
	sub := newSubscriber(t)
	subscribed(t, h, topic.URL, sub.URL+"/cb")
	h.publish(t, topic.URL)
	testwait.Until(t, waitLimit, "first delivery", func() bool { return len(sub.got()) == 1 })
	h.publish(t, topic.URL) // unchanged
	testwait.Until(t, waitLimit, "second fetch", func() bool { return len(topic.fetches()) == 2 })
	topic.set("<feed>2</feed>", "")
	h.publish(t, topic.URL)
	testwait.Until(t, waitLimit, "second delivery", func() bool { return len(sub.got()) == 2 })
	// The hook runs once the fan-out is committed, maybe after delivery.
	testwait.Until(t, waitLimit, "the hook", func() bool { mu.Lock(); defer mu.Unlock(); return len(seen) >= 2 })
	mu.Lock()
	defer mu.Unlock()
	want := []string{topic.URL + " <feed>1</feed>", topic.URL + " <feed>2</feed>"}
	if !slices.Equal(seen, want) {
		t.Errorf("hook saw %q, want %q", seen, want)
	}
}
