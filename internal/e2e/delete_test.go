package e2e

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/testwait"
)

// waitFeed waits until the site serves a feed.atom holding want.
func (s *site) waitFeed(want string) {
	s.w.t.Helper()
	testwait.UntilWhy(s.w.t, 15*time.Second, s.feedURL()+" to hold "+want, func() (bool, string) {
		resp, err := http.Get(s.feedURL())
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return err == nil && strings.Contains(string(b), want), string(b) + "\n" + s.serve.output()
	})
}

// TestDeletedPostLeavesFollowersReaders: alice posts, her follower's
// reader fetches it; she deletes it with feedpub delete and rebuilds; the
// next fetch removes it from the follower's timeline and search.
func TestDeletedPostLeavesFollowersReaders(t *testing.T) {
	w := &world{system: newSystem(t)}
	w.db = filepath.Join(w.home, "reader.db")
	alice := w.newSite("alice", false, "", "")
	key := alice.newPost("post", "Zebras are striped, says alice")
	permalink := alice.base + "posts/" + key + "/"
	w.run("feedpub", "build", "--dir", alice.dir)
	alice.waitFeed(permalink)

	w.run("reader", "--db", w.db, "follow", alice.feedURL(), "--nick", "alice")
	shows := func(listing ...string) bool {
		for _, p := range w.posts(listing...) {
			if p.URL == permalink {
				return true
			}
		}
		return false
	}
	if !shows("timeline") || !shows("search", "zebras") {
		t.Fatalf("after following, alice's post is not in the timeline and search:\n%s",
			w.run("reader", "--db", w.db, "timeline"))
	}

	alice.newPostless("delete", key)
	w.run("feedpub", "build", "--dir", alice.dir)
	alice.waitFeed("deleted-entry")
	out := w.run("reader", "--db", w.db, "fetch")
	if !strings.Contains(out, "1 deleted by their authors") {
		t.Errorf("reader fetch says %q, want it to count 1 deleted post", out)
	}
	if shows("timeline") {
		t.Errorf("the deleted post is still in reader timeline --json")
	}
	if shows("search", "zebras") {
		t.Errorf("the deleted post is still found by reader search zebras")
	}
	if text := w.run("reader", "--db", w.db, "timeline"); strings.Contains(text, "Zebras") {
		t.Errorf("reader timeline still shows the deleted post:\n%s", text)
	}
}
