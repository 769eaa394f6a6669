package cli_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rookery-social/rookery/internal/testbin"
)

var readerBin, hubBin string

// TestMain builds the reader and hub binaries once; the tests run them as
// a user would.
func TestMain(m *testing.M) {
	testbin.Main(m, map[string]*string{"../../cmd/reader": &readerBin, "../../cmd/hub": &hubBin})
}

type env struct {
	t      *testing.T
	db     string
	config string // READER_CONFIG: "" for none
}

func newEnv(t *testing.T) *env {
	return &env{t: t, db: filepath.Join(t.TempDir(), "reader.db")}
}

// run runs reader with READER_DB set, returning stdout, stderr and the exit code.
func (e *env) run(args ...string) (string, string, int) {
	e.t.Helper()
	cmd := exec.Command(readerBin, args...)
	cmd.Env = append(os.Environ(), "READER_DB="+e.db, "XDG_DATA_HOME="+filepath.Join(filepath.Dir(e.db), "xdg"),
		"XDG_CONFIG_HOME="+filepath.Join(filepath.Dir(e.db), "config"), "READER_CONFIG="+e.config)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// ok runs reader and fails the test unless it exits 0.
func (e *env) ok(args ...string) string {
	e.t.Helper()
	out, errs, code := e.run(args...)
	if code != 0 {
		e.t.Fatalf("reader %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func (e *env) jsonList(args ...string) []map[string]any {
	e.t.Helper()
	out := e.ok(args...)
	var v []map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		e.t.Fatalf("reader %s: not a JSON array: %v\n%s", strings.Join(args, " "), err, out)
	}
	return v
}

func hasKeys(t *testing.T, what string, obj map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := obj[k]; !ok {
			t.Errorf("%s JSON lacks %q: %v", what, k, obj)
		}
	}
}

// sites serves alice, bob (replying to and mentioning alice) and carol.
func sites(t *testing.T) map[string]string {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	feed := func(nick string) string { return srv.URL + "/" + nick + "/feed.atom" }
	docs := map[string]string{
		"alice": `<entry><id>tag:alice,2026:posts/root</id><title>root</title><published>2026-01-01T10:00:00Z</published><updated>2026-01-01T10:00:00Z</updated>
			<link href="` + srv.URL + `/alice/posts/root/"/><category term="go"/><content type="html">&lt;p&gt;Gophers unite&lt;/p&gt;</content></entry>`,
		"bob": `<entry><id>tag:bob,2026:posts/r1</id><title>re</title><published>2026-01-01T11:00:00Z</published><updated>2026-01-01T11:00:00Z</updated>
			<link href="` + srv.URL + `/bob/posts/r1/"/><link rel="mentioned" href="` + feed("alice") + `" title="alice"/>
			<thr:in-reply-to ref="tag:alice,2026:posts/root" href="` + srv.URL + `/alice/posts/root/" source="` + feed("alice") + `"/>
			<content type="html">&lt;p&gt;Yes, gophers!&lt;/p&gt;</content></entry>`,
		"carol": `<entry><id>tag:carol,2026:posts/c1</id><title>c</title><published>2026-01-01T12:00:00Z</published><updated>2026-01-01T12:00:00Z</updated>
			<link href="` + srv.URL + `/carol/posts/c1/"/><content type="html">&lt;p&gt;Cats, not gophers&lt;/p&gt;</content></entry>`,
	}
	out := map[string]string{}
	for nick, entries := range docs {
		body := `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
			<title>` + nick + `</title><id>` + feed(nick) + `</id><updated>2026-01-01T00:00:00Z</updated>
			<link rel="self" href="` + feed(nick) + `"/><link rel="hub" href="https://hub.example/"/>` + entries + `</feed>`
		mux.HandleFunc("/"+nick+"/feed.atom", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/atom+xml")
			fmt.Fprint(w, body)
		})
		out[nick] = feed(nick)
	}
	return out
}

