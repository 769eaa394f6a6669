package hub

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rookery-social/rookery/hub/track"
	"github.com/rookery-social/rookery/internal/testbin"
	"github.com/rookery-social/rookery/internal/testwait"
	"github.com/rookery-social/rookery/internal/websub"
)

// feedDoc is an Atom feed at self holding entries (already XML).
func feedDoc(self, title string, entries ...string) string {
	return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
<id>` + self + `</id><title>` + title + `</title><updated>` + ago(3*time.Hour) + `</updated>
<author><name>` + title + `</name></author><link rel="self" href="` + self + `"/>` + strings.Join(entries, "\n") + `</feed>`
}

// entryXML is one entry; extra is raw XML (categories, links).
func entryXML(id, updated, text, extra string) string {
	return `<entry><id>` + id + `</id><title>` + text + `</title><updated>` + updated + `</updated>` + extra +
		`<content type="html">&lt;p&gt;` + text + `&lt;/p&gt;</content></entry>`
}

// trackedIDs reads the entry ids (and their source rel=self) of a delivered
// or served track document.
func trackedIDs(t *testing.T, body []byte) []string {
	t.Helper()
	var doc struct {
		Entries []struct {
			ID     string `xml:"id"`
			Source struct {
				Links []struct {
					Rel  string `xml:"rel,attr"`
					Href string `xml:"href,attr"`
				} `xml:"link"`
			} `xml:"source"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("track document: %v\n%s", err, body)
	}
	var out []string
	for _, e := range doc.Entries {
		self := ""
		for _, l := range e.Source.Links {
			if l.Rel == "self" {
				self = l.Href
			}
		}
		out = append(out, e.ID+" from "+self)
	}
	return out
}

