package store

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testNow is the time of every store test: far from the wall clock, so a
// store that read the clock itself would show.
var testNow = time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)

func openTest(t *testing.T, path string) *SQLite {
	t.Helper()
	s, err := OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// subscribeN verifies n subscriptions of callbacks http://cb/0… to topic.
func subscribeN(t *testing.T, s testStore, topic string, n int, now time.Time) {
	t.Helper()
	for i := range n {
		v := Verification{Mode: "subscribe", Topic: topic, Callback: "http://cb/" + strconv.Itoa(i),
			Secret: []byte("k" + strconv.Itoa(i)), LeaseSeconds: 3600}
		if err := s.FinishVerification(context.Background(), v, VerifyVerified, "", now); err != nil {
			t.Fatal(err)
		}
	}
}

// fetchChanged runs one fetch of topic that finds new content.
func fetchChanged(t *testing.T, s testStore, topic, body string, handoff Handoff, now time.Time) FanOut {
	t.Helper()
	ctx := context.Background()
	if ok, err := s.RequestFetch(ctx, topic, now); err != nil || !ok {
		t.Fatalf("RequestFetch: %v %v", ok, err)
	}
	jobs, err := s.ClaimFetches(ctx, now, now.Add(time.Minute), 10)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("ClaimFetches: %v %v", jobs, err)
	}
	out, err := s.FinishFetch(ctx, jobs[0], FetchResult{Changed: true, Body: []byte(body), Hash: body,
		ContentType: "text/plain"}, handoff, now)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFanOutHandsOverAndLeases(t *testing.T) { eachStore(t, testFanOutHandsOverAndLeases) }

func testFanOutHandsOverAndLeases(t *testing.T, s testStore) {
	ctx := context.Background()
	now := testNow
	subscribeN(t, s, "http://t/", 1000, now)
	lease := now.Add(time.Minute)
	out := fetchChanged(t, s, "http://t/", "v1", Handoff{Max: 100, Until: lease}, now)
	if out.Deliveries != 1000 || len(out.Handed) != 100 {
		t.Fatalf("fan-out made %d deliveries, handed %d; want 1000 and 100", out.Deliveries, len(out.Handed))
	}
	for _, d := range out.Handed {
		if d.Callback == "" || string(d.Secret) != "k"+d.Callback[len("http://cb/"):] || d.Topic != "http://t/" {
			t.Fatalf("handed delivery lacks its subscription: %+v", d)
		}
	}
	claimed, err := s.ClaimDeliveries(ctx, now, lease, 5000)
	if err != nil || len(claimed) != 900 {
		t.Fatalf("claimed %d (%v), want the 900 not handed over", len(claimed), err)
	}
	if again, _ := s.ClaimDeliveries(ctx, now, lease, 5000); len(again) != 0 {
		t.Fatalf("claimed %d leased deliveries again", len(again))
	}
	if late, _ := s.ClaimDeliveries(ctx, lease, lease.Add(time.Minute), 5000); len(late) != 1000 {
		t.Fatalf("after the leases ran out %d came back, want 1000", len(late))
	}
	c, err := s.Content(ctx, out.ContentID)
	if err != nil || string(c.Body) != "v1" || c.ContentType != "text/plain" {
		t.Fatalf("content %+v %v", c, err)
	}
}

func TestFanOutHandsChunksBeforeCommit(t *testing.T) { eachStore(t, testFanOutHandsChunksBeforeCommit) }

func testFanOutHandsChunksBeforeCommit(t *testing.T, s testStore) {
	now := testNow
	subscribeN(t, s, "http://t/", 700, now)
	var sizes []int
	seen := map[int64]bool{}
	hand := func(c Content, ds []Delivery) {
		if string(c.Body) != "v1" {
			t.Errorf("handed content %q", c.Body)
		}
		sizes = append(sizes, len(ds))
		for _, d := range ds {
			if seen[d.SubscriptionID] || d.Callback == "" {
				t.Errorf("delivery %+v handed twice or without its callback", d)
			}
			seen[d.SubscriptionID] = true
		}
	}
	out := fetchChanged(t, s, "http://t/", "v1", Handoff{Max: 500, Until: now.Add(time.Minute), Hand: hand}, now)
	if out.Deliveries != 700 || len(out.Handed) != 0 || len(seen) != 500 {
		t.Fatalf("deliveries %d, handed %d in the result and %d through Hand; want 700, 0, 500", out.Deliveries, len(out.Handed), len(seen))
	}
	if sizes[0] != handChunks[0] {
		t.Errorf("first chunk %d, want %d so that sending starts early", sizes[0], handChunks[0])
	}
}

func TestClaimsAreReleasedAtRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hub.db")
	s := openTest(t, path)
	now := testNow
	subscribeN(t, s, "http://t/", 3, now)
	fetchChanged(t, s, "http://t/", "v1", Handoff{Max: 2, Until: now.Add(time.Hour)}, now)
	if c, _ := s.ClaimDeliveries(ctx, now, now.Add(time.Hour), 10); len(c) != 1 {
		t.Fatalf("claimed %d, want 1", len(c))
	}
	s.Close() // as if killed: nothing was delivered
	s = openTest(t, path)
	defer s.Close()
	restart := now.Add(time.Second)
	if err := s.ReleaseClaims(ctx, restart); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.ClaimDeliveries(ctx, restart, restart.Add(time.Hour), 10); len(c) != 3 {
		t.Fatalf("after reopening %d deliveries are due, want all 3", len(c))
	}
}