func TestCLIFollowTimelineThreadSearchMentions(t *testing.T) {
	e := newEnv(t)
	feeds := sites(t)
	e.ok("init", "--me", feeds["alice"])
	out := e.ok("follow", feeds["bob"], "--nick", "bob") // flag after the positional
	if !strings.Contains(out, "following @bob") || !strings.Contains(out, "hub https://hub.example/") {
		t.Errorf("follow said %q", out)
	}
	e.ok("follow", "--nick", "carol", feeds["carol"]) // flag before

	following := e.jsonList("following", "--json")
	if len(following) != 2 {
		t.Fatalf("following: %v", following)
	}
	hasKeys(t, "following", following[0], "url", "nick", "title", "last_fetch", "last_error", "mode", "posts")
	if following[0]["nick"] != "bob" || following[0]["mode"] != "poll" || following[0]["posts"] != 1.0 {
		t.Errorf("following[0] = %v", following[0])
	}
	text := e.ok("following")
	if !strings.Contains(text, "@bob") || !strings.Contains(text, "1 post ·") || !strings.Contains(text, "poll") {
		t.Errorf("following text:\n%s", text)
	}

	tl := e.jsonList("timeline", "--json", "-n", "10")
	if len(tl) != 2 || tl[0]["id"] != "tag:carol,2026:posts/c1" {
		t.Fatalf("timeline: %v", tl)
	}
	hasKeys(t, "post", tl[1], "id", "url", "feed", "author", "published", "updated", "text", "html", "in_reply_to", "mentions", "tags", "enclosures")
	if tl[1]["in_reply_to"] != "tag:alice,2026:posts/root" || fmt.Sprint(tl[1]["mentions"]) != "["+feeds["alice"]+"]" {
		t.Errorf("bob's post: %v", tl[1])
	}
	if from := e.jsonList("--json", "timeline", "--from", "bob"); len(from) != 1 {
		t.Errorf("--from bob: %d posts", len(from))
	}
	if since := e.jsonList("timeline", "--since", "2026-01-01T11:30:00Z", "--json"); len(since) != 1 {
		t.Errorf("--since: %d posts", len(since))
	}

	// The thread fetches alice's unfollowed feed for the parent.
	thread := e.ok("thread", "tag:bob,2026:posts/r1")
	lines := strings.Split(thread, "\n")
	if !strings.HasPrefix(lines[0], "alice · ") {
		t.Errorf("thread root line %q", lines[0])
	}
	if !strings.Contains(thread, "Gophers unite") || !strings.Contains(thread, "\n    @bob") {
		t.Errorf("thread not indented under the root:\n%s", thread)
	}
	tj := e.jsonList("thread", "--json", feeds["bob"][:len(feeds["bob"])-len("feed.atom")]+"posts/r1/")
	if len(tj) != 2 || tj[1]["depth"] != 1.0 {
		t.Errorf("thread JSON: %v", tj)
	}

	search := e.jsonList("search", "gophers", "--json", "--db", e.db) // flags after, --db after
	if len(search) != 3 {
		t.Errorf("search found %d", len(search))
	}
	hasKeys(t, "search result", search[0], "id", "snippet")
	if ranked := e.ok("search", "gophers", "--rank", "-n", "1"); !strings.Contains(strings.ToLower(ranked), "[gophers]") {
		t.Errorf("ranked search:\n%s", ranked)
	}
	mentions := e.jsonList("mentions", "--json")
	if len(mentions) != 1 || mentions[0]["id"] != "tag:bob,2026:posts/r1" {
		t.Errorf("mentions: %v", mentions)
	}
	fetch := e.ok("fetch")
	if !strings.Contains(fetch, "fetched 2 feeds: 0 new or updated posts, 0 failed") {
		t.Errorf("fetch said %q", fetch)
	}
	fj := e.jsonList("fetch", "bob", "--json")
	if len(fj) != 1 || fj[0]["feed"] != feeds["bob"] || fj[0]["error"] != "" {
		t.Errorf("fetch --json: %v", fj)
	}
}