func TestTrackedTopicsDeliverNewMatchingEntriesOnce(t *testing.T) {
	th := startHub(t, nil)
	alice := newTopic(t, "application/atom+xml", "")
	bob := newTopic(t, "application/atom+xml", "")
	carol := newTopic(t, "application/atom+xml", "")
	aliceFeed, bobFeed, carolFeed := alice.URL+"/feed.atom", bob.URL+"/feed.atom", carol.URL+"/feed.atom"
	alice.set(feedDoc(aliceFeed, "Alice", entryXML("a1", ago(3*time.Hour), "Hello gophers", `<category term="golang"/>`)), "")
	bob.set(feedDoc(bobFeed, "Bob", entryXML("b1", ago(179*time.Minute), "Nothing to see", "")), "")
	carol.set(feedDoc(carolFeed, "Carol", entryXML("c1", ago(178*time.Minute), "A static site is enough", "")), "")

	sub := newSubscriber(t)
	queries := map[string]string{"/tag": "#GoLang", "/mention": "@" + aliceFeed, "/words": "site static"}
	topics := map[string]string{}
	for path, q := range queries {
		pq, err := track.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		topics[path] = pq.URL(th.URL)
		th.subscribe(t, topics[path], sub.URL+path, "hub.secret", "s"+path)
	}
	for path, topic := range topics {
		testwait.Until(t, 10*time.Second, "tracked subscription "+path, func() bool { return th.state(t, topic, sub.URL+path).State == "active" })
	}

	// First publish of all three: the matching entries arrive once each.
	th.publish(t, aliceFeed, bobFeed, carolFeed)
	testwait.Until(t, 10*time.Second, "first deliveries", func() bool { return len(sub.got()) >= 2 })

	// Bob mentions Alice and tags #golang; Carol replies to Alice; Alice
	// adds an entry matching nothing. Old entries stay in the feeds.
	bob.set(feedDoc(bobFeed, "Bob",
		entryXML("b2", ago(2*time.Hour), "Hi alice, see #golang", `<link rel="mentioned" href="`+aliceFeed+`"/>`),
		entryXML("b1", ago(179*time.Minute), "Nothing to see", "")), "")
	carol.set(feedDoc(carolFeed, "Carol",
		entryXML("c2", ago(119*time.Minute), "Agreed", `<thr:in-reply-to ref="a1" href="`+alice.URL+`/posts/a1/"/>`),
		entryXML("c1", ago(178*time.Minute), "A static site is enough", "")), "")
	alice.set(feedDoc(aliceFeed, "Alice",
		entryXML("a2", ago(118*time.Minute), "Static sites, sited statically", ""),
		entryXML("a1", ago(3*time.Hour), "Hello gophers", `<category term="golang"/>`)), "")
	th.publish(t, aliceFeed, bobFeed, carolFeed)

	want := map[string][]string{
		"/tag":     {"a1 from " + aliceFeed, "b2 from " + bobFeed},
		"/mention": {"b2 from " + bobFeed, "c2 from " + carolFeed},
		"/words":   {"c1 from " + carolFeed},
	}
	// Matching runs beside the deliveries: wait until every expected entry
	// has arrived (not for a count of documents, which may come split).
	testwait.Until(t, 10*time.Second, "all tracked deliveries", func() bool {
		for path, w := range want {
			var got []string
			for _, d := range sub.gotOn(path) {
				got = append(got, trackedIDs(t, d.Body)...)
			}
			for _, id := range w {
				if !slices.Contains(got, id) {
					return false
				}
			}
		}
		return true
	})
	// Publish again with nothing new: nothing more may arrive.
	alice.set(feedDoc(aliceFeed, "Alice", entryXML("a3", ago(time.Hour), "plain", "")), "")
	th.publish(t, aliceFeed)
	testwait.Until(t, 10*time.Second, "the last fetch", func() bool { return len(alice.fetches()) >= 3 })
	th.Close(t.Context()) // drains: any delivery still due is made now
	for path, w := range want {
		var got []string
		for _, d := range sub.gotOn(path) {
			if err := websub.Verify(d.Header.Get(websub.HeaderSignature), []byte("s"+path), d.Body); err != nil {
				t.Errorf("%s: delivery not signed with its secret: %v", path, err)
			}
			if ct := d.Header.Get("Content-Type"); ct != "application/atom+xml" {
				t.Errorf("%s: Content-Type %q", path, ct)
			}
			if !slices.Contains(websub.LinksWithRel(websub.ParseLinks(d.Header), "self"), topics[path]) {
				t.Errorf("%s: Link headers %v lack rel=self %s", path, d.Header["Link"], topics[path])
			}
			got = append(got, trackedIDs(t, d.Body)...)
		}
		slices.Sort(got)
		if !slices.Equal(got, w) {
			t.Errorf("%s received %v, want %v (each once)", path, got, w)
		}
	}
}

