package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/testwait"
)

// cloudSite is a feedpub site whose only push is the hub's rssCloud: no
// WebSub hub in feedpub.toml, the hub in rsscloud_hubs.
func (w *world) cloudSite(name string) *site {
	s := w.newSite(name, false, "", "")
	cfg := filepath.Join(s.dir, "feedpub.toml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		w.t.Fatal(err)
	}
	b = []byte(strings.Replace(string(b), "rsscloud_hubs = []", `rsscloud_hubs = ["`+w.hubURL()+`"]`, 1))
	if err := os.WriteFile(cfg, b, 0o644); err != nil {
		w.t.Fatal(err)
	}
	w.run("feedpub", "build", "--dir", s.dir)
	s.serve.stop() // it read the old configuration
	s.serve = w.start("feedpub", "serve", "--dir", s.dir, "--addr", strings.TrimSuffix(strings.TrimPrefix(s.base, "http://"), "/"))
	waitHTTP(w.t, s.base+"feed.rss", s.serve)
	return s
}

// A post written with feedpub reaches reader serve through rssCloud alone
// within a second; a notify queued when the hub is killed (kill -9) is
// sent after it restarts.
func TestRSSCloudEndToEnd(t *testing.T) {
	w := &world{system: newSystem(t), hubAddr: freeAddr(t), readerAddr: freeAddr(t)}
	w.db = filepath.Join(w.home, "reader.db")
	w.startHub()
	carol := w.cloudSite("carol")
	rssURL := carol.base + "feed.rss"
	if rss := w.get(rssURL); !strings.Contains(rss, `<cloud domain="127.0.0.1"`) || strings.Contains(rss, `rel="hub"`) {
		t.Fatalf("feed.rss should carry a <cloud> and no hub:\n%s", rss)
	}
	carol.publish("Carol's first post")
	w.startReader()
	w.run("reader", "--db", w.db, "follow", rssURL, "--nick", "carol")
	callback := w.readerURL() + "/rsscloud/notify"
	testwait.UntilWhy(t, 15*time.Second, "the feed to be pushed through rssCloud", func() (bool, string) {
		out := w.run("reader", "--db", w.db, "following", "--json")
		var fs []struct {
			Mode    string `json:"mode"`
			PushVia string `json:"push_via"`
		}
		json.Unmarshal([]byte(out), &fs)
		ok := len(fs) == 1 && fs[0].Mode == "push" && fs[0].PushVia == "rsscloud" && hubState(t, w, rssURL, callback) == "active"
		return ok, out + w.daemon.output()
	})

	t.Run("a post arrives within a second", func(t *testing.T) {
		carol.w.run("feedpub", "post", "--dir", carol.dir, "Carol pushes through rssCloud")
		start := time.Now()
		w.run("feedpub", "publish", "--dir", carol.dir, "--wait", "30s", "--interval", "100ms")
		pinged := time.Now() // the hub answered the ping once it had fetched the feed
		db := openDB(t, w.db)
		testwait.UntilWhy(t, 10*time.Second, "the post in the reader's database", func() (bool, string) {
			var n int
			db.QueryRow(`SELECT count(*) FROM posts WHERE text LIKE '%Carol pushes through rssCloud%'`).Scan(&n)
			return n == 1, w.daemon.output()
		})
		took := time.Since(pinged)
		w.waitPost(10*time.Second, "Carol pushes through rssCloud", "timeline")
		t.Logf("arrived %s after the ping was answered (%s after feedpub publish started: build, commit, wait for the site, ping)",
			took.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
		if took > time.Second {
			t.Errorf("the post took %s to arrive, want under a second", took)
		}
		if m := w.get(w.hubURL() + "metrics"); !strings.Contains(m, `hub_rsscloud_notifications_total{result="ok"}`) {
			t.Errorf("the hub counted no rssCloud notification:\n%s", m)
		}
	})

	t.Run("kill -9 loses no notification", func(t *testing.T) {
		w.daemon.stop() // notifications fail and are retried
		carol.w.run("feedpub", "post", "--dir", carol.dir, "Carol survives a crash")
		w.run("feedpub", "publish", "--dir", carol.dir, "--wait", "30s", "--interval", "100ms")
		testwait.UntilWhy(t, 15*time.Second, "a notification to fail", func() (bool, string) {
			m := w.get(w.hubURL() + "metrics")
			return strings.Contains(m, `hub_rsscloud_notifications_total{result="retrying"}`), m
		})
		w.hub.kill()
		w.startHub()
		w.startReader()
		w.waitPost(15*time.Second, "Carol survives a crash", "timeline")
		if !strings.Contains(w.daemon.output(), "fetched a notified feed") {
			t.Errorf("the post did not come through a notification:\n%s", w.daemon.output())
		}
	})
}

// get returns the body of a GET.
func (w *world) get(u string) string {
	w.t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
