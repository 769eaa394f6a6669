package site_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

func TestServeRebuildsOnChange(t *testing.T) {
	dir := writeSite(t, basicSite)
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- site.Serve(ctx, site.ServeOptions{Dir: dir, Addr: "127.0.0.1:0", Interval: 20 * time.Millisecond,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Ready: ready})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	var base string
	select {
	case addr := <-ready:
		base = "http://" + addr + "/"
	case err := <-done:
		t.Fatalf("serve stopped: %v", err)
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
	if links := strings.Join(resp.Header.Values("Link"), ", "); links != `<https://alice.example/feed.atom>; rel="self", <https://hub.example/>; rel="hub", <https://hub2.example/hub>; rel="hub"` {
		t.Errorf("feed.atom Link headers: %s", links)
	}
	if code, _ := get(t, base+"posts/fourth4/"); code != 404 {
		t.Fatalf("the new post exists before it is written: %d", code)
	}
	addFiles(t, dir, post("fourth4", "2026-03-10T09:00:00Z", "", "Fresh from the preview."))
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := get(t, base+"posts/fourth4/")
		if code == 200 && strings.Contains(body, "Fresh from the preview.") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new post's page did not appear within 10s (last answer %d)", code)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, feed := get(t, base+"feed.atom"); !strings.Contains(feed, "posts/fourth4") {
		t.Error("the feed was not rebuilt")
	}
	// A hub's conditional GET sees the change even within the same second.
	if code, tag := conditionalGet(t, base+"feed.atom", oldTag, oldMod); code != 200 || tag == oldTag || tag == "" {
		t.Errorf("conditional GET after a rebuild: %d, ETag %q (was %q); want 200 and a new ETag", code, tag, oldTag)
	} else if code, _ := conditionalGet(t, base+"feed.atom", tag, ""); code != 304 {
		t.Errorf("conditional GET with the current ETag: %d, want 304", code)
	}
	// A broken post keeps the previous output served.
	addFiles(t, dir, "-- posts/bad.md --\nnot front matter\n")
	time.Sleep(100 * time.Millisecond)
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
	dir := writeSite(t, basicSite)
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string)
	done := make(chan error, 1)
	go func() {
		done <- site.Serve(ctx, site.ServeOptions{Dir: dir, Addr: "127.0.0.1:0", Interval: 20 * time.Millisecond,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Ready: ready})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	// Once the first build has written output, write the post, then take
	// the announcement.
	var addr string
	deadline := time.After(10 * time.Second)
	for addr == "" {
		select {
		case err := <-done:
			t.Fatalf("serve stopped: %v", err)
		case <-deadline:
			t.Fatal("serve did not start")
		default:
		}
		if _, err := os.Stat(filepath.Join(dir, site.DefaultOut, "feed.atom")); err != nil {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		addFiles(t, dir, post("early5", "2026-03-11T09:00:00Z", "", "Written as serve started."))
		select {
		case addr = <-ready:
		case err := <-done:
			t.Fatalf("serve stopped: %v", err)
		case <-deadline:
			t.Fatal("serve did not announce its address")
		}
	}
	base := "http://" + addr + "/"
	until := time.Now().Add(10 * time.Second)
	for {
		code, body := get(t, base+"posts/early5/")
		if code == 200 && strings.Contains(body, "Written as serve started.") {
			return
		}
		if time.Now().After(until) {
			t.Fatalf("a post written as serve started was never built (last answer %d)", code)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
