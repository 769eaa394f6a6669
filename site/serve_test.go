package site_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/testnet"
	"github.com/rookery-social/rookery/internal/testsite"
	"github.com/rookery-social/rookery/internal/testwait"
	"github.com/rookery-social/rookery/site"
)

// get fetches url and returns the status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// served is a site.Serve running for a test: done is closed when it
// returns, with err; log holds what it logged.
type served struct {
	done chan struct{}
	err  error
	log  syncBuffer
}

// syncBuffer is a buffer safe for Serve's writes and a test's reads.
type syncBuffer = testwait.Buffer

// awaitLog waits, for at most 10 seconds, until serve has logged n lines
// holding every one of texts, and returns them.
func (sv *served) awaitLog(t *testing.T, n int, texts ...string) []string {
	t.Helper()
	var lines []string
	testwait.UntilWhy(t, 10*time.Second, fmt.Sprintf("%d serve log lines with %q", n, texts), func() (bool, string) {
		lines = nil
		for _, l := range strings.Split(sv.log.String(), "\n") {
			if containsAll(l, texts) {
				lines = append(lines, l)
			}
		}
		return len(lines) >= n, "log:\n" + sv.log.String()
	})
	return lines
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// startServe runs site.Serve on dir, announcing its address on ready,
// until the test ends, and then checks that it stopped cleanly.
func startServe(t *testing.T, dir string, ready chan<- string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	sv := &served{done: make(chan struct{})}
	go func() {
		defer close(sv.done)
		sv.err = site.Serve(ctx, site.ServeOptions{Dir: dir, Addr: "127.0.0.1:0", Interval: 20 * time.Millisecond,
			Logger: slog.New(slog.NewTextHandler(&sv.log, nil)), Ready: ready})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-sv.done:
			if sv.err != nil {
				t.Errorf("serve: %v", sv.err)
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop within 10s")
		}
	})
	return sv
}

