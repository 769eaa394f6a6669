package hubbench

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// topic serves an Atom feed whose content changes on every bump, so each
// publish ping makes the hub fan out new content.
type topic struct {
	srv  *httptest.Server
	mu   sync.Mutex
	body []byte
	ver  int
}

func newTopic() *topic {
	t := &topic{}
	t.bump()
	t.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.mu.Lock()
		b := t.body
		t.mu.Unlock()
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write(b)
	}))
	return t
}

// bump makes a new version of the feed: 20 short entries (about 8 KB).
func (t *topic) bump() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ver++
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n" + `<feed xmlns="http://www.w3.org/2005/Atom"><title>Bench</title><id>tag:bench.example,2026:feed</id>`)
	// Entries are dated now: the hub keeps only recent entries for tracking.
	now := time.Now().UTC().Format(time.RFC3339)
	fmt.Fprintf(&b, "<updated>%s</updated>", now)
	for i := range 20 {
		fmt.Fprintf(&b, `<entry><id>tag:bench.example,2026:posts/v%d-%d</id><title>Post %d</title><updated>%s</updated><link href="https://bench.example/posts/v%d-%d/"/><content type="html">&lt;p&gt;Version %d, entry %d: a paragraph of a few words about feeds, hubs and readers, with a &lt;a href="https://example.org/"&gt;link&lt;/a&gt;.&lt;/p&gt;</content></entry>`,
			t.ver, i, i, now, t.ver, i, t.ver, i)
	}
	b.WriteString("</feed>\n")
	t.body = []byte(b.String())
	return t.body
}

func (t *topic) url() string { return t.srv.URL + "/feed.atom" }
