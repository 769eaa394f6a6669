package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/testwait"
)

// manyFeeds serves n Atom feeds, /f/0.atom to /f/{n-1}.atom, on loopback,
// each naming hub as its hub.
func manyFeeds(t *testing.T, n int, hub string) []string {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/f/"), ".atom"))
		if err != nil || i < 0 || i >= n {
			http.NotFound(w, r)
			return
		}
		self := srv.URL + r.URL.Path
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Author %d</title><id>%s</id>
<updated>2030-12-31T00:00:00Z</updated><link rel="self" href="%s"/><link rel="hub" href="%s"/>
<entry><id>%s#1</id><title>first</title><updated>2030-12-31T00:00:00Z</updated>
<link href="%s/p/%d/1"/><content type="html">&lt;p&gt;Post one of author %d&lt;/p&gt;</content></entry></feed>`,
			i, self, self, hub, self, srv.URL, i, i)
	}))
	t.Cleanup(srv.Close)
	urls := make([]string, n)
	for i := range urls {
		urls[i] = fmt.Sprintf("%s/f/%d.atom", srv.URL, i)
	}
	return urls
}

// writeOPML writes an OPML 2.0 subscription list of urls.
func writeOPML(t *testing.T, path string, urls []string) {
	t.Helper()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><head><title>follows</title></head><body>`)
	for i, u := range urls {
		fmt.Fprintf(&b, `<outline type="rss" text="author%d" xmlUrl="%s"/>`, i, u)
	}
	b.WriteString(`</body></opml>`)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// pushFeed is the part of `reader following --json` this test reads.
type pushFeed struct {
	URL        string `json:"url"`
	Mode       string `json:"mode"`
	Push       string `json:"push"`
	PushDetail string `json:"push_detail"`
}

// TestHundredsOfFeedsOnOneHubGoPushWithinAMinute: a reader imports 300
// feeds that all name one hub, started with its defaults (no rate-limit
// flags); within 60 s of `reader serve` starting, every feed is on push
// by `reader following --json`. The 429s the reader got are logged.
func TestHundredsOfFeedsOnOneHubGoPushWithinAMinute(t *testing.T) {
	const n = 300
	s := newSystem(t)
	hubAddr, readerAddr := freeAddr(t), freeAddr(t)
	hubURL := "http://" + hubAddr + "/"
	hub := s.start("hub", "--addr", hubAddr, "--db", filepath.Join(s.home, "hub.db"), "--allow-private")
	waitHTTP(t, hubURL+"healthz", hub)

	db := filepath.Join(s.home, "reader.db")
	opml := filepath.Join(s.home, "follows.opml")
	writeOPML(t, opml, manyFeeds(t, n, hubURL))
	s.run("reader", "--db", db, "import", "--no-fetch", opml) // the fetch is the next step
	s.run("reader", "--db", db, "fetch")

	start := time.Now()
	reader := s.start("reader", "--db", db, "serve", "--addr", readerAddr, "--allow-private")
	following := func() []pushFeed {
		var fs []pushFeed
		out := s.run("reader", "--db", db, "following", "--json")
		if err := json.Unmarshal([]byte(out), &fs); err != nil {
			t.Fatalf("reader following --json: %v\n%s", err, out)
		}
		return fs
	}
	testwait.UntilWhy(t, 60*time.Second, fmt.Sprintf("all %d feeds on push", n), func() (bool, string) {
		fs := following()
		counts := map[string]int{}
		var example string
		for _, f := range fs {
			counts[f.Push+"/"+f.Mode]++
			if (f.Push != "subscribed" || f.Mode != "push") && example == "" {
				example = f.URL + ": " + f.Push + ": " + f.PushDetail
			}
		}
		return len(fs) == n && counts["subscribed/push"] == n, fmt.Sprintf("%v, e.g. %s\n%s", counts, example, tail(reader.output(), 20))
	})
	took := time.Since(start)
	for _, f := range following() {
		if f.Push != "subscribed" || !strings.Contains(f.PushDetail, "subscribed until") || !strings.Contains(f.PushDetail, hubURL) {
			t.Errorf("%s: push %s, push_detail %q; want subscribed until … at %s", f.URL, f.Push, f.PushDetail, hubURL)
		}
	}

	got429 := strings.Count(reader.output(), `msg="hub asked to wait"`)
	sent429 := hubMetric(t, hubURL, `hub_requests_total{code="429",mode="subscribe"}`)
	t.Logf("%d feeds on push %s after reader serve started; the reader received %d 429s (the hub counts %d)",
		n, took.Round(100*time.Millisecond), got429, sent429)
	if got429 != sent429 {
		t.Errorf("the reader logged %d 429s, the hub sent %d: every 429 must be seen and waited for", got429, sent429)
	}
	if refused := strings.Count(reader.output(), `msg="hub refused subscription request"`); refused != 0 {
		t.Errorf("%d subscription requests counted as failures; a 429 is a wait", refused)
	}
}

// hubMetric reads one sample of the hub's /metrics (0 when absent).
func hubMetric(t *testing.T, hubURL, series string) int {
	t.Helper()
	resp, err := http.Get(hubURL + "metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	line := regexp.MustCompile(`^` + regexp.QuoteMeta(series) + ` (\d+)$`)
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if m := line.FindStringSubmatch(sc.Text()); m != nil {
			v, _ := strconv.Atoi(m[1])
			return v
		}
	}
	return 0
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
