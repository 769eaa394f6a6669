package hub

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/testwait"

	"github.com/rookery-social/rookery/hub/store"
	"github.com/rookery-social/rookery/internal/websub"
)

const atomType = "application/atom+xml;  charset=UTF-8"

func TestSubscribeAnswers202AndVerifiesAsynchronously(t *testing.T) {
	h := startHub(t, nil)
	topic := newTopic(t, atomType, "<feed/>")
	sub := newSubscriber(t)
	release := make(chan struct{})
	sub.setVerify(func(q url.Values) (int, string) {
		<-release // the hub's answer must not wait for this
		return http.StatusOK, q.Get(websub.ParamChallenge)
	})
	callback := sub.URL + "/cb?user=7&x=a%20b"
	h.subscribe(t, topic.URL, callback, "hub.lease_seconds", "3600")
	close(release)
	testwait.Until(t, waitLimit, "active subscription", func() bool { return h.state(t, topic.URL, callback).State == store.StateActive })

	v := sub.verifications()[0]
	q := v.Query()
	if q.Get("user") != "7" || q.Get("x") != "a b" || !strings.HasPrefix(v.RawQuery, "user=7&x=a%20b&") {
		t.Errorf("verification %q lost the callback's own query string", v.RawQuery)
	}
	if q.Get("hub.mode") != "subscribe" || q.Get("hub.topic") != topic.URL || q.Get("hub.lease_seconds") != "3600" {
		t.Errorf("verification query %v", q)
	}
	if len(q.Get("hub.challenge")) < 32 {
		t.Errorf("challenge %q is too short to be unguessable", q.Get("hub.challenge"))
	}
}

func TestChallengeIsFreshEachTime(t *testing.T) {
	h := startHub(t, nil)
	topic := newTopic(t, atomType, "<feed/>")
	sub := newSubscriber(t)
	cb := sub.URL + "/cb"
	h.subscribe(t, topic.URL, cb)
	testwait.Until(t, waitLimit, "first verification", func() bool { return h.state(t, topic.URL, cb).State == store.StateActive })
	h.subscribe(t, topic.URL, cb)
	testwait.Until(t, waitLimit, "second verification", func() bool {
		return len(h.state(t, topic.URL, cb).Verifications) == 2 && h.state(t, topic.URL, cb).Verifications[0].State == store.VerifyVerified
	})
	vs := sub.verifications()
	if a, b := vs[0].Query().Get("hub.challenge"), vs[1].Query().Get("hub.challenge"); a == b {
		t.Errorf("the same challenge %q was used twice", a)
	}
}

func TestVerificationFailures(t *testing.T) {
	for name, answer := range map[string]func(url.Values) (int, string){
		"wrong challenge":    func(url.Values) (int, string) { return http.StatusOK, "not-the-challenge" },
		"challenge plus \\n": func(q url.Values) (int, string) { return http.StatusOK, q.Get("hub.challenge") + "\n" },
		"refused (404)":      func(q url.Values) (int, string) { return http.StatusNotFound, q.Get("hub.challenge") },
		"server error":       func(q url.Values) (int, string) { return http.StatusInternalServerError, "" },
	} {
		t.Run(name, func(t *testing.T) {
			h := startHub(t, nil)
			topic := newTopic(t, atomType, "<feed/>")
			sub, witness := newSubscriber(t), newSubscriber(t)
			sub.setVerify(answer)
			cb := sub.URL + "/cb"
			h.subscribe(t, topic.URL, cb)
			testwait.Until(t, waitLimit, "failed verification", func() bool {
				v := h.state(t, topic.URL, cb)
				return len(v.Verifications) == 1 && v.Verifications[0].State == store.VerifyFailed
			})
			if st := h.state(t, topic.URL, cb).State; st != "none" {
				t.Fatalf("state %q after failed verification, want none", st)
			}
			subscribed(t, h, topic.URL, witness.URL+"/cb")
			h.publish(t, topic.URL)
			h.settled(t, topic.URL, witness.URL+"/cb", 1)
			if n := len(sub.got()); n != 0 {
				t.Errorf("%d deliveries to an unverified callback", n)
			}
		})
	}
}