// Tracked topics wait for the deliveries in hand, so that the topic's own
// subscribers come first; a stuck subscriber holds them back at most
// deliveryFirst.
func TestTrackedTopicsComeAfterDeliveriesButAreNotHeldBack(t *testing.T) {
	th := startHub(t, func(c *Config) { c.DeliveryTimeout = 10 * time.Second })
	alice := newTopic(t, "application/atom+xml", "")
	aliceFeed := alice.URL + "/feed.atom"
	alice.set(feedDoc(aliceFeed, "Alice", entryXML("a1", ago(3*time.Hour), "Hello #golang", "")), "")
	sub := newSubscriber(t)
	release := make(chan struct{})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	defer unblock()
	stuck := make(chan time.Time, 1)
	var directDone, trackedAt atomic.Int64
	sub.deliver = func(_ int, r *http.Request) int {
		switch r.URL.Path {
		case "/direct": // slow, but answers well within deliveryFirst
			time.Sleep(deliveryFirst / 5)
			directDone.Store(time.Now().UnixNano())
		case "/tracked":
			trackedAt.CompareAndSwap(0, time.Now().UnixNano())
		case "/stuck":
			stuck <- time.Now()
			select { // bounded: the test releases it, or it gives up
			case <-release:
			case <-time.After(5 * time.Second):
			}
		}
		return http.StatusNoContent
	}
	q, err := track.Parse("#golang")
	if err != nil {
		t.Fatal(err)
	}
	th.subscribe(t, q.URL(th.URL), sub.URL+"/tracked")
	subscribed(t, th, aliceFeed, sub.URL+"/direct")
	testwait.Until(t, 10*time.Second, "tracked subscription", func() bool { return th.state(t, q.URL(th.URL), sub.URL+"/tracked").State == "active" })

	// A subscriber that answers: its delivery is finished before the
	// tracked one is sent.
	th.publish(t, aliceFeed)
	testwait.Until(t, 10*time.Second, "the tracked delivery", func() bool { return len(sub.gotOn("/tracked")) == 1 })
	if done, at := directDone.Load(), trackedAt.Load(); done == 0 || at < done {
		t.Fatal("the tracked delivery was sent while the topic's own delivery was still in flight")
	}

	// A subscriber that does not answer: the tracked entry still arrives,
	// soon after deliveryFirst, while that delivery is still in flight.
	subscribed(t, th, aliceFeed, sub.URL+"/stuck")
	alice.set(feedDoc(aliceFeed, "Alice", entryXML("a2", ago(2*time.Hour), "More #golang", "")), "")
	th.publish(t, aliceFeed)
	var since time.Time
	select {
	case since = <-stuck:
	case <-time.After(10 * time.Second):
		t.Fatal("the stuck subscriber was never called")
	}
	testwait.Until(t, 10*time.Second, "the second tracked delivery", func() bool { return len(sub.gotOn("/tracked")) == 2 })
	if waited := time.Since(since); waited > 5*time.Second-time.Second {
		t.Errorf("the tracked delivery waited %v for a stuck subscriber; want about %v", waited, deliveryFirst)
	}
	unblock()
}

func TestTrackFeedIsValidAtom(t *testing.T) {
	th := startHub(t, nil)
	alice := newTopic(t, "application/atom+xml", "")
	aliceFeed := alice.URL + "/feed.atom"
	alice.set(feedDoc(aliceFeed, "Alice &amp; co",
		entryXML("tag:a,2026:posts/1", ago(3*time.Hour), "#Go &lt;b&gt;bold&lt;/b&gt; &amp;amp;", `<category term="go"/>`),
		entryXML("tag:a,2026:posts/2", ago(2*time.Hour), "more #go", `<link rel="mentioned" href="https://bob.example/feed.atom" title="bob"/>`+
			`<thr:in-reply-to ref="x" href="https://bob.example/posts/x/" source="https://bob.example/feed.atom"/>`),
		`<entry><id>tag:a,2026:posts/3</id><title>untagged</title><updated>`+ago(time.Hour)+`</updated></entry>`), "")
	th.publish(t, aliceFeed)
	var body string
	testwait.Until(t, 10*time.Second, "the track feed", func() bool {
		code, b := th.get(t, "/track?q="+url.QueryEscape("#GO"))
		body = b
		return code == http.StatusOK && len(trackedIDs(t, []byte(b))) == 2
	})
	if got := trackedIDs(t, []byte(body)); !slices.Equal(got, []string{"tag:a,2026:posts/2 from " + aliceFeed, "tag:a,2026:posts/1 from " + aliceFeed}) {
		t.Errorf("track feed entries %v, want newest first with their source", got)
	}
	if !strings.Contains(body, `<link rel="self" href="`+th.URL+`track?q=%23go"`) {
		t.Errorf("track feed lacks its canonical rel=self:\n%s", body)
	}
	if !strings.Contains(body, `type="html">&lt;p&gt;#Go &lt;b&gt;bold&lt;/b&gt; &amp;amp;&lt;/p&gt;</content>`) {
		t.Errorf("content not kept as escaped HTML:\n%s", body)
	}
	validateAtom(t, body)

	for q, want := range map[string]int{"": 400, "go #go": 400, "a b c d e f g h i": 400} {
		if code, _ := th.get(t, "/track?q="+url.QueryEscape(q)); code != want {
			t.Errorf("/track?q=%q: %d, want %d", q, code, want)
		}
	}
}