func TestCLIBlocksMutesAndOPML(t *testing.T) {
	e := newEnv(t)
	feeds := sites(t)
	e.ok("follow", feeds["bob"], "--nick", "bob")
	e.ok("follow", feeds["carol"], "--nick", "carol")
	if out := e.ok("block", "bob"); !strings.Contains(out, "blocked feed "+feeds["bob"]) {
		t.Errorf("block said %q", out)
	}
	e.ok("mute", "#go")
	e.ok("mute", "cats")
	rules := e.jsonList("blocks", "--json")
	if len(rules) != 3 {
		t.Fatalf("blocks: %v", rules)
	}
	if tl := e.jsonList("timeline", "--json"); len(tl) != 0 {
		t.Errorf("timeline with bob blocked and cats muted: %v", tl)
	}
	if sr := e.jsonList("search", "gophers", "--json"); len(sr) != 0 {
		t.Errorf("search with blocks: %v", sr)
	}
	e.ok("unblock", "bob")
	e.ok("unmute", "cats")
	if tl := e.jsonList("timeline", "--json"); len(tl) != 2 {
		t.Errorf("after unblock/unmute: %d posts", len(tl))
	}
	if _, errs, code := e.run("unblock", "bob"); code != 1 || !strings.Contains(errs, "not blocked") {
		t.Errorf("second unblock: %d %q", code, errs)
	}

	opml := e.ok("export")
	path := filepath.Join(t.TempDir(), "subs.opml")
	os.WriteFile(path, []byte(opml), 0o600)
	e2 := newEnv(t)
	if out := e2.ok("import", path); !strings.Contains(out, "imported 2 feeds") {
		t.Errorf("import said %q", out)
	}
	e2.ok("fetch")
	if f := e2.jsonList("following", "--json"); len(f) != 2 || f[0]["nick"] != "bob" || f[0]["posts"] != 1.0 {
		t.Errorf("after import and fetch: %v", f)
	}
	e.ok("unfollow", "carol")
	if f := e.jsonList("following", "--json"); len(f) != 1 {
		t.Errorf("after unfollow: %v", f)
	}
}

func TestCLIUsageAndErrors(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "no command"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"follow"}, 2, "usage: reader follow URL"},
		{[]string{"follow", "not a url"}, 1, "not an http or https URL"},
		{[]string{"mentions"}, 1, "reader init --me"},
		{[]string{"timeline", "--since", "yesterday-ish"}, 2, "--since"},
		{[]string{"thread", "tag:nope"}, 1, "no stored post"},
		{[]string{"follow", "http://127.0.0.1:1/feed"}, 1, "connect"},
	}
	for _, c := range cases {
		_, errs, code := e.run(c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("reader %v: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.want)
		}
	}
	if out := e.ok("help"); !strings.Contains(out, "search QUERY") {
		t.Errorf("help:\n%s", out)
	}
}

func TestCLIHelpAndVersion(t *testing.T) {
	e := newEnv(t)
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		out := e.ok(args...)
		for _, want := range []string{"reader follow URL [--nick NICK]", "reader search QUERY", "reader serve", "reader help [COMMAND]", "reader version", "--db PATH", "READER_CONFIG"} {
			if !strings.Contains(out, want) {
				t.Errorf("reader %v lacks %q:\n%s", args, want, out)
			}
		}
	}
	for _, args := range [][]string{{"help", "timeline"}, {"timeline", "-h"}, {"timeline", "--help"}, {"--db", "x.db", "timeline", "--help"}} {
		out := e.ok(args...)
		for _, want := range []string{"usage: reader timeline", "-n number\n    \tnumber of posts to show (1 or more) (default 50)", "--since string", "--db PATH", "examples:\n  reader timeline -n 20"} {
			if !strings.Contains(out, want) {
				t.Errorf("reader %v lacks %q:\n%s", args, want, out)
			}
		}
	}
	if out := e.ok("help", "follow"); !strings.Contains(out, "arguments:\n  URL\n") {
		t.Errorf("reader help follow does not list its argument:\n%s", out)
	}
	for _, args := range [][]string{{"version"}, {"--version"}} {
		if out := e.ok(args...); !strings.HasPrefix(out, "reader ") || !strings.Contains(out, "go1.") {
			t.Errorf("reader %v: %q", args, out)
		}
	}
	if _, errs, code := e.run("follow"); code != 2 || !strings.HasSuffix(errs, "see `reader help follow`\n") {
		t.Errorf("a usage error does not point to the command's help: exit %d, %q", code, errs)
	}
}

