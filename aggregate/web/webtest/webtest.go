// Package webtest serves authors' sites on loopback for the tests of the
// web view (handlers and browser): an Atom feed of the wire profile, a
// page per post that links to it, and posts added while a test runs. It
// is used only from tests.
package webtest

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Epoch is the fake time of the tests' posts.
var Epoch = time.Date(2031, 1, 1, 9, 0, 0, 0, time.UTC)

// Post is one post of an author.
type Post struct {
	Key       string
	HTML      string // the content, as the author's feed carries it (escaped into the feed)
	Published time.Time
	Tags      []string
	// Reply names the post this one replies to: its atom:id, permalink
	// and feed (thr:in-reply-to); zero for none.
	Reply Ref
}

// Ref names a post: its atom:id, permalink and feed.
type Ref struct{ ID, URL, Feed string }

// Author is an author's site: /feed.atom and /posts/KEY/.
type Author struct {
	*httptest.Server
	Nick string
	Hub  string // advertised with rel=hub when set

	mu    sync.Mutex
	posts []Post
}

// NewAuthor starts nick's site with posts; it stops with the test.
func NewAuthor(t testing.TB, nick, hub string, posts ...Post) *Author {
	a := &Author{Nick: nick, Hub: hub, posts: posts}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /feed.atom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write(a.Feed())
	})
	mux.HandleFunc("GET /posts/{key}/", a.page)
	a.Server = httptest.NewUnstartedServer(mux) // set before any request reads a.URL
	a.Start()
	t.Cleanup(a.Close)
	return a
}

// FeedURL is the author's feed.
func (a *Author) FeedURL() string { return a.URL + "/feed.atom" }

// PostURL is a post's permalink.
func (a *Author) PostURL(key string) string { return a.URL + "/posts/" + key + "/" }

// Reply is the Ref of a's post key, for Post.Reply.
func (a *Author) Reply(key string) Ref { return Ref{a.ID(key), a.PostURL(key), a.FeedURL()} }

// ID is a post's atom:id.
func (a *Author) ID(key string) string { return "tag:" + a.Nick + ".test,2031:posts/" + key }

// Add adds posts to the feed.
func (a *Author) Add(posts ...Post) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.posts = append(a.posts, posts...)
}

// Feed is the feed document now.
func (a *Author) Feed() []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.document(a.posts)
}

// FeedOf is a feed document holding only posts (a fat ping's content).
func (a *Author) FeedOf(posts ...Post) []byte { return a.document(posts) }

func (a *Author) document(posts []Post) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0"><title>%s's posts</title><id>%s</id><updated>2031-01-01T00:00:00Z</updated>
<author><name>%s</name></author><link rel="self" href="%s"/>`, a.Nick, a.FeedURL(), a.Nick, a.FeedURL())
	if a.Hub != "" {
		fmt.Fprintf(&b, `<link rel="hub" href="%s"/>`, a.Hub)
	}
	for _, p := range posts {
		ts := p.Published.UTC().Format(time.RFC3339)
		fmt.Fprintf(&b, "\n<entry><id>%s</id><title></title><published>%s</published><updated>%s</updated><link rel=\"alternate\" href=\"%s\"/>",
			a.ID(p.Key), ts, ts, a.PostURL(p.Key))
		if r := p.Reply; r.ID != "" {
			fmt.Fprintf(&b, `<thr:in-reply-to ref="%s" href="%s" source="%s"/>`, r.ID, r.URL, r.Feed)
		}
		for _, t := range p.Tags {
			fmt.Fprintf(&b, `<category term="%s"/>`, html.EscapeString(t))
		}
		fmt.Fprintf(&b, `<content type="html">%s</content></entry>`, html.EscapeString(p.HTML))
	}
	b.WriteString("\n</feed>\n")
	return []byte(b.String())
}

// page is a post's permalink page: an h-entry linking to the feed.
func (a *Author) page(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	a.mu.Lock()
	var found *Post
	for i := range a.posts {
		if a.posts[i].Key == key {
			found = &a.posts[i]
		}
	}
	a.mu.Unlock()
	if found == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, `<!doctype html><html><head><title>post</title>
<link rel="alternate" type="application/atom+xml" href="`+a.FeedURL()+`"></head>
<body><article class="h-entry"><a class="u-url" href="`+a.PostURL(key)+`">link</a>
<div class="e-content">`+found.HTML+`</div></article></body></html>`)
}

// Posts is n posts "Post number I" one minute apart from Epoch.
func Posts(n int) []Post {
	out := make([]Post, 0, n)
	for i := range n {
		out = append(out, Post{Key: fmt.Sprintf("p%03d", i), HTML: fmt.Sprintf("<p>Post number %d</p>", i),
			Published: Epoch.Add(time.Duration(i) * time.Minute)})
	}
	return out
}
