package cli_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A database in a directory that does not exist says which directory and
// how to create it; ~ in the config's db is the home directory.
func TestCLIDatabasePaths(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "no", "such")
	e := &env{t: t, db: filepath.Join(missing, "r.db")}
	_, errs, code := e.run("timeline")
	want := "the directory " + missing + " does not exist: create it with `mkdir -p " + missing + "`"
	if code != 1 || !strings.Contains(errs, want) || strings.Contains(errs, "(14)") {
		t.Errorf("missing directory: exit %d, stderr %q; want %q", code, errs, want)
	}

	home := filepath.Join(dir, "home")
	os.MkdirAll(home, 0o755)
	cfg := filepath.Join(dir, "reader.toml")
	os.WriteFile(cfg, []byte("db = \"~/reader.db\"\n"), 0o644)
	out, errs, code := runWithEnv(t, []string{"HOME=" + home, "READER_DB=", "READER_CONFIG=" + cfg},
		"init", "--me", "https://me.example/feed.atom")
	if code != 0 || !strings.Contains(out, filepath.Join(home, "reader.db")) {
		t.Fatalf("db = \"~/reader.db\": exit %d, %q %q", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(home, "reader.db")); err != nil {
		t.Errorf("~ not expanded to $HOME: %v", err)
	}
}