func TestCLIStripsTerminalEscapesFromRemoteContent(t *testing.T) {
	e := newEnv(t)
	// JSON can carry any control character; XML 1.0 cannot, but C1 and bidi are fine there.
	evil := `{"version":"https://jsonfeed.org/version/1.1","title":"Evil\u001b]0;pwned\u0007 Corp","items":[
		{"id":"e1","url":"https://evil.example/1","title":"Title \u001b[2J\u001b[H cleared","date_published":"2026-01-01T00:00:00Z",
		 "authors":[{"name":"Mallory\u001b[31m red"}],"tags":["x\u001b[5m"],
		 "content_html":"<p>hello \u001b]8;;https://evil.example\u001b\\link\u001b]8;;\u001b\\ \u009b2J \u202eevil&#27;[1m bold</p>"}]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/feed+json")
		fmt.Fprint(w, evil)
	}))
	defer srv.Close()
	e.ok("follow", srv.URL+"/feed.json", "--nick", "evil")
	for _, args := range [][]string{{"timeline"}, {"following"}, {"search", "hello"}, {"thread", "e1"}} {
		out, errs, code := e.run(args...)
		if code != 0 {
			t.Fatalf("reader %v: %d %s", args, code, errs)
		}
		for _, bad := range []string{"\x1b", "\x07", "\u009b", "\u202e"} {
			if strings.Contains(out+errs, bad) {
				t.Errorf("reader %v printed %q:\n%q", args, bad, out)
			}
		}
		if args[0] == "timeline" && (!strings.Contains(out, "hello") || !strings.Contains(out, "Mallory")) {
			t.Errorf("timeline lost the text: %q", out)
		}
	}
}

// TestErrorsReadAsTheyAre: a failing command prints one line, "reader: "
// and the message as the core wrote it, with no package prefix inside.
func TestErrorsReadAsTheyAre(t *testing.T) {
	e := newEnv(t)
	cases := map[string]struct {
		args []string
		want string
	}{
		"unfollow a stranger": {[]string{"unfollow", "nobody"}, "reader: you follow no feed \"nobody\" (see `reader following`)\n"},
		"thread of nothing":   {[]string{"thread", "tag:nope"}, "reader: no stored post has the id or URL \"tag:nope\" (see `reader timeline`)\n"},
		"mentions of no one":  {[]string{"mentions"}, "reader: who are you? run `reader init --me YOUR_FEED_URL` first\n"},
		"unblock a stranger":  {[]string{"unblock", "example.org"}, "reader: \"example.org\" is not blocked (see `reader blocks`)\n"},
	}
	for name, c := range cases {
		if _, errs, code := e.run(c.args...); code != 1 || errs != c.want {
			t.Errorf("%s: exit %d, stderr %q; want 1 and %q", name, code, errs, c.want)
		}
	}
}

// TestCLIJSONIsClean: every --json listing carries no control character,
// escape sequence or bidi override in any string, raw or as a JSON escape
// that `jq -r` would turn back into one.
func TestCLIJSONIsClean(t *testing.T) {
	e := newEnv(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/feed+json")
		fmt.Fprint(w, strings.ReplaceAll(`{"version":"https://jsonfeed.org/version/1.1","title":"Evil\u001b]0;pwned\u0007 \u009b2J Corp\u202e",
		"home_page_url":"{{base}}/home\u202e","feed_url":"{{base}}/feed.json",
		"items":[{"id":"e1\u001b[31m","url":"{{base}}/1\u009b2J\u202e","title":"Title \u001b[2J\u009b2J\u202e cleared","date_published":"2026-01-01T00:00:00Z",
		 "authors":[{"name":"Mallory\u001b[31m\u009b2J\u202e red"}],"tags":["x\u001b[5m\u202e"],
		 "attachments":[{"url":"{{base}}/a.mp3\u202e","mime_type":"audio/mpeg\u001b[2J\u009b"}],
		 "_rookery":{"mentions":[{"url":"{{base}}/me\u202e.atom","name":"me"}],
		   "in_reply_to":{"ref":"tag:x\u001b[1m\u202e","href":"{{base}}/p\u202e","source":"{{base}}/me\u202e.atom"}},
		 "content_html":"<p>hello \u001b[1m\u009b2J \u202eevil&#27;[1m gadget</p>"}]}`, "{{base}}", "http://"+r.Host))
	}))
	defer srv.Close()
	e.ok("init", "--me", srv.URL+"/me\u202e.atom")
	e.ok("follow", srv.URL+"/feed.json", "--nick", "evil")
	e.ok("mute", "word\u202e\u009b")
	listings := [][]string{{"timeline"}, {"following"}, {"search", "gadget"}, {"thread", "e1\x1b[31m"},
		{"mentions"}, {"blocks"}, {"fetch"}, {"fetch", "evil"}, {"tracking"}, {"tracked"}}
	for _, args := range listings {
		out := e.ok(append(args, "--json")...)
		var v any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("reader %v --json: %v\n%s", args, err, out)
		}
		for _, bad := range []string{"\x1b", "\x07", "\u009b", "\u202e", `\u001b`, `\u0007`, `\u009b`, `\u202e`} {
			if strings.Contains(out, bad) {
				t.Errorf("reader %v --json printed %q:\n%s", args, bad, out)
			}
		}
		if args[0] == "timeline" && (!strings.Contains(out, "hello") || !strings.Contains(out, "Mallory")) {
			t.Errorf("timeline --json lost the text: %s", out)
		}
	}
}
