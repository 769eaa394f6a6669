package hub

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/hub/store"
	"github.com/rookery-social/rookery/internal/testwait"
)

func TestPrivateAddressesRefusedWithoutAllowPrivate(t *testing.T) {
	perInstance(t, "it reads the metrics of one instance, and metrics are per instance")
	h := startHub(t, func(c *Config) { c.AllowPrivate = false })
	sub := newSubscriber(t)
	topic := newTopic(t, atomType, "<feed/>")

	// A public topic (never fetched here) and a loopback callback: the
	// verification GET is refused at dial time.
	public := "http://1.1.1.1/feed.atom"
	cb := sub.URL + "/cb"
	h.subscribe(t, public, cb)
	testwait.Until(t, 10*time.Second, "failed verification", func() bool {
		v := h.state(t, public, cb).Verifications
		return len(v) == 1 && v[0].State == store.VerifyFailed
	})
	if r := h.state(t, public, cb).Verifications[0].Result; !strings.Contains(r, "not public") {
		t.Errorf("result %q does not say the callback address is not public", r)
	}

	// A loopback topic is denied before anything is sent.
	h.subscribe(t, topic.URL, cb)
	testwait.Until(t, 10*time.Second, "denied subscription", func() bool {
		v := h.state(t, topic.URL, cb).Verifications
		return len(v) == 1 && v[0].State == store.VerifyDenied
	})
	if r := h.state(t, topic.URL, cb).Verifications[0].Result; !strings.Contains(r, "not on a public address") {
		t.Errorf("denial reason %q", r)
	}
	// Tracking fetches every pinged topic: the fetch is refused at dial.
	h.publish(t, topic.URL)
	testwait.Until(t, waitLimit, "the refused fetch", func() bool {
		_, m := h.get(t, "/metrics")
		return strings.Contains(m, `hub_topic_fetches_total{result="error"} 1`)
	})
	if n := len(sub.verifications()) + len(sub.got()) + len(topic.fetches()); n != 0 {
		t.Errorf("%d requests reached loopback servers", n)
	}
	if code, _ := h.get(t, "/healthz"); code != http.StatusOK {
		t.Errorf("healthz %d after refusals", code)
	}
}

func TestDeniedSubscriptionIsNotified(t *testing.T) {
	h := startHub(t, func(c *Config) { c.MaxSubscriptionsPerHost = 1 })
	t1 := newTopic(t, atomType, "<feed>1</feed>")
	t2 := newTopic(t, atomType, "<feed>2</feed>")
	sub := newSubscriber(t)
	subscribed(t, h, t1.URL, sub.URL+"/a")
	subscribed(t, h, t1.URL, sub.URL+"/a") // a renewal is not a new subscription
	cb := sub.URL + "/b?k=v"
	h.subscribe(t, t2.URL, cb)
	testwait.Until(t, 10*time.Second, "denial", func() bool {
		v := h.state(t, t2.URL, cb).Verifications
		return len(v) == 1 && v[0].State == store.VerifyDenied
	})
	// The notice for /b (the renewal's verification of /a may come later).
	var q url.Values
	for _, u := range sub.verifications() {
		if u.Path == "/b" {
			q = u.Query()
		}
	}
	if q.Get("hub.mode") != "denied" || q.Get("hub.topic") != t2.URL || q.Get("k") != "v" || q.Get("hub.reason") == "" {
		t.Errorf("denial notice %v", q)
	}
	if q.Has("hub.challenge") {
		t.Error("a denial carries a challenge")
	}
	if st := h.state(t, t2.URL, cb).State; st != "none" {
		t.Errorf("denied subscription has state %q", st)
	}
}

