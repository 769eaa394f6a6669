package e2e

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/sqlitedb"
	"github.com/rookery-social/rookery/internal/testwait"
	"github.com/rookery-social/rookery/internal/websub"
)

// post is the part of `reader --json` output the tests look at.
type post struct {
	ID        string   `json:"id"`
	URL       string   `json:"url"`
	Feed      string   `json:"feed"`
	Text      string   `json:"text"`
	InReplyTo string   `json:"in_reply_to"`
	Mentions  []string `json:"mentions"`
	Tags      []string `json:"tags"`
}

type feed struct {
	URL  string `json:"url"`
	Nick string `json:"nick"`
	Mode string `json:"mode"`
}

// world is a hub, a reader daemon and some authors' sites on loopback.
type world struct {
	*system
	hubAddr, readerAddr string
	hub, daemon         *proc
	db                  string
}

func (w *world) hubURL() string    { return "http://" + w.hubAddr + "/" }
func (w *world) readerURL() string { return "http://" + w.readerAddr }

func (w *world) startHub() {
	w.hub = w.start("hub", "--addr", w.hubAddr, "--db", filepath.Join(w.home, "hub.db"), "--allow-private",
		"--rate-limit", "100", "--retry-base", "200ms", "--retry-max", "1s", "--idle-interval", "100ms",
		"--poll-interval", "0")
	waitHTTP(w.t, w.hubURL()+"healthz", w.hub)
}

func (w *world) startReader() {
	w.daemon = w.start("reader", "--db", w.db, "serve", "--addr", w.readerAddr, "--allow-private",
		"--poll", "1h", "--sync", "200ms")
	waitHTTP(w.t, w.readerURL()+"/healthz", w.daemon)
}

// site is one author's feedpub site, served by feedpub serve.
type site struct {
	w         *world
	dir, base string
	serve     *proc
}

// newSite makes a site; webmention is the endpoint it advertises ("" for
// none) and following is added to its address book.
func (w *world) newSite(name string, hub bool, webmention, following string) *site {
	addr := freeAddr(w.t)
	s := &site{w: w, dir: filepath.Join(w.home, name), base: "http://" + addr + "/"}
	args := []string{"init", s.dir, "--title", name + "'s microblog", "--author", name, "--url", s.base}
	if hub {
		args = append(args, "--hub", w.hubURL())
	}
	if webmention != "" {
		args = append(args, "--webmention", webmention)
	}
	w.run("feedpub", args...)
	cfg := filepath.Join(s.dir, "feedpub.toml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		w.t.Fatal(err)
	}
	b = append(b, following+"\n"...)
	if err := os.WriteFile(cfg, b, 0o644); err != nil {
		w.t.Fatal(err)
	}
	w.run("feedpub", "build", "--dir", s.dir)
	s.serve = w.start("feedpub", "serve", "--dir", s.dir, "--addr", addr)
	waitHTTP(w.t, s.base+"feed.atom", s.serve)
	return s
}

func (s *site) feedURL() string { return s.base + "feed.atom" }

// publish writes a post and publishes it; it returns feedpub post's output.
func (s *site) publish(args ...string) {
	s.w.t.Helper()
	s.w.run("feedpub", append([]string{"post", "--dir", s.dir}, args...)...)
	s.w.run("feedpub", "publish", "--dir", s.dir, "--wait", "30s", "--interval", "100ms")
}

func (w *world) posts(args ...string) []post {
	w.t.Helper()
	var ps []post
	out := w.run("reader", append([]string{"--db", w.db}, append(args, "--json")...)...)
	if err := json.Unmarshal([]byte(out), &ps); err != nil {
		w.t.Fatalf("reader %v --json: %v\n%s", args, err, out)
	}
	return ps
}

