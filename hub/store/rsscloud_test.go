package store

import (
	"context"
	"testing"
	"time"
)

// An rssCloud registration and a WebSub subscription to one topic share its
// fetch: one fan-out makes a delivery for each, and each delivery says how
// its subscriber is told (handed over or claimed later).
func TestRSSCloudSharesTheFanOut(t *testing.T) { eachStore(t, testRSSCloudSharesTheFanOut) }

func testRSSCloudSharesTheFanOut(t *testing.T, s testStore) {
	ctx := context.Background()
	now := testNow
	subscribeN(t, s, "http://t/feed.rss", 1, now) // WebSub: http://cb/0
	cloud := Verification{Mode: ModePleaseNotify, Topic: "http://t/feed.rss", Callback: "http://reader:80/rsscloud/notify",
		LeaseSeconds: 25 * 3600, State: VerifyVerified, CreatedAt: now}
	if _, err := s.RecordVerification(ctx, cloud, now); err != nil {
		t.Fatal(err)
	}
	sub, err := s.Subscription(ctx, cloud.Topic, cloud.Callback)
	if err != nil || sub.Protocol != ProtocolRSSCloud || sub.State != StateActive || !sub.ExpiresAt.Equal(now.Add(25*time.Hour)) {
		t.Fatalf("rssCloud subscription: %+v %v", sub, err)
	}
	if c, _ := s.Counts(ctx, now); c.ActiveSubscriptions != 2 || c.RSSCloudActive != 1 {
		t.Fatalf("counts %+v, want 2 active of which 1 rssCloud", c)
	}

	out := fetchChanged(t, s, "http://t/feed.rss", "v1", Handoff{Max: 1, Until: now.Add(time.Minute)}, now)
	if out.Deliveries != 2 || len(out.Handed) != 1 || out.Handed[0].Protocol != ProtocolWebSub {
		t.Fatalf("fan-out: %+v", out)
	}
	claimed, err := s.ClaimDeliveries(ctx, now, now.Add(time.Minute), 10)
	if err != nil || len(claimed) != 1 || claimed[0].Protocol != ProtocolRSSCloud || claimed[0].Callback != cloud.Callback {
		t.Fatalf("claimed %+v (%v), want the rssCloud notify", claimed, err)
	}
}

// A failed registration is kept for the status page and subscribes nothing.
func TestRSSCloudFailedRegistration(t *testing.T) { eachStore(t, testRSSCloudFailedRegistration) }

func testRSSCloudFailedRegistration(t *testing.T, s testStore) {
	ctx := context.Background()
	v := Verification{Mode: ModePleaseNotify, Topic: "http://t/feed.rss", Callback: "http://reader:80/n",
		LeaseSeconds: 25 * 3600, State: VerifyFailed, Result: "callback answered 500", CreatedAt: testNow}
	if _, err := s.RecordVerification(ctx, v, testNow); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Subscription(ctx, v.Topic, v.Callback); err == nil {
		t.Fatal("a failed registration made a subscription")
	}
	vs, err := s.Verifications(ctx, v.Topic, v.Callback, 5)
	if err != nil || len(vs) != 1 || vs[0].State != VerifyFailed || vs[0].Result != v.Result || vs[0].Mode != ModePleaseNotify {
		t.Fatalf("verifications %+v (%v)", vs, err)
	}
	if pending, _ := s.ClaimVerifications(ctx, testNow.Add(time.Hour), testNow.Add(2*time.Hour), 10); len(pending) != 0 {
		t.Fatalf("a recorded verification was claimed again: %+v", pending)
	}
}

// A ping's fetch is queued and leased to it in one step; a second request
// while it runs is queued for later, not leased; a topic nobody subscribes
// to is not queued.
func TestRequestClaimedFetch(t *testing.T) { eachStore(t, testRequestClaimedFetch) }

func testRequestClaimedFetch(t *testing.T, s testStore) {
	ctx := context.Background()
	c, ok := s.(FetchClaimer)
	if !ok {
		t.Fatal("the store cannot claim a fetch")
	}
	now := testNow
	if _, queued, _, err := c.RequestClaimedFetch(ctx, "http://t/none", now, now.Add(time.Minute)); err != nil || queued {
		t.Fatalf("topic without subscribers: queued %v (%v)", queued, err)
	}
	subscribeN(t, s, "http://t/feed", 1, now)
	job, queued, claimed, err := c.RequestClaimedFetch(ctx, "http://t/feed", now, now.Add(time.Minute))
	if err != nil || !queued || !claimed || job.Topic != "http://t/feed" {
		t.Fatalf("first request: %+v queued %v claimed %v (%v)", job, queued, claimed, err)
	}
	if others, _ := s.ClaimFetches(ctx, now, now.Add(time.Minute), 10); len(others) != 0 {
		t.Fatalf("a worker claimed the leased job: %+v", others)
	}
	if _, queued, claimed, err := c.RequestClaimedFetch(ctx, "http://t/feed", now, now.Add(time.Minute)); err != nil || !queued || claimed {
		t.Fatalf("second request while the first runs: queued %v claimed %v (%v)", queued, claimed, err)
	}
	if _, err := s.FinishFetch(ctx, job, FetchResult{Changed: true, Body: []byte("x"), Hash: "x"}, Handoff{}, now); err != nil {
		t.Fatal(err)
	}
	again, ok, err := c.ClaimFetch(ctx, "http://t/feed", now, now.Add(time.Minute))
	if err != nil || !ok || again.Gen <= job.Gen {
		t.Fatalf("the second request did not leave a job to run again: %+v %v (%v)", again, ok, err)
	}
}
