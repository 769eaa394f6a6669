package cli_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// manyPosts serves one feed of n posts, one a minute on 2031-01-01.
func manyPosts(t *testing.T, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `<entry><id>tag:m,2031:%d</id><title>p%d</title><published>2031-01-01T00:%02d:00Z</published>
			<updated>2031-01-01T00:%02d:00Z</updated><content type="html">post %d</content></entry>`, i, i, i, i, i)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>m</title><id>x</id>
			<updated>2031-01-01T00:00:00Z</updated><link rel="self" href="http://%s/feed.atom"/>%s</feed>`, r.Host, b.String())
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/feed.atom"
}

// TestCLIUnreadAndPaging: `reader timeline --unread` shows what is new
// once, --before CURSOR pages, `reader read` marks, following counts.
func TestCLIUnreadAndPaging(t *testing.T) {
	e := newEnv(t)
	e.ok("follow", manyPosts(t, 7), "--nick", "m")
	if out := e.ok("following"); !strings.Contains(out, "7 posts · 7 unread") {
		t.Errorf("following before reading:\n%s", out)
	}
	if f := e.jsonList("following", "--json"); f[0]["unread"] != 7.0 {
		t.Errorf("following --json unread: %v", f[0]["unread"])
	}
	// Paging --json: three pages of 3, 3, 1 and each post once.
	var ids []string
	page := e.jsonList("timeline", "--json", "-n", "3", "--unread")
	hasKeys(t, "timeline post", page[0], "cursor", "unread")
	if page[0]["unread"] != true {
		t.Errorf("first listing: unread = %v", page[0]["unread"])
	}
	for len(page) > 0 {
		for _, p := range page {
			ids = append(ids, p["id"].(string))
		}
		page = e.jsonList("timeline", "--json", "-n", "3", "--before", page[len(page)-1]["cursor"].(string))
	}
	if fmt.Sprint(ids) != "[tag:m,2031:6 tag:m,2031:5 tag:m,2031:4 tag:m,2031:3 tag:m,2031:2 tag:m,2031:1 tag:m,2031:0]" {
		t.Errorf("pages: %v", ids)
	}
	// Shown, so read: nothing is unread now.
	if out, errs, _ := e.run("timeline", "--unread"); out != "" || !strings.Contains(errs, "no unread posts") {
		t.Errorf("timeline --unread after reading: %q %q", out, errs)
	}
	if tl := e.jsonList("timeline", "--json", "-n", "1"); tl[0]["unread"] != false {
		t.Errorf("a shown post is still unread: %v", tl[0])
	}
	if _, errs, code := e.run("timeline", "--before", "yesterday"); code != 2 || !strings.Contains(errs, "not a cursor") {
		t.Errorf("a bad cursor: exit %d, %q", code, errs)
	}
}

func TestCLIRead(t *testing.T) {
	e := newEnv(t)
	e.ok("follow", manyPosts(t, 5), "--nick", "m")
	if out := e.ok("read", "tag:m,2031:4"); out != "marked 1 post read\n" {
		t.Errorf("read ID said %q", out)
	}
	if out := e.ok("read", "--before", "2031-01-01T00:02:00Z"); out != "marked 2 posts read\n" {
		t.Errorf("read --before said %q", out)
	}
	unread := e.jsonList("timeline", "--json", "--unread")
	if len(unread) != 2 || unread[0]["id"] != "tag:m,2031:3" {
		t.Errorf("unread left: %v", unread)
	}
	e.ok("follow", manyPosts(t, 3), "--nick", "n")
	if out := e.ok("read", "--all"); out != "marked 3 posts read\n" {
		t.Errorf("read --all said %q", out)
	}
	for _, args := range [][]string{{"read"}, {"read", "--all", "x"}, {"read", "--all", "--before", "7d"}} {
		if _, errs, code := e.run(args...); code != 2 || !strings.Contains(errs, "usage: reader read") {
			t.Errorf("%v: exit %d, %q", args, code, errs)
		}
	}
	if _, errs, code := e.run("read", "tag:nope"); code != 1 || !strings.Contains(errs, "no stored post") {
		t.Errorf("read of an unknown post: exit %d, %q", code, errs)
	}
}
