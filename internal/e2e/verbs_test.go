package e2e

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/testwait"
)

// notification is the part of `reader notifications --json` the tests
// look at.
type notification struct {
	Kind   string `json:"kind"`
	Author string `json:"author"`
	URL    string `json:"url"`
	Target string `json:"target"`
	Text   string `json:"text"`
}

func (w *world) notifications() []notification {
	w.t.Helper()
	var ns []notification
	out := w.run("reader", "--db", w.db, "notifications", "--json")
	if err := json.Unmarshal([]byte(out), &ns); err != nil {
		w.t.Fatalf("reader notifications --json: %v\n%s", err, out)
	}
	return ns
}

// waitNotification waits until cond holds of the notifications and
// returns how long that took.
func (w *world) waitNotification(t *testing.T, limit time.Duration, what string, cond func([]notification) bool) time.Duration {
	t.Helper()
	start := time.Now()
	testwait.UntilWhy(t, limit, what, func() (bool, string) {
		ns := w.notifications()
		b, _ := json.Marshal(ns)
		return cond(ns), string(b) + "\n" + w.daemon.output()
	})
	return time.Since(start)
}

// newPost writes a post with feedpub and returns its key.
func (s *site) newPost(verb string, args ...string) string {
	s.w.t.Helper()
	out := s.w.run("feedpub", append([]string{verb, "--dir", s.dir}, args...)...)
	path := strings.TrimSpace(out)
	name := strings.TrimSuffix(filepath.Base(path), ".md")
	return name[strings.LastIndex(name, "-")+1:]
}

func (s *site) publishNow() {
	s.w.t.Helper()
	s.w.run("feedpub", "publish", "--dir", s.dir, "--wait", "30s", "--interval", "100ms")
}

func find(ns []notification, kind, url string) (notification, bool) {
	for _, n := range ns {
		if n.Kind == kind && n.URL == url {
			return n, true
		}
	}
	return notification{}, false
}

// TestVerbsReachTheirTarget: a like, a quote, a reply and a repost of my
// post, made on another Rookery site and published there, reach my reader
// notifications by Webmention within a second; an edit of the repost
// updates it there, and deleting them removes them there.
func TestVerbsReachTheirTarget(t *testing.T) {
	w := &world{system: newSystem(t), readerAddr: freeAddr(t)}
	w.db = filepath.Join(w.home, "reader.db")
	bob := w.newSite("bob", false, "http://"+w.readerAddr+"/webmention", "")
	alice := w.newSite("alice", false, "", "")
	w.run("reader", "--db", w.db, "init", "--me", bob.feedURL())
	w.startReader()

	key := bob.newPost("post", "Bob's post that everyone likes")
	bob.publishNow()
	mine := bob.base + "posts/" + key + "/"

	t.Run("like", func(t *testing.T) {
		like := alice.newPost("like", mine)
		alice.publishNow()
		page := alice.base + "posts/" + like + "/"
		took := w.waitNotification(t, time.Second, "the like in bob's notifications", func(ns []notification) bool {
			n, ok := find(ns, "like", page)
			return ok && n.Target == mine && n.Author == "alice"
		})
		t.Logf("like reached the notifications %s after publish returned", took.Round(time.Millisecond))

		alice.newPostless("delete", like)
		alice.publishNow()
		took = w.waitNotification(t, 10*time.Second, "the deleted like gone from bob's notifications", func(ns []notification) bool {
			_, ok := find(ns, "like", page)
			return !ok
		})
		t.Logf("deleted like left the notifications %s after publish returned", took.Round(time.Millisecond))
	})

	// A quote and a reply reach bob's notifications the same way.
	for _, c := range []struct{ kind, verb string }{{"quote", "quote"}, {"reply", "post"}} {
		t.Run(c.kind, func(t *testing.T) {
			args := []string{mine, "Bob's point, seen through a " + c.kind + "."}
			if c.kind == "reply" {
				args = append([]string{"--reply-to"}, args...)
			}
			key := alice.newPost(c.verb, args...)
			alice.publishNow()
			page := alice.base + "posts/" + key + "/"
			took := w.waitNotification(t, time.Second, "the "+c.kind+" in bob's notifications", func(ns []notification) bool {
				n, ok := find(ns, c.kind, page)
				return ok && n.Target == mine && n.Author == "alice" && strings.Contains(n.Text, "seen through a "+c.kind)
			})
			t.Logf("%s reached the notifications %s after publish returned", c.kind, took.Round(time.Millisecond))
		})
	}

	t.Run("repost, edited, then deleted", func(t *testing.T) {
		repost := alice.newPost("repost", mine)
		alice.publishNow()
		page := alice.base + "posts/" + repost + "/"
		took := w.waitNotification(t, time.Second, "the repost in bob's notifications", func(ns []notification) bool {
			n, ok := find(ns, "repost", page)
			return ok && n.Target == mine && strings.Contains(n.Text, "everyone likes")
		})
		t.Logf("repost reached the notifications %s after publish returned", took.Round(time.Millisecond))

		alice.newPostless("edit", repost, "Worth reading twice.")
		alice.publishNow()
		took = w.waitNotification(t, 10*time.Second, "the edited repost in bob's notifications", func(ns []notification) bool {
			n, ok := find(ns, "repost", page)
			return ok && strings.Contains(n.Text, "Worth reading twice")
		})
		t.Logf("edit reached the notifications %s after publish returned", took.Round(time.Millisecond))

		alice.newPostless("delete", repost)
		alice.publishNow()
		took = w.waitNotification(t, 10*time.Second, "the deleted repost gone from bob's notifications", func(ns []notification) bool {
			_, ok := find(ns, "repost", page)
			return !ok
		})
		t.Logf("deletion reached the notifications %s after publish returned", took.Round(time.Millisecond))
	})
}

// newPostless runs a feedpub command on an existing post (edit, delete).
func (s *site) newPostless(verb string, args ...string) {
	s.w.t.Helper()
	s.w.run("feedpub", append([]string{verb, "--dir", s.dir}, args...)...)
}