// waitPost waits until a listing holds a post whose text contains text.
func (w *world) waitPost(limit time.Duration, text string, args ...string) post {
	w.t.Helper()
	var found post
	testwait.UntilWhy(w.t, limit, "a post with "+text+" in reader "+strings.Join(args, " "), func() (bool, string) {
		ps := w.posts(args...)
		for _, p := range ps {
			if strings.Contains(p.Text, text) {
				found = p
				return true, ""
			}
		}
		return false, w.daemon.output()
	})
	return found
}

func hasText(ps []post, text string) bool {
	for _, p := range ps {
		if strings.Contains(p.Text, text) {
			return true
		}
	}
	return false
}

func TestWholeSystem(t *testing.T) {
	w := &world{system: newSystem(t), hubAddr: freeAddr(t), readerAddr: freeAddr(t)}
	w.db = filepath.Join(w.home, "reader.db")
	w.startHub()

	alice := w.newSite("alice", true, "http://"+w.readerAddr+"/webmention", "")
	bob := w.newSite("bob", true, "", `alice = "`+alice.feedURL()+`"`)
	w.run("reader", "--db", w.db, "init", "--me", alice.feedURL())
	w.startReader()

	alice.publish("Hello, I am Alice.", "--tag", "intro")
	w.run("reader", "--db", w.db, "follow", alice.base, "--nick", "alice")
	w.run("reader", "--db", w.db, "follow", bob.feedURL(), "--nick", "bob")
	testwait.UntilWhy(t, 15*time.Second, "both feeds to be pushed", func() (bool, string) {
		var fs []feed
		out := w.run("reader", "--db", w.db, "following", "--json")
		if err := json.Unmarshal([]byte(out), &fs); err != nil {
			t.Fatal(err)
		}
		push := 0
		for _, f := range fs {
			if f.Mode == "push" {
				push++
			}
		}
		return push == 2, out + w.daemon.output()
	})

	t.Run("a published post arrives by push", func(t *testing.T) {
		start := time.Now()
		bob.publish("First post from Bob", "--tag", "rookery")
		p := w.waitPost(10*time.Second, "First post from Bob", "timeline")
		t.Logf("arrived %s after publish started", time.Since(start).Round(time.Millisecond))
		if p.Feed != bob.feedURL() || len(p.Tags) != 1 || p.Tags[0] != "rookery" {
			t.Errorf("stored post = %+v", p)
		}
	})

	aliceFirst := w.waitPost(5*time.Second, "Hello, I am Alice", "timeline", "--from", "alice")
	t.Run("a reply shows in its thread and in mentions", func(t *testing.T) {
		bob.publish("--reply-to", aliceFirst.URL, "Welcome @alice, glad you are here")
		reply := w.waitPost(10*time.Second, "glad you are here", "mentions")
		if reply.InReplyTo != aliceFirst.ID {
			t.Errorf("reply in_reply_to = %q, want %q", reply.InReplyTo, aliceFirst.ID)
		}
		if len(reply.Mentions) != 1 || reply.Mentions[0] != alice.feedURL() {
			t.Errorf("reply mentions = %v", reply.Mentions)
		}
		tree := w.run("reader", "--db", w.db, "thread", aliceFirst.ID)
		ai, bi := strings.Index(tree, "Hello, I am Alice"), strings.Index(tree, "glad you are here")
		if ai < 0 || bi < ai {
			t.Errorf("thread does not show the post then its reply:\n%s", tree)
		}
	})

	t.Run("webmentions from strangers, and not from the blocked", func(t *testing.T) {
		carol := w.newSite("carol", false, "", "")
		dave := w.newSite("dave", false, "", "")
		w.run("reader", "--db", w.db, "block", dave.feedURL())
		dave.publish("--reply-to", aliceFirst.URL, "Dave says something rude")
		carol.publish("--reply-to", aliceFirst.URL, "Carol has never been followed")
		p := w.waitPost(20*time.Second, "Carol has never been followed", "mentions")
		if p.Feed != carol.feedURL() {
			t.Errorf("carol's mention stored under %q", p.Feed)
		}
		waitWebmention(t, w.db, dave.base, "dropped")
		if ps := w.posts("mentions"); hasText(ps, "rude") {
			t.Errorf("a blocked author's Webmention shows in mentions: %+v", ps)
		}
		if ps := w.posts("timeline"); hasText(ps, "Carol") {
			t.Errorf("an unfollowed author shows in the timeline")
		}
	})

	t.Run("a delivery with a bad signature is ignored", func(t *testing.T) {
		callback := subscriptionCallback(t, w.db, w.readerURL(), bob.feedURL())
		forged := `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><id>x</id><title>bob</title>
<updated>2026-01-01T00:00:00Z</updated><author><name>bob</name></author>
<entry><id>tag:evil,2026:1</id><title>forged</title><updated>2026-01-01T00:00:00Z</updated>
<link href="` + bob.base + `posts/forged/"/><content type="html">Forged entry text</content></entry></feed>`
		req, _ := http.NewRequest(http.MethodPost, callback, strings.NewReader(forged))
		req.Header.Set("Content-Type", "application/atom+xml")
		req.Header.Set(websub.HeaderSignature, websub.Sign([]byte("not the secret"), []byte(forged)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Errorf("forged delivery answered %d, want 2xx (ignored, not retried)", resp.StatusCode)
		}
		if ps := w.posts("search", "forged"); len(ps) != 0 {
			t.Errorf("forged entry stored: %+v", ps)
		}
	})

	t.Run("killing and restarting the hub loses nothing", func(t *testing.T) {
		w.daemon.stop() // deliveries now fail and wait for a retry
		bob.publish("Posted while the reader was down")
		waitHubPending(t, w, bob)
		w.hub.kill()
		w.startHub()
		w.startReader()
		w.waitPost(30*time.Second, "Posted while the reader was down", "timeline")
	})
}

// waitHubPending waits until the hub has fetched bob's new post and failed
// to deliver it at least once, as its subscription page shows.
func waitHubPending(t *testing.T, w *world, s *site) {
	t.Helper()
	callback := subscriptionCallback(t, w.db, w.readerURL(), s.feedURL())
	topic := subscriptionTopic(t, w.db, s.feedURL())
	u := w.hubURL() + "subscription?hub.callback=" + url.QueryEscape(callback) + "&hub.topic=" + url.QueryEscape(topic)
	testwait.UntilWhy(t, 15*time.Second, "the hub to record a failed delivery", func() (bool, string) {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Accept", "text/plain")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		s := strings.ToLower(b.String())
		return strings.Contains(s, "retry") || strings.Contains(s, "failed") || strings.Contains(s, "refused"), b.String()
	})
}

func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sqlitedb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// subscriptionCallback is the reader's callback URL for a feed's active
// subscription, read from the reader's database.
func subscriptionCallback(t *testing.T, dbPath, base, feedURL string) string {
	t.Helper()
	var id string
	err := openDB(t, dbPath).QueryRow(`SELECT id FROM subscriber_subscriptions WHERE feed_url = ? AND state = 'active'`, feedURL).Scan(&id)
	if err != nil {
		t.Fatalf("no active subscription for %s: %v", feedURL, err)
	}
	return base + "/websub/" + id
}

func subscriptionTopic(t *testing.T, dbPath, feedURL string) string {
	t.Helper()
	var topic string
	if err := openDB(t, dbPath).QueryRow(`SELECT topic FROM subscriber_subscriptions WHERE feed_url = ?`, feedURL).Scan(&topic); err != nil {
		t.Fatal(err)
	}
	return topic
}

// waitWebmention waits until the Webmention from a source under prefix has
// the given status in the reader's queue.
func waitWebmention(t *testing.T, dbPath, prefix, status string) {
	t.Helper()
	db := openDB(t, dbPath)
	testwait.UntilWhy(t, 20*time.Second, "a Webmention from "+prefix+" to be "+status, func() (bool, string) {
		var got, result string
		err := db.QueryRow(`SELECT status, result FROM webmention_queue WHERE source LIKE ? || '%'`, prefix).Scan(&got, &result)
		return err == nil && got == status, got + " " + result
	})
}
