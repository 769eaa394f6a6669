package subscriber_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/rookery-social/rookery/aggregate/daemon/daemontest"
	"github.com/rookery-social/rookery/aggregate/store"
	"github.com/rookery-social/rookery/aggregate/subscriber"
	"github.com/rookery-social/rookery/internal/safehttp"
	"github.com/rookery-social/rookery/internal/sqlitedb"
	"github.com/rookery-social/rookery/internal/testwait"
	"github.com/rookery-social/rookery/internal/websub"
)

const atomDoc = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>Alice</title><id>tag:alice.test,2026:feed</id><updated>2030-12-30T10:00:00Z</updated>
<entry><id>tag:alice.test,2026:posts/abc</id><title>hello</title>
<link rel="alternate" href="https://alice.test/posts/abc/"/>
<updated>2030-12-30T10:00:00Z</updated><content type="html">&lt;p&gt;hello world&lt;/p&gt;</content></entry>
</feed>`

// clock is a test clock that only moves when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	sub   *subscriber.Subscriber
	store *daemontest.Store
	hub   *daemontest.Hub
	clock *clock
	base  string
	feed  string // the feed URL a test follows
	topic string
}

// setup starts a hub granting leaseSeconds, a feed server advertising it
// (in Link headers, behind a 301), and a subscriber on a real SQLite file.
func setup(t *testing.T, leaseSeconds int) *env {
	t.Helper()
	e := &env{store: daemontest.New("https://me.test/feed.atom"), hub: daemontest.NewHub(t, leaseSeconds),
		clock: &clock{t: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}}
	feeds := http.NewServeMux()
	var feedSrv *httptest.Server
	feeds.HandleFunc("GET /old.atom", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/feed.atom", http.StatusMovedPermanently)
	})
	feeds.HandleFunc("GET /feed.atom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Link", websub.FormatLink(e.hub.URL, "hub"))
		w.Header().Add("Link", websub.FormatLink(feedSrv.URL+"/feed.atom", "self"))
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write([]byte(atomDoc))
	})
	feedSrv = httptest.NewServer(feeds)
	t.Cleanup(feedSrv.Close)
	e.feed, e.topic = feedSrv.URL+"/old.atom", feedSrv.URL+"/feed.atom"

	var h http.Handler = http.NotFoundHandler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	e.base = srv.URL
	db, err := sqlitedb.Open(filepath.Join(t.TempDir(), "reader.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	client := safehttp.NewClient(safehttp.Options{AllowPrivate: true, Timeout: 10 * time.Second})
	e.sub, err = subscriber.New(db, e.store, subscriber.Config{BaseURL: srv.URL + "/", Client: client,
		Lease: 7 * 24 * time.Hour, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	routes := chi.NewRouter()
	e.sub.Routes(routes)
	h = routes
	return e
}

func (e *env) sync(t *testing.T) {
	t.Helper()
	if err := e.sub.Sync(context.Background()); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

func (e *env) only(t *testing.T) subscriber.Subscription {
	t.Helper()
	subs, err := e.sub.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 1 {
		t.Fatalf("want 1 subscription, got %+v", subs)
	}
	return subs[0]
}

// active follows e.feed (hubs unknown to the store, so the subscriber
// discovers them) and waits until the hub has verified the subscription.
func (e *env) active(t *testing.T) subscriber.Subscription {
	t.Helper()
	e.store.Follow(store.Feed{URL: e.feed})
	e.sync(t)
	testwait.Until(t, 10*time.Second, "verified subscription", func() bool { return e.store.Mode(e.feed) == store.ModePush })
	sub := e.only(t)
	// The hub records the subscription once it has read our answer, which
	// may be just after we recorded it.
	testwait.Until(t, 10*time.Second, "the hub to hold the subscription", func() bool { return e.hub.Active(sub.Callback) })
	return sub
}

func TestSubscribeVerifyAndDeliver(t *testing.T) {
	e := setup(t, 3600)
	sub := e.active(t)
	reqs := e.hub.Requests()
	if len(reqs) != 1 {
		t.Fatalf("hub got %d requests, want 1: %+v", len(reqs), reqs)
	}
	r := reqs[0]
	if r.Mode != "subscribe" || r.Topic != e.topic || r.Lease != "604800" || len(r.Secret) < 32 {
		t.Errorf("subscribe request = %+v; want topic %s (the self URL after the 301), lease 604800, a long secret", r, e.topic)
	}
	if u, _ := url.Parse(r.Callback); r.Callback != e.base+"/websub/"+sub.ID || len(u.Path) < len("/websub/")+26 {
		t.Errorf("callback %q: want %s/websub/<at least 128 random bits>", r.Callback, e.base)
	}
	if sub.State != subscriber.StateActive || sub.LeaseSeconds != 3600 {
		t.Errorf("subscription = %+v, want active with the hub's 3600 s lease", sub)
	}
	codes, err := e.hub.Publish(e.topic, "application/atom+xml", []byte(atomDoc))
	if err != nil || len(codes) != 1 || codes[0]/100 != 2 {
		t.Fatalf("publish: codes %v err %v", codes, err)
	}
	posts := e.store.Posts(e.feed)
	if len(posts) != 1 || posts[0].ID != "tag:alice.test,2026:posts/abc" {
		t.Fatalf("delivered entry not stored under the followed feed URL: %+v", posts)
	}
}

func TestBadSignatureIgnored(t *testing.T) {
	e := setup(t, 3600)
	sub := e.active(t)
	c := &http.Client{Timeout: 5 * time.Second}
	cases := map[string]string{
		"missing":      "",
		"wrong secret": websub.Sign([]byte("guessed"), []byte(atomDoc)),
		"other body":   websub.Sign([]byte("x"), []byte("<feed/>")),
		"garbage":      "sha256=zz",
	}
	for name, sig := range cases {
		code, err := daemontest.Deliver(c, sub.Callback, "application/atom+xml", []byte(atomDoc), sig)
		if err != nil || code/100 != 2 {
			t.Errorf("%s signature: status %d err %v; want a 2xx so the hub does not retry", name, code, err)
		}
	}
	if n := e.store.PostCount(); n != 0 {
		t.Fatalf("forged deliveries stored %d posts, want none", n)
	}
	code, err := daemontest.Deliver(c, e.base+"/websub/unknownid", "application/atom+xml", []byte(atomDoc), "")
	if err != nil || code != http.StatusGone {
		t.Errorf("delivery to an unknown callback: status %d err %v, want 410", code, err)
	}
}

func TestVerificationOnlyForOurIntent(t *testing.T) {
	e := setup(t, 3600)
	sub := e.active(t)
	c := &http.Client{Timeout: 5 * time.Second}
	get := func(id, mode, topic string) (int, string) {
		q := url.Values{"hub.mode": {mode}, "hub.topic": {topic}, "hub.challenge": {"ch4ll3nge"}, "hub.lease_seconds": {"100"}}
		resp, err := c.Get(e.base + "/websub/" + id + "?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b := make([]byte, 64)
		n, _ := resp.Body.Read(b)
		return resp.StatusCode, string(b[:n])
	}
	for name, c := range map[string][3]string{
		"unknown id":          {"nosuchsubscription", "subscribe", e.topic},
		"wrong topic":         {sub.ID, "subscribe", e.topic + "?x"},
		"unrequested unsub":   {sub.ID, "unsubscribe", e.topic},
		"unknown mode":        {sub.ID, "publish", e.topic},
		"unknown id, denied":  {"nosuchsubscription", "denied", e.topic},
		"wrong topic, denied": {sub.ID, "denied", "https://evil.test/"},
	} {
		if code, body := get(c[0], c[1], c[2]); code != http.StatusNotFound || body == "ch4ll3nge" {
			t.Errorf("%s: status %d body %q, want 404 without the challenge", name, code, body)
		}
	}
	if got := e.only(t); got.State != subscriber.StateActive || e.store.Mode(e.feed) != store.ModePush {
		t.Fatalf("refused verifications changed the subscription: %+v", got)
	}
}

// TestUnsolicitedVerificationCannotShortenALease: a verification GET with
// the right callback and topic but for no request we sent (here with
// hub.lease_seconds=1) is refused and changes nothing; a renewal we ask
// for is still verified.
func TestUnsolicitedVerificationCannotShortenALease(t *testing.T) {
	e := setup(t, 3600)
	sub := e.active(t)
	q := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {e.topic}, "hub.challenge": {"ch4ll3nge"}, "hub.lease_seconds": {"1"}}
	resp, err := http.Get(sub.Callback + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 64)
	n, _ := resp.Body.Read(b)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || string(b[:n]) == "ch4ll3nge" {
		t.Fatalf("unsolicited verification: status %d body %q, want 404 without the challenge", resp.StatusCode, b[:n])
	}
	got := e.only(t)
	if got.State != subscriber.StateActive || got.LeaseSeconds != 3600 || !got.Expires.Equal(sub.Expires) {
		t.Fatalf("after an unsolicited verification: %+v, want the 3600 s lease unchanged (%v)", got, sub.Expires)
	}
	e.clock.Add(3100 * time.Second) // past the renewal window (75% to 85% of the lease)
	e.sync(t)
	if e.store.Mode(e.feed) != store.ModePush {
		t.Fatal("the feed dropped back to polling")
	}
	testwait.Until(t, 10*time.Second, "our renewal verified", func() bool { return len(e.hub.Verified()) == 2 })
	if renewed := e.only(t); renewed.State != subscriber.StateActive || !renewed.Expires.After(sub.Expires) {
		t.Fatalf("renewal: %+v, want active with a later expiry", renewed)
	}
}

func TestHubRedirectRePosts(t *testing.T) {
	e := setup(t, 3600)
	e.store.Follow(store.Feed{URL: e.topic, Hubs: []string{e.hub.MovedURL}, Self: e.topic})
	e.sync(t)
	testwait.Until(t, 10*time.Second, "verified subscription", func() bool { return e.store.Mode(e.topic) == store.ModePush })
	if reqs := e.hub.Requests(); len(reqs) != 1 || reqs[0].Mode != "subscribe" || reqs[0].Secret == "" {
		t.Fatalf("the 307 was not re-POSTed with the same form: %+v", reqs)
	}
}

func TestDeniedFallsBackToPolling(t *testing.T) {
	e := setup(t, 3600)
	e.hub.SetDeny(true)
	e.store.Follow(store.Feed{URL: e.topic, Hubs: []string{e.hub.URL}})
	e.sync(t)
	testwait.Until(t, 10*time.Second, "denial", func() bool { return e.store.Mode(e.topic) == store.ModePoll })
	sub := e.only(t)
	if sub.State != subscriber.StateDenied || sub.LastError == "" {
		t.Fatalf("subscription = %+v, want denied with the reason", sub)
	}
	e.sync(t)
	if n := len(e.hub.Requests()); n != 1 {
		t.Fatalf("a denied subscription was re-requested at once (%d requests)", n)
	}
	e.hub.SetDeny(false)
	e.clock.Add(25 * time.Hour)
	e.sync(t)
	testwait.Until(t, 10*time.Second, "retry after a day", func() bool { return e.store.Mode(e.topic) == store.ModePush })
}

func TestLeaseRenewalAndLapse(t *testing.T) {
	e := setup(t, 1000)
	first := e.active(t)
	e.clock.Add(700 * time.Second)
	e.sync(t)
	if n := len(e.hub.Requests()); n != 1 {
		t.Fatalf("renewed at 70%% of the lease (%d requests), want from 75%% to 85%%", n)
	}
	e.clock.Add(150 * time.Second) // 85%: the end of the renewal window
	e.sync(t)
	testwait.Until(t, 10*time.Second, "renewal verified", func() bool { return len(e.hub.Verified()) == 2 })
	reqs := e.hub.Requests()
	if len(reqs) != 2 || reqs[1].Callback != first.Callback || reqs[1].Mode != "subscribe" {
		t.Fatalf("renewal: %+v, want a second subscribe on the same callback", reqs)
	}
	renewed := e.only(t)
	if !renewed.Expires.After(first.Expires) {
		t.Fatalf("lease not extended: %v then %v", first.Expires, renewed.Expires)
	}

	// The hub stops answering: the lease lapses and the feed is polled.
	e.hub.SetDeny(true)
	e.clock.Add(2000 * time.Second)
	e.sync(t)
	testwait.Until(t, 10*time.Second, "polling after lapse", func() bool { return e.store.Mode(e.feed) == store.ModePoll })
	if got := e.only(t); got.State == subscriber.StateActive {
		t.Fatalf("lapsed subscription still active: %+v", got)
	}
}

func TestUnfollowUnsubscribes(t *testing.T) {
	e := setup(t, 3600)
	sub := e.active(t)
	e.store.Unfollow(e.feed)
	e.sync(t)
	testwait.Until(t, 10*time.Second, "unsubscribe verified", func() bool { return !e.hub.Active(sub.Callback) && len(e.hub.Verified()) == 2 })
	subs, err := e.sub.List(context.Background())
	if err != nil || len(subs) != 0 {
		t.Fatalf("subscriptions after unfollow: %+v %v", subs, err)
	}
	code, err := daemontest.Deliver(&http.Client{}, sub.Callback, "application/atom+xml", []byte(atomDoc), "")
	if err != nil || code != http.StatusGone {
		t.Fatalf("delivery after unsubscribe: %d %v, want 410 Gone", code, err)
	}
}

func TestSignatureAlgorithms(t *testing.T) {
	for name, h := range map[string]func() hash.Hash{"sha1": sha1.New, "sha256": sha256.New, "sha384": sha512.New384, "sha512": sha512.New} {
		t.Run(name, func(t *testing.T) {
			e := setup(t, 3600)
			sub := e.active(t)
			secret := e.hub.Requests()[0].Secret
			m := hmac.New(h, []byte(secret))
			m.Write([]byte(atomDoc))
			sig := name + "=" + hex.EncodeToString(m.Sum(nil))
			code, err := daemontest.Deliver(&http.Client{}, sub.Callback, "application/atom+xml", []byte(atomDoc), sig)
			if err != nil || code/100 != 2 || e.store.PostCount() != 1 {
				t.Fatalf("%s-signed delivery: status %d err %v, %d posts stored; want it stored", name, code, err, e.store.PostCount())
			}
		})
	}
}
