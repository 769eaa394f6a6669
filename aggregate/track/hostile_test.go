package track

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/aggregate/daemon/daemontest"
	"github.com/rookery-social/rookery/aggregate/subscriber"
	"github.com/rookery-social/rookery/internal/safehttp"
	"github.com/rookery-social/rookery/internal/testwait"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const (
	bobOriginal = `<entry><id>tag:bob,2031:posts/b1</id><title>b1</title><updated>2031-01-01T00:00:00Z</updated>
<link rel="alternate" href="{{base}}/posts/b1/"/><content type="html">original words</content>{{source}}</entry>`
	bobForged = `<entry><id>tag:bob,2031:posts/b1</id><title>b1</title><updated>2031-01-01T00:00:00Z</updated>
<link rel="alternate" href="{{base}}/posts/b1/"/><content type="html">FORGED words #go</content>{{source}}</entry>`
	bobNew = `<entry><id>tag:bob,2031:posts/b9</id><title>b9</title><updated>2031-01-01T01:00:00Z</updated>
<link rel="alternate" href="{{base}}/posts/b9/"/><content type="html">a new post #go</content>{{source}}</entry>`
)

// TestHostileHubCannotForgeAFollowedFeed: a hub delivering, on a tracked
// topic, an edit of a followed author's post and a post they never wrote
// changes none of their posts; the entries are listed as unconfirmed, via
// the hub; once the author really publishes the new post, it is confirmed.
func TestHostileHubCannotForgeAFollowedFeed(t *testing.T) {
	ctx := context.Background()
	r, tr := open(t)
	clock := &fakeClock{t: time.Date(2031, 1, 1, 2, 0, 0, 0, time.UTC)}
	bob := newOrigin(t)
	noSource := strings.NewReplacer("{{source}}", "", "{{base}}", "{{base}}")
	bob.publish(noSource.Replace(bobOriginal))
	if _, err := r.Follow(ctx, bob.feed(), "bob", nil); err != nil {
		t.Fatal(err)
	}

	hub := daemontest.NewHub(t, 3600)
	tp := Topic{Topic: hub.URL + "?q=%23go", Query: "#go", Typed: "#go", Hub: hub.URL}
	if err := tr.Add(ctx, tp); err != nil {
		t.Fatal(err)
	}
	svc := service(tr, r, clock.Now)
	cb := httptest.NewUnstartedServer(nil)
	sub, err := subscriber.New(r.DB(), r, subscriber.Config{BaseURL: "http://" + cb.Listener.Addr().String(),
		Client: safehttp.NewClient(safehttp.Options{AllowPrivate: true, Timeout: 5 * time.Second}),
		Now:    clock.Now, Tracks: svc})
	if err != nil {
		t.Fatal(err)
	}
	routes := chi.NewRouter()
	sub.Routes(routes)
	cb.Config.Handler = routes
	cb.Start()
	t.Cleanup(cb.Close)
	if err := sub.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	testwait.Until(t, 10*time.Second, "the tracked subscription", func() bool { return len(hub.Verified()) == 1 })

	source := `<source><id>` + bob.feed() + `</id><title>Bob</title><link rel="self" href="` + bob.feed() + `"/></source>`
	forged := strings.NewReplacer("{{source}}", source, "{{base}}", bob.URL)
	doc := `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><id>` + tp.Topic + `</id><title>t</title>
<updated>2031-01-01T01:00:00Z</updated>` + forged.Replace(bobForged) + forged.Replace(bobNew) + `</feed>`
	codes, err := hub.Publish(tp.Topic, "application/atom+xml", []byte(doc))
	if err != nil || len(codes) != 1 || codes[0]/100 != 2 {
		t.Fatalf("hub delivery: %v %v", codes, err)
	}
	bobsPosts := func() []string {
		tl, err := r.Timeline(ctx, aggregate.TimelineOptions{From: "bob"})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range tl {
			out = append(out, p.ID+": "+p.Text)
		}
		return out
	}
	original := []string{"tag:bob,2031:posts/b1: original words"}
	if got := bobsPosts(); strings.Join(got, "|") != strings.Join(original, "|") {
		t.Fatalf("after the forged delivery bob's posts are %q, want %q", got, original)
	}
	listed := trackedPosts(t, r, tr, "#go")
	if len(listed) != 2 {
		t.Fatalf("tracked lists %d entries, want the 2 delivered", len(listed))
	}
	for _, p := range listed {
		if p.Confirmed || p.Via != hub.URL {
			t.Errorf("tracked %s: confirmed %v via %q, want unconfirmed via %s", p.ID, p.Confirmed, p.Via, hub.URL)
		}
	}

	before := bob.fetches()
	if n := confirmDue(t, svc); n != 0 || bob.fetches() != before+1 {
		t.Fatalf("confirmed %d after %d fetches of bob's feed, want none after 1", n, bob.fetches()-before)
	}
	if got := bobsPosts(); strings.Join(got, "|") != strings.Join(original, "|") {
		t.Fatalf("after a look at the origin bob's posts are %q, want %q", got, original)
	}

	bob.publish(noSource.Replace(bobOriginal) + noSource.Replace(bobNew))
	clock.Add(2 * time.Minute)
	if n := confirmDue(t, svc); n != 1 {
		t.Fatalf("after bob published b9: %d confirmed, want 1", n)
	}
	want := []string{"tag:bob,2031:posts/b9: a new post #go", "tag:bob,2031:posts/b1: original words"}
	if got := bobsPosts(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("bob's posts %q, want %q", got, want)
	}
	for _, p := range trackedPosts(t, r, tr, "#go") {
		if wantConfirmed := p.ID == "tag:bob,2031:posts/b9"; p.Confirmed != wantConfirmed {
			t.Errorf("tracked %s (%q): confirmed %v, want %v", p.ID, p.Text, p.Confirmed, wantConfirmed)
		}
	}
}
