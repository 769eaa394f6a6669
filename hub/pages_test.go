package hub

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/testwait"
)

func TestObservabilityPages(t *testing.T) {
	perInstance(t, "it reads the metrics of one instance, and metrics are per instance")
	h := startHub(t, nil)
	topic := newTopic(t, atomType, "<feed/>")
	sub := newSubscriber(t)
	cb := sub.URL + "/cb"
	subscribed(t, h, topic.URL, cb, "hub.secret", "hidden-secret-value")
	h.publish(t, topic.URL)
	testwait.Until(t, waitLimit, "delivery", func() bool { return len(sub.got()) == 1 })

	code, page := h.get(t, "/")
	for _, want := range []string{"WebSub hub", "curl -d hub.mode=publish", h.URL, "Active subscriptions</td><td>1<"} {
		if code != http.StatusOK || !strings.Contains(page, want) {
			t.Errorf("landing page (%d) lacks %q", code, want)
		}
	}
	if code, body := h.get(t, "/healthz"); code != http.StatusOK || strings.TrimSpace(body) != "ok" {
		t.Errorf("healthz: %d %q", code, body)
	}
	testwait.Until(t, waitLimit, "delivery metrics", func() bool {
		_, m := h.get(t, "/metrics")
		return strings.Contains(m, `hub_deliveries_total{result="ok"} 1`) && strings.Contains(m, "hub_deliveries_pending 0")
	})
	_, m := h.get(t, "/metrics")
	for _, want := range []string{
		"hub_subscriptions_active 1", `hub_verifications_total{mode="subscribe",result="verified"} 1`,
		"hub_delivery_duration_seconds_count 1", `hub_topic_fetches_total{result="changed"} 1`,
		"hub_deliveries_pending 0",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q", want)
		}
	}

	v := h.state(t, topic.URL, cb)
	if v.State != "active" || !v.Signed || v.LeaseExpires == nil || len(v.Deliveries) != 1 || v.Deliveries[0].State != "delivered" || v.Deliveries[0].LastStatus != 204 {
		t.Fatalf("subscription page %+v", v)
	}
	// The times shown are the hub's (Config.Now), not the machine's.
	now, lease := h.clock.Now(), time.Duration(v.LeaseSeconds)*time.Second
	for what, at := range map[string]*time.Time{"since": v.Since, "requested": &v.Verifications[0].Requested,
		"verified": v.Verifications[0].Finished, "queued": &v.Deliveries[0].Queued, "delivered": v.Deliveries[0].Finished} {
		if at == nil || at.Before(testEpoch()) || at.After(now) {
			t.Errorf("%s at %v, want between %v and %v", what, at, testEpoch(), now)
		}
	}
	if v.LeaseExpires != nil && (v.LeaseExpires.Before(testEpoch().Add(lease)) || v.LeaseExpires.After(now.Add(lease))) {
		t.Errorf("lease expires %v, want %v after the subscription", v.LeaseExpires, lease)
	}
	_, raw := h.get(t, "/subscription?"+url.Values{"hub.topic": {topic.URL}, "hub.callback": {cb}}.Encode())
	if strings.Contains(raw, "hidden-secret-value") {
		t.Error("subscription page shows the secret")
	}
	if code, _ := h.get(t, "/subscription?hub.topic=http://x/&hub.callback=http://y/"); code != http.StatusNotFound {
		t.Errorf("unknown subscription: %d, want 404", code)
	}
	if code, _ := h.get(t, "/subscription"); code != http.StatusBadRequest {
		t.Errorf("no parameters: %d, want 400", code)
	}
}
