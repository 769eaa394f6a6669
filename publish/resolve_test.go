package publish_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rookery-social/rookery/internal/testsite"
	"github.com/rookery-social/rookery/publish"
)

// bobSite serves a small site: a post page listed in its Atom feed, a page
// known only through its h-entry, a page with no entry, and a feed.
func bobSite(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	var srv *httptest.Server
	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(strings.ReplaceAll(body, "BASE", srv.URL)))
		}
	}
	mux.HandleFunc("/posts/one/", page(`<!doctype html><html><head>
<link rel="alternate" type="application/atom+xml" href="/feed.atom"></head>
<body><article class="h-entry"><p class="e-content">One</p></article></body></html>`))
	mux.HandleFunc("/notes/two", page(`<!doctype html><html><head>
<link rel="alternate" type="application/atom+xml" href="/feed.atom"></head>
<body><article class="h-entry"><a class="u-url" href="/notes/two">link</a><data class="u-uid" value="urn:uuid:two"></data></article></body></html>`))
	mux.HandleFunc("/about", page(`<!doctype html><html><body><p>No entries here.</p></body></html>`))
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/posts/one/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/feed.atom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write([]byte(strings.ReplaceAll(`<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Bob</title><id>BASE/feed.atom</id>
<updated>2026-01-01T00:00:00Z</updated><author><name>Bob</name></author>
<link rel="self" href="BASE/feed.atom"/>
<entry><id>tag:bob.example,2026:posts/one</id><title>One</title><updated>2026-01-01T00:00:00Z</updated>
<link rel="alternate" href="BASE/posts/one/"/><content type="html">One</content></entry>
</feed>`, "BASE", srv.URL)))
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestResolveReply(t *testing.T) {
	srv := bobSite(t)
	feed := srv.URL + "/feed.atom"
	cases := map[string]struct {
		target string
		want   publish.ReplyTo
	}{
		"page listed in its feed": {"/posts/one/", publish.ReplyTo{Ref: "tag:bob.example,2026:posts/one", Href: srv.URL + "/posts/one/", Source: feed}},
		"redirect to the page":    {"/old", publish.ReplyTo{Ref: "tag:bob.example,2026:posts/one", Href: srv.URL + "/posts/one/", Source: feed}},
		"page with an h-entry":    {"/notes/two", publish.ReplyTo{Ref: "urn:uuid:two", Href: srv.URL + "/notes/two", Source: feed}},
		"feed with fragment id":   {"/feed.atom#tag:bob.example,2026:posts/one", publish.ReplyTo{Ref: "tag:bob.example,2026:posts/one", Href: srv.URL + "/posts/one/", Source: feed}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := publish.ResolveReply(context.Background(), srv.Client(), srv.URL+c.target)
			if err != nil {
				t.Fatal(err)
			}
			if *got != c.want {
				t.Errorf("got %+v\nwant %+v", *got, c.want)
			}
		})
	}
}

func TestResolveReplyErrors(t *testing.T) {
	srv := bobSite(t)
	cases := map[string]struct{ target, want string }{
		"not found":      {srv.URL + "/missing", "cannot fetch the reply target"},
		"page, no entry": {srv.URL + "/about", "has no entry"},
		"feed, no entry": {srv.URL + "/feed.atom#nope", `is a feed with no entry "nope"`},
		"unreachable":    {"http://127.0.0.1:1/x", "cannot fetch the reply target"},
		"not a URL":      {"bob.example/post", "is not an http(s) URL"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := publish.ResolveReply(context.Background(), srv.Client(), c.target)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestCreatePostReply(t *testing.T) {
	srv := bobSite(t)
	dir := testsite.Write(t, testsite.Config("https://alice.example/", "[following]\nbob = \""+srv.URL+"/feed.atom\"\n"))
	path, err := publish.CreatePost(context.Background(), dir, publish.PostOptions{Now: fakeNow(),
		Text: "Agreed, @bob!", Tags: []string{"#Go"}, ReplyTo: srv.URL + "/posts/one/", Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	s := loadSite(t, dir)
	if len(s.Entries) != 1 {
		t.Fatalf("%d entries", len(s.Entries))
	}
	e := s.Entries[0]
	if e.Path != path || e.ReplyTo == nil || e.ReplyTo.Ref != "tag:bob.example,2026:posts/one" || e.ReplyTo.Source != srv.URL+"/feed.atom" {
		t.Errorf("entry %+v reply %+v", e, e.ReplyTo)
	}
	if len(e.Mentions) != 1 || e.Mentions[0].URL != srv.URL+"/feed.atom" || len(e.Tags) != 1 || e.Tags[0] != "go" {
		t.Errorf("mentions %+v tags %v", e.Mentions, e.Tags)
	}
	if filepath.Base(path) != "2031-01-01-"+e.Key+".md" || e.ID != "tag:alice.example,2031:posts/"+e.Key || !e.Published.Equal(fakeNow()) {
		t.Errorf("path %s id %s published %s; want the clock's day and time, %s", path, e.ID, e.Published, fakeNow())
	}
	// A reply target that cannot be resolved writes nothing.
	_, err = publish.CreatePost(context.Background(), dir, publish.PostOptions{Now: fakeNow(), Text: "x", ReplyTo: srv.URL + "/about", Client: srv.Client()})
	if err == nil || len(loadSite(t, dir).Entries) != 1 {
		t.Errorf("unresolvable reply: err %v, and a post was written", err)
	}
}

func TestCreatePostErrors(t *testing.T) {
	dir := testsite.Write(t, testsite.Config("https://alice.example/", "[following]\nbob = \"https://bob.example/feed.atom\"\n"))
	_, err := publish.CreatePost(context.Background(), dir, publish.PostOptions{Now: fakeNow(), Text: "hi @carol"})
	if err == nil || !strings.Contains(err.Error(), "unknown nick @carol") || !strings.Contains(err.Error(), `carol = "https://`) {
		t.Errorf("unknown nick: %v", err)
	}
	_, err = publish.CreatePost(context.Background(), dir, publish.PostOptions{Now: fakeNow(), Text: "  \n"})
	if err == nil || !strings.Contains(err.Error(), "no text") {
		t.Errorf("empty post: %v", err)
	}
	if n := len(loadSite(t, dir).Entries); n != 0 {
		t.Errorf("%d posts written by failing commands", n)
	}
}