// A feed over the size limit says so in words and names the setting that
// raises it; raising it lets the feed in.
func TestCLIFeedSizeLimit(t *testing.T) {
	big := strings.Repeat("x", 2<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>big</title><id>urn:big</id>
			<updated>2031-01-01T00:00:00Z</updated><entry><id>urn:1</id><title>t</title><updated>2031-01-01T00:00:00Z</updated>
			<content>%s</content></entry></feed>`, big)
	}))
	t.Cleanup(srv.Close)
	e := newEnv(t)
	_, errs, code := e.run("follow", srv.URL, "--max-feed-size", "1KiB")
	if code != 1 || !strings.Contains(errs, "too large: over 1024 bytes (1 KiB)") || !strings.Contains(errs, "--max-feed-size or max_feed_size") ||
		strings.Contains(errs, "safehttp") {
		t.Errorf("over the limit: exit %d, %q", code, errs)
	}
	if _, errs, code := e.run("--max-feed-size", "lots", "following"); code != 2 || !strings.Contains(errs, `"lots" is not a size`) {
		t.Errorf("bad size: exit %d, %q", code, errs)
	}
	cfg := filepath.Join(t.TempDir(), "reader.toml")
	os.WriteFile(cfg, []byte("max_feed_size = \"64KiB\"\n"), 0o644)
	if out, errs, code := runWithEnv(t, []string{"READER_DB=" + e.db, "READER_CONFIG=" + cfg}, "follow", srv.URL); code != 0 || !strings.Contains(out, "1 post") {
		t.Errorf("max_feed_size in the config: exit %d, %q %q", code, out, errs)
	}
}

// -n must be a positive number; a timeline or a search whose posts are all
// hidden says so, and by what; counts read in the singular when they are 1.
func TestCLICountsAndHiddenPosts(t *testing.T) {
	e := newEnv(t)
	feeds := sites(t)
	for _, args := range [][]string{{"timeline", "-n", "-5"}, {"mentions", "-n", "0"}, {"search", "x", "-n", "many"}, {"tracked", "-n", "-1"}} {
		if _, errs, code := e.run(args...); code != 2 || !strings.Contains(errs, "1 or more") {
			t.Errorf("%v: exit %d, %q", args, code, errs)
		}
	}
	if _, errs, _ := e.run("timeline"); !strings.Contains(errs, "no posts yet") {
		t.Errorf("empty timeline said %q", errs)
	}
	if out := e.ok("follow", feeds["bob"], "--nick", "bob"); !strings.Contains(out, ", 1 post") || strings.Contains(out, "1 posts") {
		t.Errorf("follow said %q", out)
	}
	e.ok("follow", feeds["carol"], "--nick", "carol")
	if out := e.ok("following"); strings.Contains(out, "1 posts") || !strings.Contains(out, "· 1 post ·") {
		t.Errorf("following said:\n%s", out)
	}
	if out := e.ok("fetch", "bob"); !strings.Contains(out, "fetched 1 feed: 0 new or updated posts, 0 failed") {
		t.Errorf("fetch said %q", out)
	}
	e.ok("block", "bob")
	e.ok("mute", "cats")
	out, errs, code := e.run("timeline")
	if code != 0 || out != "" || !strings.Contains(errs, "no posts to show: 2 posts hidden (1 by blocks, 1 by mutes)") {
		t.Errorf("all hidden: exit %d, %q %q", code, out, errs)
	}
	if _, errs, _ := e.run("timeline", "--from", "carol"); !strings.Contains(errs, "1 post hidden (1 by mutes)") {
		t.Errorf("all hidden from carol: %q", errs)
	}
	// A search whose matches are all hidden says so too; one that matches
	// nothing does not blame the mutes.
	if out, errs, code := e.run("search", "gophers"); code != 0 || out != "" ||
		!strings.Contains(errs, "nothing found: 2 posts hidden (1 by blocks, 1 by mutes); see `reader blocks`") {
		t.Errorf("search with every match hidden: exit %d, %q %q", code, out, errs)
	}
	if _, errs, _ := e.run("search", "zebras"); strings.TrimSpace(errs) != "nothing found" {
		t.Errorf("search matching nothing: %q", errs)
	}
}

// A reply names its parent's author and URL (or the URL alone when the
// parent is not stored), never the tag URI alone; links and images keep
// their targets; a title that repeats the body is printed once; an undated
// RSS item says its date is when it was first seen, and comes after the
// dated posts of its fetch.
func TestCLIPostText(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	atom := func(path, entries string) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/atom+xml")
			fmt.Fprint(w, `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
				<title>t</title><id>`+srv.URL+path+`</id><updated>2031-01-01T00:00:00Z</updated>`+entries+`</feed>`)
		})
	}
	atom("/alice.atom", `<entry><id>tag:a,2031:posts/root</id><title>root</title><updated>2031-01-01T10:00:00Z</updated>
		<link href="`+srv.URL+`/alice/root/"/><content type="html">&lt;p&gt;root post&lt;/p&gt;</content></entry>`)
	atom("/bob.atom", `<entry><id>tag:b,2031:posts/r1</id><title>Yes, see the docs…</title><updated>2031-01-01T11:00:00Z</updated>
		<link href="`+srv.URL+`/bob/r1/"/><thr:in-reply-to ref="tag:a,2031:posts/root" href="`+srv.URL+`/alice/root/"/>
		<content type="html">&lt;p&gt;Yes, see the &lt;a href="https://go.dev/doc/"&gt;docs&lt;/a&gt; and
		&lt;img src="https://b.example/cat.png" alt="a cat"&gt;&lt;/p&gt;</content></entry>
		<entry><id>tag:b,2031:posts/r2</id><title>r2</title><updated>2031-01-01T09:00:00Z</updated>
		<link href="`+srv.URL+`/bob/r2/"/><thr:in-reply-to ref="tag:z,2031:posts/gone" href="https://z.example/posts/gone/"/>
		<content type="html">other reply</content></entry>`)
	mux.HandleFunc("/undated.rss", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>u</title><link>`+srv.URL+`/</link>
			<item><guid>u1</guid><title>undated item</title><description>no date</description></item>
			<item><guid>d1</guid><title>dated item</title><description>dated</description><pubDate>Wed, 01 Jan 2031 08:00:00 GMT</pubDate></item>
			</channel></rss>`)
	})
	e := newEnv(t)
	e.ok("follow", srv.URL+"/alice.atom", "--nick", "alice")
	e.ok("follow", srv.URL+"/bob.atom", "--nick", "bob")
	out := e.ok("timeline", "--from", "bob")
	for _, want := range []string{
		"↳ in reply to @alice " + srv.URL + "/alice/root/\n",
		"Yes, see the docs <https://go.dev/doc/> and [image: a cat <https://b.example/cat.png>]",
		"↳ in reply to https://z.example/posts/gone/\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("timeline lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "tag:") || strings.Contains(out, "Yes, see the docs…") {
		t.Errorf("timeline shows a tag URI or repeats the derived title:\n%s", out)
	}
	if tl := e.jsonList("timeline", "--from", "bob", "--json"); tl[0]["in_reply_to_post"] == nil {
		t.Errorf("JSON lacks in_reply_to_post: %v", tl[0])
	}

	e.ok("follow", srv.URL+"/undated.rss", "--nick", "u")
	tl := e.jsonList("timeline", "--from", "u", "--json")
	if len(tl) != 2 || tl[0]["title"] != "dated item" || tl[1]["date_is_first_seen"] != true || tl[0]["date_is_first_seen"] != false {
		t.Errorf("undated item: %v", tl)
	}
}