func TestDeliveryOutcomes(t *testing.T) { eachStore(t, testDeliveryOutcomes) }

func testDeliveryOutcomes(t *testing.T, s testStore) {
	ctx := context.Background()
	now := testNow
	subscribeN(t, s, "http://t/", 3, now)
	fetchChanged(t, s, "http://t/", "v1", Handoff{}, now)
	fetchChanged(t, s, "http://t/", "v2", Handoff{}, now)
	ds, _ := s.ClaimDeliveries(ctx, now, now.Add(time.Minute), 10)
	if len(ds) != 6 {
		t.Fatalf("claimed %d, want 6", len(ds))
	}
	bySub := map[string][]Delivery{}
	for _, d := range ds {
		bySub[d.Callback] = append(bySub[d.Callback], d)
	}
	retryAt := now.Add(10 * time.Second)
	gone := bySub["http://cb/2"][0]
	err := s.CompleteDeliveries(ctx, []DeliveryResult{
		result(bySub["http://cb/0"][0], OutcomeDone, 204),
		result(bySub["http://cb/0"][1], OutcomeDone, 200),
		{ID: bySub["http://cb/1"][0].ID, ContentID: bySub["http://cb/1"][0].ContentID, Outcome: OutcomeRetry,
			Status: 500, Error: "callback answered 500", RetryAt: retryAt},
		result(gone, OutcomeGone, 410),
		// a result naming the right row but another content version (a
		// rolled-back fan-out) changes nothing
		{ID: bySub["http://cb/1"][1].ID, ContentID: 999, Outcome: OutcomeDone, Status: 200},
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	if sub, _ := s.Subscription(ctx, "http://t/", "http://cb/2"); sub.State != StateGone {
		t.Errorf("after 410 the subscription is %q", sub.State)
	}
	recs, _ := s.RecentDeliveries(ctx, gone.SubscriptionID, 10)
	for _, r := range recs {
		if r.State == DeliveryPending {
			t.Errorf("delivery %d of a gone subscription still pending", r.ID)
		}
	}
	due, _ := s.ClaimDeliveries(ctx, retryAt, retryAt.Add(time.Minute), 10)
	if len(due) != 1 || due[0].ID != bySub["http://cb/1"][0].ID || due[0].Attempts != 1 {
		t.Errorf("due after the retry time: %+v, want only the retried one", due)
	}
	sub1, _ := s.Subscription(ctx, "http://t/", "http://cb/1")
	if recs, _ := s.RecentDeliveries(ctx, sub1.ID, 10); recs[0].State != DeliveryPending || recs[1].State != DeliveryPending {
		t.Errorf("a result for another content version changed cb/1's deliveries: %+v", recs)
	}
	sub0, _ := s.Subscription(ctx, "http://t/", "http://cb/0")
	recs, _ = s.RecentDeliveries(ctx, sub0.ID, 10)
	if len(recs) != 2 || recs[0].State != DeliveryDone || recs[1].LastStatus != 204 || recs[1].Attempts != 1 {
		t.Errorf("deliveries of cb/0: %+v", recs)
	}
}

func result(d Delivery, o Outcome, status int) DeliveryResult {
	return DeliveryResult{ID: d.ID, ContentID: d.ContentID, SubscriptionID: d.SubscriptionID, Outcome: o, Status: status}
}

func TestFetchRequestsAndRerun(t *testing.T) { eachStore(t, testFetchRequestsAndRerun) }

func testFetchRequestsAndRerun(t *testing.T, s testStore) {
	ctx := context.Background()
	now := testNow
	if ok, _ := s.RequestFetch(ctx, "http://nobody-subscribed/", now); ok {
		t.Error("a topic without subscribers was queued for fetching")
	}
	subscribeN(t, s, "http://t/", 1, now)
	s.RequestFetch(ctx, "http://t/", now)
	jobs, _ := s.ClaimFetches(ctx, now, now.Add(time.Minute), 10)
	s.RequestFetch(ctx, "http://t/", now) // a ping while fetching
	if _, err := s.FinishFetch(ctx, jobs[0], FetchResult{Status: "304"}, Handoff{}, now); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.ClaimFetches(ctx, now, now.Add(time.Minute), 10); len(again) != 1 {
		t.Error("a ping during a fetch did not make the topic fetch again")
	}
}

func TestSweepExpiresSubscriptions(t *testing.T) { eachStore(t, testSweepExpiresSubscriptions) }

func testSweepExpiresSubscriptions(t *testing.T, s testStore) {
	ctx := context.Background()
	now := testNow
	subscribeN(t, s, "http://t/", 2, now)
	fetchChanged(t, s, "http://t/", "v1", Handoff{}, now)
	later := now.Add(2 * time.Hour)
	if err := s.Sweep(ctx, later, time.Hour); err != nil {
		t.Fatal(err)
	}
	sub, err := s.Subscription(ctx, "http://t/", "http://cb/0")
	if err != nil || sub.State != StateExpired {
		t.Fatalf("subscription after its lease: %q %v", sub.State, err)
	}
	if c, _ := s.Counts(ctx, later); c.ActiveSubscriptions != 0 || c.PendingDeliveries != 0 {
		t.Errorf("counts after expiry %+v", c)
	}
	if _, err := s.Subscription(ctx, "http://t/", "http://nope/"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown subscription: %v", err)
	}
}

func TestCallbackHost(t *testing.T) {
	for in, want := range map[string]string{
		"http://Example.org:8080/cb?x=1": "example.org:8080",
		"https://a.example/":             "a.example",
		"https://a.example?x=/y":         "a.example",
		"http://[::1]:9/cb":              "[::1]:9",
		"nonsense":                       "",
	} {
		if got := CallbackHost(in); got != want {
			t.Errorf("CallbackHost(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPingNamesWhatIsWrong(t *testing.T) { eachStore(t, testPingNamesWhatIsWrong) }

// Ping (behind /healthz) passes on a sound database, and names the table
// the hub cannot read or says that the schema is older than the hub's;
// once the fault is undone it passes again.
func testPingNamesWhatIsWrong(t *testing.T, s testStore) {
	ctx := context.Background()
	backend := "SQLite"
	if _, ok := s.(*Postgres); ok {
		backend = "PostgreSQL"
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping on a sound database: %v", err)
	}
	for name, c := range map[string]struct{ fault, undo, want string }{
		"deliveries renamed": {`ALTER TABLE hub_deliveries RENAME TO hub_deliveries_old`,
			`ALTER TABLE hub_deliveries_old RENAME TO hub_deliveries`,
			"store: " + backend + " table hub_deliveries unreadable: "},
		"sent records renamed": {`ALTER TABLE hub_track_sent RENAME TO hub_track_sent_old`,
			`ALTER TABLE hub_track_sent_old RENAME TO hub_track_sent`,
			"store: " + backend + " table hub_track_sent unreadable: "},
		"older schema": {`UPDATE schema_migrations SET version = 2 WHERE component = 'hub'`,
			`UPDATE schema_migrations SET version = 3 WHERE component = 'hub'`,
			"store: " + backend + " schema version 2, this hub needs 3: restart this hub to migrate it"},
		"no version": {`DELETE FROM schema_migrations WHERE component = 'hub'`,
			`INSERT INTO schema_migrations(component, version) VALUES ('hub', 3)`,
			"store: " + backend + " schema version 0, this hub needs 3"},
		"migrations table renamed": {`ALTER TABLE schema_migrations RENAME TO schema_migrations_old`,
			`ALTER TABLE schema_migrations_old RENAME TO schema_migrations`,
			"store: " + backend + " table schema_migrations unreadable: "},
	} {
		execSQL(t, s, c.fault)
		err := s.Ping(ctx)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: Ping says %v; want %q", name, err, c.want)
		}
		t.Logf("%s: %v", name, err)
		execSQL(t, s, c.undo)
		if err := s.Ping(ctx); err != nil {
			t.Fatalf("%s undone: Ping says %v", name, err)
		}
	}
	// A newer schema is a rolling upgrade under way: an older instance
	// stays healthy (it refuses such a schema only when it starts).
	execSQL(t, s, `UPDATE schema_migrations SET version = version + 1 WHERE component = 'hub'`)
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping on a schema one migration newer: %v", err)
	}
	execSQL(t, s, `UPDATE schema_migrations SET version = version - 1 WHERE component = 'hub'`)
}