func TestServeRebuildsOnChange(t *testing.T) {
	dir := testsite.Write(t, basicSite)
	ready := make(chan string, 1)
	sv := startServe(t, dir, ready)
	var base string
	select {
	case addr := <-ready:
		base = "http://" + addr + "/"
	case <-sv.done:
		t.Fatalf("serve stopped: %v", sv.err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start")
	}
	if code, body := get(t, base); code != 200 || !strings.Contains(body, "posts/first1/") {
		t.Fatalf("index: %d %s", code, body)
	}
	resp, err := http.Get(base + "feed.atom")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	oldTag, oldMod := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if ct := resp.Header.Get("Content-Type"); ct != "application/atom+xml; charset=utf-8" {
		t.Errorf("feed.atom served as %q", ct)
	}
	if links := strings.Join(resp.Header.Values("Link"), ", "); links != `<`+base+`feed.atom>; rel="self", <https://hub.example/>; rel="hub", <https://hub2.example/hub>; rel="hub"` {
		t.Errorf("feed.atom Link headers: %s", links)
	}
	if code, _ := get(t, base+"posts/fourth4/"); code != 404 {
		t.Fatalf("the new post exists before it is written: %d", code)
	}
	testsite.Add(t, dir, testsite.Post("fourth4", "2026-03-10T09:00:00Z", "", "Fresh from the preview."))
	awaitPage(t, base+"posts/fourth4/", "Fresh from the preview.")
	// The files of a build are written in parallel: the feed may land
	// just after the page.
	awaitPage(t, base+"feed.atom", "posts/fourth4")
	// A hub's conditional GET sees the change even within the same second.
	if code, tag := conditionalGet(t, base+"feed.atom", oldTag, oldMod); code != 200 || tag == oldTag || tag == "" {
		t.Errorf("conditional GET after a rebuild: %d, ETag %q (was %q); want 200 and a new ETag", code, tag, oldTag)
	} else if code, _ := conditionalGet(t, base+"feed.atom", tag, ""); code != 304 {
		t.Errorf("conditional GET with the current ETag: %d, want 304", code)
	}
	// A broken post keeps the previous output served.
	// Written whole (renamed into place), so serve sees one change.
	bad := filepath.Join(dir, "bad.md.tmp")
	if err := os.WriteFile(bad, []byte("not front matter\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(bad, filepath.Join(dir, "posts", "bad.md")); err != nil {
		t.Fatal(err)
	}
	if failed := sv.awaitLog(t, 1, "rebuild failed", "bad.md"); len(failed) != 1 {
		t.Errorf("the failed rebuild was logged %d times: %q", len(failed), failed)
	}
	if code, body := get(t, base+"posts/fourth4/"); code != 200 || !strings.Contains(body, "Fresh") {
		t.Errorf("a failed rebuild broke the served site: %d", code)
	}
}

func conditionalGet(t *testing.T, url, etag, modified string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	if modified != "" {
		req.Header.Set("If-Modified-Since", modified)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("ETag")
}

// A post written right after serve announces its address, before the
// watcher has looked at the inputs, is still picked up. Ready is unbuffered,
// so Serve is held at the announcement while the post is written.
func TestServeSeesPostWrittenAtStart(t *testing.T) {
	dir := testsite.Write(t, basicSite)
	ready := make(chan string)
	sv := startServe(t, dir, ready)
	// Once the first build has written output, write the post, then take
	// the announcement.
	var addr string
	deadline := time.After(10 * time.Second)
	for addr == "" {
		select {
		case <-sv.done:
			t.Fatalf("serve stopped: %v", sv.err)
		case <-deadline:
			t.Fatal("serve did not start")
		default:
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(site.PreviewDir), "feed.atom")); err != nil {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		testsite.Add(t, dir, testsite.Post("early5", "2026-03-11T09:00:00Z", "", "Written as serve started."))
		select {
		case addr = <-ready:
		case <-sv.done:
			t.Fatalf("serve stopped: %v", sv.err)
		case <-deadline:
			t.Fatal("serve did not announce its address")
		}
	}
	awaitPage(t, "http://"+addr+"/posts/early5/", "Written as serve started.")
}

// awaitPage polls url until it answers 200 with text in the page, for at
// most 10 seconds.
func awaitPage(t *testing.T, url, text string) {
	t.Helper()
	testwait.UntilWhy(t, 10*time.Second, fmt.Sprintf("%s to show %q", url, text), func() (bool, string) {
		code, body := get(t, url)
		return code == 200 && strings.Contains(body, text), fmt.Sprintf("answer %d", code)
	})
}

// The preview links to itself, as hugo server does, with the site's own
// entry IDs, and leaves public/ as the last build wrote it.
func TestServePreviewLinksToItself(t *testing.T) {
	dir := testsite.Write(t, basicSite)
	build(t, dir)
	before := outputs(t, dir)
	stamps := map[string]time.Time{}
	for p := range before {
		fi, _ := os.Stat(filepath.Join(dir, "public", filepath.FromSlash(p)))
		stamps[p] = fi.ModTime()
	}
	ready := make(chan string, 1)
	sv := startServe(t, dir, ready)
	var base string
	select {
	case addr := <-ready:
		base = "http://" + addr + "/"
	case <-sv.done:
		t.Fatalf("serve stopped: %v", sv.err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start")
	}
	for _, page := range []string{"", "posts/first1/", "feed.atom", "feed.rss", "feed.json"} {
		code, body := get(t, base+page)
		if code != 200 || strings.Contains(body, "https://alice.example/") || !strings.Contains(body, base+"posts/first1/") {
			t.Errorf("%s: %d; links leave the preview or miss it:\n%s", page, code, body)
		}
	}
	_, feed := get(t, base+"feed.atom")
	contains(t, "the preview's feed.atom", feed, "<id>tag:alice.example,2026:posts/first1</id>", `<link href="`+base+`feed.atom" rel="self"`, base+`about`)
	testsite.Add(t, dir, testsite.Post("fourth4", "2026-03-10T09:00:00Z", "", "Fresh from the preview."))
	awaitPage(t, base+"posts/fourth4/", "Fresh from the preview.")
	after := outputs(t, dir)
	if len(after) != len(before) {
		t.Errorf("public/ has %d files, had %d", len(after), len(before))
	}
	for p, b := range before {
		fi, err := os.Stat(filepath.Join(dir, "public", filepath.FromSlash(p)))
		if !equalBytes(after[p], b) || err != nil || !fi.ModTime().Equal(stamps[p]) {
			t.Errorf("public/%s changed while previewing", p)
		}
	}
}

// Serve checks its options and the site's configuration before it builds
// or takes the port: a mistake is reported as itself, even when the port
// is taken, and nothing is written.
func TestServeChecksItsConfigurationFirst(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	cases := map[string]struct {
		site, addr string
		interval   time.Duration
		want       string
	}{
		"address":  {basicSite, "localhost", 0, `--addr "localhost"`},
		"interval": {basicSite, taken.Addr().String(), -time.Second, "must not be negative"},
		"site URL": {strings.Replace(basicSite, `url = "https://alice.example/"`, `url = "not a url"`, 1), taken.Addr().String(), 0, "feedpub.toml"},
		"no site":  {"", taken.Addr().String(), 0, "feedpub.toml"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := testsite.Write(t, c.site)
			err := site.Serve(context.Background(), site.ServeOptions{Dir: dir, Addr: c.addr, Interval: c.interval,
				Logger: slog.New(slog.DiscardHandler)})
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "address already in use") {
				t.Errorf("Serve: %v; want an error saying %q", err, c.want)
			}
			for _, out := range []string{site.DefaultOut, site.PreviewDir} {
				if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(out))); !os.IsNotExist(err) {
					t.Errorf("Serve wrote %s: %v", out, err)
				}
			}
		})
	}
}

// A site whose url is the preview's own address has nothing to rewrite:
// serve serves public/, so a `feedpub build` followed at once by a hub's
// fetch (as `feedpub ping` causes) gets that build, without waiting for
// serve's own look for changes.
func TestServeAtTheSiteURLServesTheBuild(t *testing.T) {
	addr := testnet.Addr(t)
	base := "http://" + addr + "/"
	dir := testsite.Write(t, strings.Replace(basicSite, "https://alice.example/", base, 1))
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() {
		done <- site.Serve(ctx, site.ServeOptions{Dir: dir, Addr: addr, Interval: time.Hour,
			Logger: slog.New(slog.DiscardHandler), Ready: ready})
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("serve stopped: %v", err)
	}
	testsite.Add(t, dir, testsite.Post("fourth4", "2026-03-10T09:00:00Z", "", "Built, then fetched at once."))
	build(t, dir)
	if code, body := get(t, base+"feed.atom"); code != 200 || !strings.Contains(body, "Built, then fetched at once.") {
		t.Errorf("feed.atom right after the build: %d, without the new post", code)
	}
}