// `reader export --all` and `reader import` carry the whole reader state:
// follows with nicks and titles, blocks, mutes, me and tracked queries;
// import fetches what it follows.
func TestCLIExportImportRoundTrip(t *testing.T) {
	feeds := sites(t)
	e := newEnv(t)
	e.ok("init", "--me", feeds["alice"])
	e.ok("follow", feeds["bob"], "--nick", "bob")
	e.ok("follow", feeds["carol"], "--nick", "kitty")
	e.ok("block", "spam.example")
	e.ok("mute", "#spoilers")
	e.ok("mute", "crypto")
	// A tracked query arrives the way it leaves: in the extension.
	tracked := filepath.Join(t.TempDir(), "track.opml")
	os.WriteFile(tracked, []byte(`<?xml version="1.0"?><opml version="2.0"><head><title>t</title>
		<track xmlns="https://github.com/rookery-social/rookery/blob/main/docs/PROTOCOL.md#opml" typed="#GoLang"
		hub="https://hub.example/" topic="https://hub.example/track?q=%23golang">#golang</track></head><body/></opml>`), 0o600)
	if out := e.ok("import", tracked); !strings.Contains(out, "imported 0 feeds, 1 tracked query") {
		t.Errorf("import of a tracked query said %q", out)
	}

	all := e.ok("export", "--all")
	path := filepath.Join(t.TempDir(), "all.opml")
	os.WriteFile(path, []byte(all), 0o600)
	e2 := newEnv(t)
	out := e2.ok("import", path)
	for _, want := range []string{"imported 2 feeds, 3 block and mute rules, 1 tracked query, you are " + feeds["alice"],
		"fetched 2 feeds: 2 new or updated posts, 0 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("import said %q, want %q", out, want)
		}
	}
	again := e2.ok("export", "--all")
	if strip := func(s string) string { return regexpDate.ReplaceAllString(s, "") }; strip(again) != strip(all) {
		t.Errorf("the state did not round-trip:\n%s\nthen\n%s", all, again)
	}
	for _, want := range []string{`text="kitty" title="carol"`, `<me xmlns=`, `<block xmlns="https://github.com/rookery-social/rookery/blob/main/docs/PROTOCOL.md#opml" kind="domain">spam.example</block>`, `kind="tag">#spoilers</mute>`, `>#golang</track>`} {
		if !strings.Contains(all, want) {
			t.Errorf("export --all lacks %q:\n%s", want, all)
		}
	}
	if plain := e.ok("export"); strings.Contains(plain, "spam.example") || strings.Contains(plain, "<me") {
		t.Errorf("plain export carries the extension:\n%s", plain)
	}
	// An OPML title is kept until the feed gives its own.
	titled := filepath.Join(t.TempDir(), "titled.opml")
	os.WriteFile(titled, []byte(`<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>
		<outline text="x" title="The X Files" xmlUrl="http://127.0.0.1:1/x.atom"/></body></opml>`), 0o600)
	e3 := newEnv(t)
	if out, _, _ := e3.run("import", titled); !strings.Contains(out, "1 failed") {
		t.Errorf("import of an unreachable feed said %q", out)
	}
	if f := e3.jsonList("following", "--json"); len(f) != 1 || f[0]["title"] != "The X Files" {
		t.Errorf("OPML title not kept: %v", f)
	}
}

var regexpDate = regexp.MustCompile(`<dateCreated>[^<]*</dateCreated>`)

// `reader completion bash` completes the reader's commands and their flags.
func TestCLICompletion(t *testing.T) {
	out := newEnv(t).ok("completion", "bash")
	for _, want := range []string{"complete -o default -F _reader_complete reader", "timeline) words=\"--before --db --from --json --max-feed-size -n --since --unread --help\"", " follow ", " import "} {
		if !strings.Contains(out, want) {
			t.Errorf("completion lacks %q:\n%s", want, out)
		}
	}
}