// Entries older than --track-keep by the hub's clock are not kept, so
// neither shown nor delivered: the window moves with the hub's time, not
// with the dates the tests were written on.
func TestTrackKeepDropsOlderEntries(t *testing.T) {
	th := startHub(t, func(c *Config) { c.TrackKeep = 24 * time.Hour })
	alice := newTopic(t, "application/atom+xml", "")
	aliceFeed := alice.URL + "/feed.atom"
	alice.set(feedDoc(aliceFeed, "Alice",
		entryXML("fresh", ago(time.Hour), "fresh #go", ""),
		entryXML("stale", ago(25*time.Hour), "stale #go", "")), "")
	th.publish(t, aliceFeed)
	var body string
	testwait.Until(t, waitLimit, "the fresh entry in the track feed", func() bool {
		code, b := th.get(t, "/track?q=%23go")
		body = b
		return code == http.StatusOK && len(trackedIDs(t, []byte(b))) > 0
	})
	if got := trackedIDs(t, []byte(body)); !slices.Equal(got, []string{"fresh from " + aliceFeed}) {
		t.Errorf("track feed entries %v, want only the one within --track-keep", got)
	}
}

// validateAtom checks doc against RFC 4287's RELAX NG schema with jing.
func validateAtom(t *testing.T, doc string) {
	t.Helper()
	jing := testbin.Tool(t, "jing", "apt-get install jing")
	f := filepath.Join(t.TempDir(), "track.atom")
	os.WriteFile(f, []byte(doc), 0o644)
	schema, _ := filepath.Abs(filepath.Join("..", "publish", "testdata", "atom.rnc"))
	if out, err := exec.Command(jing, "-c", schema, f).CombinedOutput(); err != nil {
		t.Fatalf("jing: %v\n%s\n%s", err, out, doc)
	}
}

func TestTrackingLimitsAndSwitch(t *testing.T) {
	th := startHub(t, func(c *Config) { c.TrackMaxPerHost = 1 })
	sub := newSubscriber(t)
	q1, _ := track.Parse("#one")
	q2, _ := track.Parse("#two")
	th.subscribe(t, q1.URL(th.URL), sub.URL+"/1")
	testwait.Until(t, 10*time.Second, "first tracked subscription", func() bool { return th.state(t, q1.URL(th.URL), sub.URL+"/1").State == "active" })
	th.subscribe(t, q2.URL(th.URL), sub.URL+"/2")
	th.subscribe(t, th.URL+"track?q=%23ONE", sub.URL+"/3")
	denials := func() []string {
		var out []string
		for _, u := range sub.verifications() {
			if u.Query().Get("hub.mode") == "denied" {
				out = append(out, u.Path+": "+u.Query().Get("hub.reason"))
			}
		}
		return out
	}
	testwait.Until(t, 10*time.Second, "two denials", func() bool { return len(denials()) == 2 })
	d := strings.Join(denials(), "\n")
	if !strings.Contains(d, "/2: callback host") || !strings.Contains(d, "/3: track: bad query: use the canonical topic URL "+q1.URL(th.URL)) {
		t.Errorf("denials:\n%s", d)
	}

	off := startHub(t, func(c *Config) { c.NoTrack = true })
	if code, body := off.get(t, "/track?q=%23go"); code != http.StatusNotFound || !strings.Contains(body, "turned off") {
		t.Errorf("tracking off: GET /track = %d %q", code, body)
	}
	off.subscribe(t, q1.URL(off.URL), sub.URL+"/off")
	testwait.Until(t, 10*time.Second, "denial when off", func() bool {
		return slices.ContainsFunc(denials(), func(s string) bool { return strings.HasPrefix(s, "/off: tracking is turned off") })
	})
}