// subscribed subscribes cb and waits for it to be active.
func subscribed(t *testing.T, h *testHub, topic, cb string, extra ...string) {
	t.Helper()
	h.subscribe(t, topic, cb, extra...)
	testwait.Until(t, waitLimit, "subscription of "+cb, func() bool { return h.state(t, topic, cb).State == store.StateActive })
}

func TestResubscribeRenewsWithoutDuplicates(t *testing.T) {
	h := startHub(t, nil)
	topic := newTopic(t, atomType, "<feed>1</feed>")
	sub := newSubscriber(t)
	cb := sub.URL + "/cb"
	subscribed(t, h, topic.URL, cb, "hub.lease_seconds", "600")
	first := h.state(t, topic.URL, cb)
	h.subscribe(t, topic.URL, cb, "hub.lease_seconds", "7200")
	testwait.Until(t, waitLimit, "renewal", func() bool { return h.state(t, topic.URL, cb).LeaseSeconds == 7200 })
	if got := h.state(t, topic.URL, cb); !got.LeaseExpires.After(*first.LeaseExpires) {
		t.Errorf("renewal did not extend the lease: %v then %v", first.LeaseExpires, got.LeaseExpires)
	}
	h.publish(t, topic.URL)
	h.settled(t, topic.URL, cb, 1)
	if n := len(sub.got()); n != 1 {
		t.Errorf("%d deliveries after a renewal, want 1", n)
	}
}

func TestUnsubscribe(t *testing.T) {
	h := startHub(t, nil)
	topic := newTopic(t, atomType, "<feed>1</feed>")
	sub := newSubscriber(t)
	cb := sub.URL + "/cb"
	subscribed(t, h, topic.URL, cb)
	unsub := url.Values{"hub.mode": {"unsubscribe"}, "hub.topic": {topic.URL}, "hub.callback": {cb}}

	sub.setVerify(func(url.Values) (int, string) { return http.StatusNotFound, "" })
	h.mustPost(t, unsub)
	testwait.Until(t, waitLimit, "failed unsubscribe verification", func() bool {
		v := h.state(t, topic.URL, cb).Verifications
		return v[0].Mode == "unsubscribe" && v[0].State == store.VerifyFailed
	})
	if st := h.state(t, topic.URL, cb).State; st != store.StateActive {
		t.Fatalf("state %q after a failed unsubscribe verification, want active", st)
	}
	h.publish(t, topic.URL)
	testwait.Until(t, waitLimit, "delivery to the still active subscription", func() bool { return len(sub.got()) == 1 })

	sub.setVerify(nil)
	h.mustPost(t, unsub)
	testwait.Until(t, waitLimit, "unsubscribed", func() bool { return h.state(t, topic.URL, cb).State == store.StateUnsubscribed })
	if q := sub.verifications()[len(sub.verifications())-1].Query(); q.Get("hub.mode") != "unsubscribe" || q.Has("hub.lease_seconds") {
		t.Errorf("unsubscribe verification query %v", q)
	}
	witness := newSubscriber(t)
	subscribed(t, h, topic.URL, witness.URL+"/cb")
	topic.set("<feed>2</feed>", "")
	h.publish(t, topic.URL)
	h.settled(t, topic.URL, witness.URL+"/cb", 1)
	if n := len(sub.got()); n != 1 {
		t.Errorf("%d deliveries, want none after unsubscribing", n-1)
	}
}

