package publish_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rookery-social/rookery/internal/testsite"
	"github.com/rookery-social/rookery/publish"
)

// targets serves pages advertising an endpoint in each way the W3C
// Recommendation allows, with absolute and relative URLs.
func targets(t *testing.T, endpoint string) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	html := func(head, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!doctype html><html><head>" + head + "</head><body>" + body + "</body></html>"))
		}
	}
	mux.HandleFunc("/header-abs", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", `<`+endpoint+`>; rel="webmention"`)
		html(`<link rel="webmention" href="/wrong">`, "")(w, r)
	})
	mux.HandleFunc("/dir/header-rel", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Link", `</feed.atom>; rel="alternate"`)
		w.Header().Add("Link", `<wm?x=1>; rel="other webmention"`)
		html("", "")(w, r)
	})
	mux.HandleFunc("/link-el", html(`<link rel="stylesheet" href="/s.css"><link rel="webmention" href="/endpoint/link">`, ""))
	mux.HandleFunc("/a-el", html("", `<p>hi</p><a rel="webmention" href="../a/endpoint">endpoint</a>`))
	mux.HandleFunc("/none", html(`<link rel="alternate" href="/feed.atom">`, `<a href="/webmention">not rel</a>`))
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/dir/header-rel", http.StatusFound)
	})
	mux.HandleFunc("/feed.atom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write([]byte(`<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>B</title>
<entry><link rel="webmention" href="/in-entry"/></entry>
<link rel="webmention" href="/feed-endpoint"/></feed>`))
	})
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusGone) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestDiscoverWebmention(t *testing.T) {
	const endpoint = "https://wm.example/endpoint"
	srv := targets(t, endpoint)
	cases := map[string]struct{ path, want string }{
		"Link header, absolute, wins over HTML": {"/header-abs", endpoint},
		"Link header, relative":                 {"/dir/header-rel", srv.URL + "/dir/wm?x=1"},
		"<link> element, relative":              {"/link-el", srv.URL + "/endpoint/link"},
		"<a> element, relative":                 {"/a-el", srv.URL + "/a/endpoint"},
		"relative to the URL after redirects":   {"/moved", srv.URL + "/dir/wm?x=1"},
		"feed-level atom:link":                  {"/feed.atom", srv.URL + "/feed-endpoint"},
		"no endpoint":                           {"/none", ""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := publish.DiscoverWebmention(context.Background(), srv.Client(), srv.URL+c.path)
			if err != nil || got != c.want {
				t.Errorf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
	if _, err := publish.DiscoverWebmention(context.Background(), srv.Client(), srv.URL+"/gone"); err == nil || !strings.Contains(err.Error(), "HTTP 410") {
		t.Errorf("a target answering 410: %v", err)
	}
}

// webmentionSite has a reply to a page whose endpoint is in a Link header,
// a mention of a feed whose endpoint is in the feed, and a reply to a page
// with no endpoint anywhere.
func webmentionSite(t *testing.T, recv *testsite.Recorder) (dir string, bob *httptest.Server) {
	t.Helper()
	bob = testsite.MentionTarget(t, recv.URL+"/webmention")
	reply := func(path string) string {
		return "[reply_to]\nref = \"tag:bob.example,2026:" + path + "\"\nhref = \"" + bob.URL + path + "\"\nsource = \"" + bob.URL + "/nofeed\"\n"
	}
	dir = testsite.Write(t, testsite.Config("https://alice.example/", "[following]\nbob = \""+bob.URL+"/feed.atom\"\n")+
		testsite.Post("r1", "2026-02-01T10:00:00Z", reply("/posts/one/"), "Reply one.")+
		testsite.Post("m2", "2026-02-02T10:00:00Z", "", "Hi @bob!")+
		testsite.Post("r3", "2026-02-03T10:00:00Z", reply("/plain/"), "Reply to a page without endpoint."))
	return dir, bob
}

func TestSendWebmentionsOnce(t *testing.T) {
	recv := testsite.NewRecorder(t)
	dir, bob := webmentionSite(t, recv)
	s := loadSite(t, dir)
	var log bytes.Buffer
	if err := publish.SendWebmentions(context.Background(), bob.Client(), dir, s.Entries, &log, fakeNow); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"https://alice.example/posts/r1/ -> " + bob.URL + "/posts/one/",
		"https://alice.example/posts/m2/ -> " + bob.URL + "/feed.atom",
	}
	if got := recv.Webmentions(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("received:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(log.String(), "no Webmention endpoint at "+bob.URL+"/plain/") {
		t.Errorf("log does not say which target had no endpoint:\n%s", log.String())
	}
	if sent, err := os.ReadFile(filepath.Join(dir, publish.SentFile)); err != nil || strings.Count(string(sent), `"2031-01-01T00:00:00Z"`) != 2 {
		t.Errorf("the record of sent Webmentions should stamp both with the clock's time: %v\n%s", err, sent)
	}
	// A second run sends nothing new.
	if err := publish.SendWebmentions(context.Background(), bob.Client(), dir, s.Entries, &log, fakeNow); err != nil {
		t.Fatal(err)
	}
	if n := len(recv.Webmentions()); n != 2 {
		t.Errorf("second run: receiver got %d Webmentions in all, want still 2", n)
	}
}

func TestWebmentionRefusedIsRetried(t *testing.T) {
	recv := testsite.NewRecorder(t)
	recv.Refuse(http.StatusBadRequest, "source does not link to target")
	dir, bob := webmentionSite(t, recv)
	s := loadSite(t, dir)
	err := publish.SendWebmentions(context.Background(), bob.Client(), dir, s.Entries, &bytes.Buffer{}, fakeNow)
	if err == nil || !strings.Contains(err.Error(), "source does not link to target") || !strings.Contains(err.Error(), "HTTP 400") {
		t.Fatalf("a refused Webmention should be an error showing the endpoint's answer: %v", err)
	}
	recv.Refuse(0, "")
	if err := publish.SendWebmentions(context.Background(), bob.Client(), dir, s.Entries, &bytes.Buffer{}, fakeNow); err != nil {
		t.Fatal(err)
	}
	if n := len(recv.Webmentions()); n != 4 { // 2 refused, then the same 2 again
		t.Errorf("receiver got %d requests, want 4 (refused ones are retried)", n)
	}
}

// hub is an httptest WebSub hub recording publish pings.
type hub struct {
	srv    *httptest.Server
	mu     sync.Mutex
	pings  []url.Values
	refuse string // when set, answer 400 with this text
}

func newHub(t *testing.T) *hub {
	t.Helper()
	h := &hub{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		h.mu.Lock()
		defer h.mu.Unlock()
		h.pings = append(h.pings, r.PostForm)
		if h.refuse != "" {
			http.Error(w, h.refuse, http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hub) received() []url.Values {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]url.Values(nil), h.pings...)
}

func TestPing(t *testing.T) {
	good, bad := newHub(t), newHub(t)
	bad.refuse = "topic https://alice.example/feed.atom is not allowed here"
	dir := testsite.Write(t, testsite.Config("https://alice.example/", `hubs = ["`+good.srv.URL+`/", "`+bad.srv.URL+`/hub"]`+"\n")+testsite.ManyPosts(2))
	var log bytes.Buffer
	err := publish.Ping(context.Background(), dir, publish.PingOptions{Client: good.srv.Client(), Log: &log, Now: fakeNow})
	if err == nil || !strings.Contains(err.Error(), bad.srv.URL+"/hub refused the ping: HTTP 400: topic https://alice.example/feed.atom is not allowed here") {
		t.Fatalf("a refusing hub must be an error showing its answer: %v", err)
	}
	for name, h := range map[string]*hub{"good": good, "bad": bad} {
		p := h.received()
		if len(p) != 1 {
			t.Fatalf("%s hub got %d pings", name, len(p))
		}
		want := "[https://alice.example/feed.atom https://alice.example/feed.rss https://alice.example/feed.json]"
		if p[0].Get("hub.mode") != "publish" || strings.Join(p[0]["hub.url"], " ") != strings.Trim(want, "[]") {
			t.Errorf("%s hub got %v", name, p[0])
		}
	}
	if !strings.Contains(log.String(), "pinged "+good.srv.URL+"/") {
		t.Errorf("log: %s", log.String())
	}
}
