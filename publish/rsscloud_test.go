package publish_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/rookery-social/rookery/internal/testsite"
	"github.com/rookery-social/rookery/publish"
)

// cloudHub records WebSub publishes (POST /) and rssCloud pings (POST /ping)
// and answers pings with reply.
type cloudHub struct {
	srv   *httptest.Server
	mu    sync.Mutex
	got   map[string][]url.Values
	reply string
}

func newCloudHub(t *testing.T) *cloudHub {
	h := &cloudHub{got: map[string][]url.Values{}, reply: `<?xml version="1.0"?><result success="true" msg="Thanks for the ping."/>`}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		h.mu.Lock()
		defer h.mu.Unlock()
		h.got[r.URL.Path] = append(h.got[r.URL.Path], r.PostForm)
		if r.URL.Path == "/ping" {
			w.Header().Set("Content-Type", "text/xml")
			w.Write([]byte(h.reply))
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *cloudHub) requests(path string) []url.Values {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]url.Values(nil), h.got[path]...)
}

func TestRSSCloudElement(t *testing.T) {
	dir := testsite.Write(t, testsite.Config("https://alice.example/",
		`hubs = ["https://hub.example:8443/h/"]`+"\n"+`rsscloud_hubs = ["https://hub.example:8443/h"]`+"\n")+testsite.ManyPosts(1))
	rss := docs(t, loadSite(t, dir))["feed.rss"]
	var doc struct {
		Cloud struct {
			Domain   string `xml:"domain,attr"`
			Port     string `xml:"port,attr"`
			Path     string `xml:"path,attr"`
			Protocol string `xml:"protocol,attr"`
		} `xml:"channel>cloud"`
	}
	if err := xml.Unmarshal(rss, &doc); err != nil {
		t.Fatal(err)
	}
	c := doc.Cloud
	if c.Domain != "hub.example" || c.Port != "8443" || c.Path != "/h/pleaseNotify" || c.Protocol != "http-post" ||
		!bytes.Contains(rss, []byte(`registerProcedure=""`)) {
		t.Fatalf("cloud element %+v in\n%s", c, rss)
	}
	if n := bytes.Count(rss, []byte("<cloud")); n != 1 {
		t.Fatalf("%d <cloud> elements", n)
	}

	plain := testsite.Write(t, testsite.Config("https://alice.example/", `hubs = ["https://hub.example/"]`+"\n")+testsite.ManyPosts(1))
	if rss := docs(t, loadSite(t, plain))["feed.rss"]; bytes.Contains(rss, []byte("<cloud")) {
		t.Fatalf("a site without rsscloud_hubs advertises a cloud:\n%s", rss)
	}
}

// A hub that serves both protocols gets the rssCloud ping for feed.rss and
// a WebSub publish for the other feeds; a failure reply is an error.
func TestPingRSSCloud(t *testing.T) {
	h := newCloudHub(t)
	dir := testsite.Write(t, testsite.Config("https://alice.example/",
		`hubs = ["`+h.srv.URL+`/"]`+"\n"+`rsscloud_hubs = ["`+h.srv.URL+`/"]`+"\n")+testsite.ManyPosts(1))
	var log bytes.Buffer
	if err := publish.Ping(context.Background(), dir, publish.PingOptions{Client: h.srv.Client(), Log: &log, Now: fakeNow}); err != nil {
		t.Fatal(err)
	}
	pings, publishes := h.requests("/ping"), h.requests("/")
	if len(pings) != 1 || pings[0].Get("url") != "https://alice.example/feed.rss" {
		t.Fatalf("rssCloud pings: %v", pings)
	}
	if len(publishes) != 1 || strings.Join(publishes[0]["hub.url"], " ") != "https://alice.example/feed.atom https://alice.example/feed.json" {
		t.Fatalf("WebSub publishes: %v", publishes)
	}
	if !strings.Contains(log.String(), "pinged "+h.srv.URL+"/ping (rssCloud)") {
		t.Errorf("log: %s", log.String())
	}

	h.mu.Lock()
	h.reply = `<?xml version="1.0"?><result success="false" msg="The ping was cancelled because there was an error reading the resource."/>`
	h.mu.Unlock()
	err := publish.Ping(context.Background(), dir, publish.PingOptions{Client: h.srv.Client(), Log: &log, Now: fakeNow})
	if err == nil || !strings.Contains(err.Error(), "refused the ping: The ping was cancelled because there was an error reading the resource.") {
		t.Fatalf("a failure reply must be an error showing its message: %v", err)
	}
}