func TestLeaseClampingAndExpiry(t *testing.T) {
	h := startHub(t, func(c *Config) {
		c.LeaseMin, c.LeaseDefault, c.LeaseMax = time.Minute, 2*time.Minute, time.Hour
	})
	topic := newTopic(t, atomType, "<feed/>")
	sub := newSubscriber(t)
	for _, tc := range []struct{ path, asked, want string }{
		{"/long", "1000000", "3600"}, {"/short", "1", "60"}, {"/zero", "0", "120"}, {"/none", "", "120"}, {"/ok", "300", "300"},
	} {
		extra := []string{}
		if tc.asked != "" {
			extra = []string{"hub.lease_seconds", tc.asked}
		}
		subscribed(t, h, topic.URL, sub.URL+tc.path, extra...)
		vs := sub.verifications()
		if got := vs[len(vs)-1].Query().Get("hub.lease_seconds"); got != tc.want {
			t.Errorf("asked lease %q: verification says %s, want %s", tc.asked, got, tc.want)
		}
	}
	h.clock.advance(10 * time.Minute)
	for _, path := range []string{"/short", "/zero", "/none", "/ok"} {
		if st := h.state(t, topic.URL, sub.URL+path).State; st != store.StateExpired {
			t.Errorf("%s: state %q once its lease has ended, want expired", path, st)
		}
	}
	h.publish(t, topic.URL)
	h.settled(t, topic.URL, sub.URL+"/long", 1)
	if n := len(sub.got()); n != 1 {
		t.Errorf("%d deliveries after four of the five leases ended, want 1", n)
	}
}