func TestBadRequests(t *testing.T) {
	h := startHub(t, func(c *Config) { c.MaxRequestBytes = 4096 })
	ok := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {"http://example.org/feed"}, "hub.callback": {"http://example.net/cb"}}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for kk, vv := range ok {
			f[kk] = vv
		}
		if v == "" {
			f.Del(k)
		} else {
			f.Set(k, v)
		}
		return f
	}
	for name, tc := range map[string]struct {
		form url.Values
		want string
	}{
		"no mode":         {with("hub.mode", ""), "missing hub.mode"},
		"unknown mode":    {with("hub.mode", "subscrib"), "unknown hub.mode"},
		"no callback":     {with("hub.callback", ""), "missing hub.callback"},
		"relative":        {with("hub.callback", "/cb"), "absolute http or https"},
		"ftp topic":       {with("hub.topic", "ftp://example.org/feed"), "absolute http or https"},
		"fragment":        {with("hub.callback", "http://example.net/cb#x"), "fragment"},
		"unparseable":     {with("hub.topic", "http://[bad"), `hub.topic "http://[bad" is not a valid URL: missing ']' in host`},
		"secret too long": {with("hub.secret", strings.Repeat("s", 200)), "less than 200 bytes"},
		"bad lease":       {with("hub.lease_seconds", "soon"), "hub.lease_seconds"},
		"negative lease":  {with("hub.lease_seconds", "-5"), "hub.lease_seconds"},
		"publish no url":  {url.Values{"hub.mode": {"publish"}}, "hub.url"},
		"publish bad url": {url.Values{"hub.mode": {"publish"}, "hub.url": {"javascript:alert(1)"}}, "absolute http"},
		"body too large":  {with("padding", strings.Repeat("p", 5000)), "over 4096 bytes"},
	} {
		t.Run(name, func(t *testing.T) {
			code, body := h.post(t, tc.form)
			if code < 400 || code > 499 || !strings.Contains(body, tc.want) {
				t.Errorf("got %d %q, want 4xx saying %q", code, body, tc.want)
			}
		})
	}
	resp, err := http.Post(h.URL, "application/json", strings.NewReader(`{"hub.mode":"publish"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("JSON body: %d, want 415", resp.StatusCode)
	}
	if code, _ := h.post(t, with("hub.secret", strings.Repeat("s", 199))); code != http.StatusAccepted {
		t.Errorf("a 199-byte secret: %d, want 202", code)
	}
}

func TestRateLimitPerSourceIP(t *testing.T) {
	perInstance(t, "the rate limit is per instance")
	h := startHub(t, func(c *Config) {
		c.RateLimit, c.RateBurst = 0.01, 3
		c.SubscribeRateLimit, c.SubscribeRateBurst = 0.02, 2
	})
	post := func(form url.Values) (int, string) {
		resp, err := http.PostForm(h.URL, form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}
	ping := url.Values{"hub.mode": {"publish"}, "hub.url": {"http://example.org/feed"}}
	sub := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {"http://example.org/feed"},
		"hub.callback": {"http://example.org/cb"}}
	var pings, subs []int
	for range 5 {
		code, _ := post(ping)
		pings = append(pings, code)
	}
	// Pings used up their bucket: subscription requests have their own.
	for range 3 {
		code, _ := post(sub)
		subs = append(subs, code)
	}
	if pings[2] != http.StatusAccepted || pings[3] != http.StatusTooManyRequests || pings[4] != http.StatusTooManyRequests {
		t.Errorf("publish codes %v: want 3 accepted, then 429", pings)
	}
	if subs[0] != http.StatusAccepted || subs[1] != http.StatusAccepted || subs[2] != http.StatusTooManyRequests {
		t.Errorf("subscribe codes %v after the pings were limited: want 2 accepted, then 429", subs)
	}
	// Every 429 says when to come back: the time the bucket needs for one
	// more request (100 s for pings, 50 s for subscriptions), rounded up.
	for name, c := range map[string]struct {
		form     url.Values
		min, max int
	}{"publish": {ping, 90, 100}, "subscribe": {sub, 40, 50}, "junk": {url.Values{"x": {"y"}}, 90, 100}} {
		code, ra := post(c.form)
		n, err := strconv.Atoi(ra)
		if code != http.StatusTooManyRequests || err != nil || n < c.min || n > c.max {
			t.Errorf("%s over the limit: %d Retry-After %q, want 429 with %d to %d seconds", name, code, ra, c.min, c.max)
		}
	}
	resp, err := http.Get(h.URL + "subscription?hub.topic=x&hub.callback=y")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("GET /subscription over the limit: %d Retry-After %q, want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}
