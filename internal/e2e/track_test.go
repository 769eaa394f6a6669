package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/testwait"
)

// tracking is the part of `reader tracking --json` the test looks at.
type tracking struct {
	Query string `json:"query"`
	Topic string `json:"topic"`
	State string `json:"state"`
}

func TestTrackedTopics(t *testing.T) {
	w := &world{system: newSystem(t), hubAddr: freeAddr(t), readerAddr: freeAddr(t)}
	w.db = filepath.Join(w.home, "reader.db")
	w.startHub()
	me := w.newSite("me", true, "", "")
	book := `me = "` + me.feedURL() + `"`
	bob := w.newSite("bob", true, "", book)
	carol := w.newSite("carol", true, "", book)
	dave := w.newSite("dave", true, "", book)
	w.run("reader", "--db", w.db, "init", "--me", me.feedURL())
	w.startReader()

	queries := []string{"#Gardening", "@" + me.feedURL(), "heap compost"}
	for _, q := range queries {
		out := w.run("reader", "--db", w.db, "track", q, "--hub", w.hubURL())
		if !strings.Contains(out, "tracking ") {
			t.Fatalf("reader track %s: %s", q, out)
		}
	}
	w.run("reader", "--db", w.db, "block", dave.feedURL())
	var topics []tracking
	testwait.UntilWhy(t, 15*time.Second, "three active tracked subscriptions", func() (bool, string) {
		out := w.run("reader", "--db", w.db, "tracking", "--json")
		topics = nil
		if err := json.Unmarshal([]byte(out), &topics); err != nil {
			t.Fatal(err)
		}
		active := 0
		for _, tp := range topics {
			if tp.State == "active" {
				active++
			}
		}
		return active == 3, out + w.daemon.output()
	})
	canon := map[string]string{}
	for _, tp := range topics {
		canon[tp.Query] = tp.Topic
	}
	for _, q := range []string{"#gardening", "@" + me.feedURL(), "compost heap"} {
		if canon[q] == "" {
			t.Fatalf("no tracked topic with canonical query %q: %+v", q, topics)
		}
	}

	bob.publish("Planting tulips today", "--tag", "gardening")
	carol.publish("Hello @me, nice to meet you")
	bob.publish("My compost heap is steaming")
	carol.publish("A heap of leaves, nothing else")
	dave.publish("Dave shouts at @me about it", "--tag", "gardening")

	all := w.waitTracked(3, "")
	if got := texts(all); !slices.Equal(got, []string{"My compost heap is steaming", "Hello @me, nice to meet you", "Planting tulips today"}) {
		t.Errorf("reader tracked = %q, want the three matching posts, newest first", got)
	}
	for _, p := range all {
		site := bob
		if strings.Contains(p.Text, "nice to meet") {
			site = carol
		}
		if p.Feed != site.feedURL() || !strings.HasPrefix(p.ID, "tag:127.0.0.1,") {
			t.Errorf("tracked post %q stored under %s with id %s: want its origin feed %s and its atom:id", p.Text, p.Feed, p.ID, site.feedURL())
		}
	}
	for q, want := range map[string]string{"#gardening": "tulips", "@" + me.feedURL(): "nice to meet", "heap compost": "compost heap"} {
		if ps := w.posts("tracked", q); len(ps) != 1 || !strings.Contains(ps[0].Text, want) {
			t.Errorf("reader tracked %s = %+v, want only the post with %q", q, ps, want)
		}
	}
	if m := w.waitPost(5*time.Second, "nice to meet you", "mentions"); m.Feed != carol.feedURL() {
		t.Errorf("tracked mention stored under %s", m.Feed)
	}
	if ps := w.posts("mentions"); hasText(ps, "Dave") {
		t.Errorf("a blocked author's tracked mention shows in mentions: %+v", ps)
	}
	if ps := w.posts("timeline"); len(ps) != 0 {
		t.Errorf("tracked posts of unfollowed feeds show in the timeline: %+v", ps)
	}

	// Once each: the hub made one delivery per publish that brought new
	// matching entries (bob's second publish repeats the tulips post),
	// Dave's included; the reader dropped Dave's as blocked.
	wantDeliveries := map[string]int{"#gardening": 2, "@" + me.feedURL(): 2, "compost heap": 1}
	for q, n := range wantDeliveries {
		callback := subscriptionCallback(t, w.db, w.readerURL(), canon[q])
		hubDeliveries(t, w, canon[q], callback, n)
	}
	if ps := w.posts("tracked"); len(ps) != 3 {
		t.Errorf("after all deliveries, reader tracked shows %d posts, want 3", len(ps))
	}

	compost := subscriptionCallback(t, w.db, w.readerURL(), canon["compost heap"])
	w.run("reader", "--db", w.db, "untrack", "heap compost")
	out := w.run("reader", "--db", w.db, "tracking")
	if strings.Contains(out, "compost") || !strings.Contains(out, "#gardening") {
		t.Errorf("after untrack:\n%s", out)
	}
	testwait.UntilWhy(t, 15*time.Second, "the hub to end the untracked subscription", func() (bool, string) {
		state := hubState(t, w, canon["compost heap"], compost)
		return state == "unsubscribed", state
	})
}

// hubState is a subscription's state on the hub's subscription page.
func hubState(t *testing.T, w *world, topic, callback string) string {
	t.Helper()
	resp, err := http.Get(w.hubURL() + "subscription?hub.topic=" + url.QueryEscape(topic) + "&hub.callback=" + url.QueryEscape(callback))
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	var v struct {
		State string `json:"state"`
	}
	json.NewDecoder(resp.Body).Decode(&v)
	return v.State
}

// waitTracked waits until `reader tracked [query]` lists n posts.
func (w *world) waitTracked(n int, query string) []post {
	w.t.Helper()
	args := []string{"tracked"}
	if query != "" {
		args = append(args, query)
	}
	var ps []post
	testwait.UntilWhy(w.t, 30*time.Second, "tracked posts to arrive", func() (bool, string) {
		ps = w.posts(args...)
		return len(ps) >= n, strings.Join(texts(ps), " | ") + "\n" + w.daemon.output()
	})
	return ps
}

func texts(ps []post) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Text)
	}
	return out
}

// hubDeliveries waits until the hub's subscription page shows exactly n
// delivered documents for the subscription, and none pending.
func hubDeliveries(t *testing.T, w *world, topic, callback string, n int) {
	t.Helper()
	u := w.hubURL() + "subscription?hub.topic=" + url.QueryEscape(topic) + "&hub.callback=" + url.QueryEscape(callback)
	var view struct {
		Deliveries []struct {
			State string `json:"state"`
		} `json:"deliveries"`
	}
	testwait.UntilWhy(t, 15*time.Second, fmt.Sprintf("%d deliveries for %s", n, topic), func() (bool, string) {
		resp, err := http.Get(u)
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		view.Deliveries = nil
		if err := json.NewDecoder(resp.Body).Decode(&view); err != nil {
			return false, err.Error()
		}
		for _, d := range view.Deliveries {
			if d.State != "delivered" {
				return false, d.State
			}
		}
		return len(view.Deliveries) == n, fmt.Sprintf("%d delivered", len(view.Deliveries))
	})
}