func TestFatPingContentHeadersAndSignature(t *testing.T) {
	logs := &syncBuffer{}
	h := startHub(t, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(io.MultiWriter(logs, testWriter{t}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	body := "<?xml version=\"1.0\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\u00e9\r\n</feed>\x00"
	t1 := newTopic(t, atomType, body)
	t2 := newTopic(t, "application/json", `{"version":"https://jsonfeed.org/version/1.1"}`)
	sub := newSubscriber(t)
	secret := "s3cr3t-that-must-never-be-shown"
	subscribed(t, h, t1.URL, sub.URL+"/signed", "hub.secret", secret)
	subscribed(t, h, t1.URL, sub.URL+"/plain")
	subscribed(t, h, t2.URL, sub.URL+"/json")
	// Two topics in one ping, one as hub.url and one as hub.topic.
	h.mustPost(t, url.Values{"hub.mode": {"publish"}, "hub.url": {t1.URL}, "hub.topic": {t2.URL}})
	testwait.Until(t, waitLimit, "three deliveries", func() bool { return len(sub.got()) == 3 })

	for _, d := range sub.got() {
		topic, wantBody, wantType := t1.URL, body, atomType
		if d.Path == "/json" {
			topic, wantBody, wantType = t2.URL, `{"version":"https://jsonfeed.org/version/1.1"}`, "application/json"
		}
		if string(d.Body) != wantBody || d.Header.Get("Content-Type") != wantType {
			t.Errorf("%s got %q as %q, want %q as %q", d.Path, d.Body, d.Header.Get("Content-Type"), wantBody, wantType)
		}
		links := websub.ParseLinks(d.Header)
		if hubs := websub.LinksWithRel(links, "hub"); len(hubs) != 1 || hubs[0] != h.URL {
			t.Errorf("%s: rel=hub %v, want [%s]", d.Path, hubs, h.URL)
		}
		if self := websub.LinksWithRel(links, "self"); len(self) != 1 || self[0] != topic {
			t.Errorf("%s: rel=self %v, want exactly [%s]", d.Path, self, topic)
		}
		sig := d.Header.Get(websub.HeaderSignature)
		switch d.Path {
		case "/signed":
			if err := websub.Verify(sig, []byte(secret), d.Body); err != nil || !strings.HasPrefix(sig, "sha256=") {
				t.Errorf("signature %q: %v", sig, err)
			}
			if websub.Verify(sig, []byte("other"), d.Body) == nil {
				t.Error("signature verifies with the wrong secret")
			}
		default:
			if sig != "" {
				t.Errorf("%s: signature %q without a secret", d.Path, sig)
			}
		}
	}
	if _, page := h.get(t, "/subscription?"+url.Values{"hub.topic": {t1.URL}, "hub.callback": {sub.URL + "/signed"}}.Encode()); strings.Contains(page, secret) {
		t.Error("the subscription page shows the secret")
	}
	if logs.String() == "" || strings.Contains(logs.String(), secret) {
		t.Error("the logs are empty or show the secret")
	}
}

func TestConditionalGetAndUnchangedContent(t *testing.T) {
	h := startHub(t, nil)
	topic := newTopic(t, atomType, "<feed>1</feed>")
	topic.set("<feed>1</feed>", `"v1"`)
	sub := newSubscriber(t)
	subscribed(t, h, topic.URL, sub.URL+"/cb")
	h.publish(t, topic.URL)
	testwait.Until(t, waitLimit, "first delivery", func() bool { return len(sub.got()) == 1 })
	h.publish(t, topic.URL)
	testwait.Until(t, waitLimit, "second fetch", func() bool { return len(topic.fetches()) == 2 })
	if inm := topic.fetches()[1].Get("If-None-Match"); inm != `"v1"` {
		t.Errorf("second fetch sent If-None-Match %q, want \"v1\"", inm)
	}
	topic.set("<feed>1</feed>", "") // same bytes, no ETag: the hash says unchanged
	h.publish(t, topic.URL)
	testwait.Until(t, waitLimit, "third fetch", func() bool { return len(topic.fetches()) == 3 })
	topic.set("<feed>2</feed>", "")
	h.publish(t, topic.URL)
	testwait.Until(t, waitLimit, "delivery of the change", func() bool { return len(sub.got()) == 2 })
	if n := len(sub.got()); n != 2 || string(sub.got()[1].Body) != "<feed>2</feed>" {
		t.Errorf("deliveries %d, last %q: unchanged content was delivered again", n, sub.got()[n-1].Body)
	}
}

func TestUnknownParametersIgnored(t *testing.T) {
	h := startHub(t, nil)
	topic := newTopic(t, atomType, "<feed/>")
	sub := newSubscriber(t)
	cb := sub.URL + "/cb"
	h.mustPost(t, url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic.URL}, "hub.callback": {cb},
		"hub.future_param": {"x"}, "utm_source": {"y"}})
	testwait.Until(t, waitLimit, "subscription", func() bool { return h.state(t, topic.URL, cb).State == store.StateActive })
	h.mustPost(t, url.Values{"hub.mode": {"publish"}, "hub.url": {topic.URL}, "hub.whatever": {"1"}})
	testwait.Until(t, waitLimit, "delivery", func() bool { return len(sub.got()) == 1 })
}

func TestConditionalGetWithLastModified(t *testing.T) {
	h := startHub(t, nil)
	modified := testEpoch().Add(-36 * time.Hour)
	var mu sync.Mutex
	var sinces []string
	topic := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sinces = append(sinces, r.Header.Get("If-Modified-Since"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/atom+xml")
		http.ServeContent(w, r, "feed.atom", modified, strings.NewReader("<feed>lm</feed>"))
	}))
	t.Cleanup(topic.Close)
	sub := newSubscriber(t)
	subscribed(t, h, topic.URL, sub.URL+"/cb")
	h.publish(t, topic.URL)
	testwait.Until(t, waitLimit, "delivery", func() bool { return len(sub.got()) == 1 })
	h.publish(t, topic.URL)
	testwait.Until(t, waitLimit, "second fetch", func() bool { mu.Lock(); defer mu.Unlock(); return len(sinces) == 2 })
	mu.Lock()
	defer mu.Unlock()
	if sinces[0] != "" || sinces[1] != modified.Format(http.TimeFormat) {
		t.Errorf("If-Modified-Since sent %q, want none then %q", sinces, modified.Format(http.TimeFormat))
	}
}
