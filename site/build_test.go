package site_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/testsite"
	"github.com/rookery-social/rookery/site"
)

const basicConfig = `-- feedpub.toml --
title = "Alice's notes"
author = "Alice"
url = "https://alice.example/"
description = "Short notes"
hubs = ["https://hub.example/", "https://hub2.example/hub"]
webmention = "https://alice.example:8080/webmention"
[following]
bob = "https://bob.example/feed.atom"
`

// basicSite has a plain post, a tagged post with a mention and a relative
// link, and a reply.
var basicSite = basicConfig +
	testsite.Post("first1", "2026-03-01T10:00:00Z", "", "Hello, *world*! Mail me at alice@alice.example.") +
	testsite.Post("second2", "2026-03-02T11:30:00Z", "updated = 2026-03-05T08:00:00Z\ntags = [\"Go\", \"#web\"]\n",
		"Talking with @bob about [the about page](/about) and ![a cat](cat.png).\n\n`@notamention`") +
	testsite.Post("reply3", "2026-03-03T12:00:00Z", "[reply_to]\nref = \"tag:bob.example,2026:posts/abc\"\nhref = \"https://bob.example/posts/abc/\"\nsource = \"https://bob.example/feed.atom\"\n",
		"I agree with you.")

func TestBuildGolden(t *testing.T) {
	dir := testsite.Write(t, basicSite)
	build(t, dir)
	got := outputs(t, dir)
	golden := filepath.Join("testdata", "golden", "basic")
	if *update {
		os.RemoveAll(golden)
		for p, b := range got {
			path := filepath.Join(golden, filepath.FromSlash(p))
			os.MkdirAll(filepath.Dir(path), 0o755)
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	want := map[string][]byte{}
	err := filepath.WalkDir(golden, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(golden, p)
		want[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatalf("reading golden files (run go test -update): %v", err)
	}
	for p, w := range want {
		if g, ok := got[p]; !ok {
			t.Errorf("%s: not produced", p)
		} else if !equalBytes(g, w) {
			t.Errorf("%s differs from the golden file (run go test -update and review the diff):\n%s", p, g)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s: produced but not in the golden files", p)
		}
	}
}

func TestBuildContent(t *testing.T) {
	dir := testsite.Write(t, basicSite)
	build(t, dir)
	atom := read(t, dir, "feed.atom")
	contains(t, "feed.atom", atom,
		`<id>https://alice.example/feed.atom</id>`,
		`<updated>2026-03-05T08:00:00Z</updated>`, // newest entry's updated, not the build time
		`<link href="https://alice.example/feed.atom" rel="self"`,
		`<link href="https://alice.example/" rel="alternate" type="text/html">`,
		`<link href="https://hub.example/" rel="hub">`,
		`<link href="https://hub2.example/hub" rel="hub">`,
		`<link href="https://alice.example:8080/webmention" rel="webmention">`,
		`<fh:complete>`,
		`<id>tag:alice.example,2026:posts/second2</id>`,
		`<category term="go">`, `<category term="web">`,
		`<link href="https://bob.example/feed.atom" rel="mentioned" title="bob">`,
		`<thr:in-reply-to ref="tag:bob.example,2026:posts/abc" href="https://bob.example/posts/abc/" source="https://bob.example/feed.atom" type="text/html">`,
		`href=&#34;https://alice.example/about&#34;`,                // relative link made absolute
		`src=&#34;https://alice.example/posts/second2/cat.png&#34;`, // relative to the permalink
		`class=&#34;h-card u-mention&#34;&gt;@bob&lt;/a&gt;`,        // mention link in content
		`&lt;code&gt;@notamention&lt;/code&gt;`,                     // not inside code
		`alice@alice.example`,                                       // an e-mail is not a mention
	)
	// newest first
	if strings.Index(atom, "posts/reply3") > strings.Index(atom, "posts/second2") ||
		strings.Index(atom, "posts/second2") > strings.Index(atom, "posts/first1") {
		t.Error("entries are not newest first")
	}
	page := read(t, dir, "posts/reply3/index.html")
	contains(t, "reply page", page,
		`class="h-entry"`, `class="u-in-reply-to" href="https://bob.example/posts/abc/"`,
		`<link rel="alternate" type="application/atom+xml"`, `href="https://alice.example/feed.atom"`,
		`<link rel="alternate" type="application/rss+xml"`, `<link rel="alternate" type="application/feed+json"`,
		`<link rel="hub" href="https://hub.example/">`, `<link rel="webmention" href="https://alice.example:8080/webmention">`,
		`class="p-author h-card"`, `class="dt-published" datetime="2026-03-03T12:00:00Z"`,
		`<meta name="viewport" content="width=device-width, initial-scale=1">`)
	if strings.Contains(page, "<script") {
		t.Error("pages must work without JavaScript")
	}
	index := read(t, dir, "index.html")
	contains(t, "index.html", index, `class="h-feed"`, "posts/first1/", "posts/second2/", "posts/reply3/",
		`<span class="p-category">#go</span>`)
}

func TestDeterministic(t *testing.T) {
	dir := testsite.Write(t, basicSite+testsite.ManyPosts(7))
	os.WriteFile(filepath.Join(dir, "feedpub.toml"), []byte(strings.Replace(basicConfig[len("-- feedpub.toml --\n"):], "[following]", "feed_size = 3\n[following]", 1)), 0o644)
	build(t, dir)
	first := outputs(t, dir)
	os.RemoveAll(filepath.Join(dir, "public"))
	os.RemoveAll(filepath.Join(dir, site.StateDir))
	// Other modification times on every input must not matter either.
	later := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	inputs, _ := filepath.Glob(filepath.Join(dir, "posts", "*.md"))
	for _, p := range append(inputs, filepath.Join(dir, "feedpub.toml")) {
		if err := os.Chtimes(p, later, later); err != nil {
			t.Fatal(err)
		}
	}
	build(t, dir)
	second := outputs(t, dir)
	if len(first) != len(second) || len(first) < 10 {
		t.Fatalf("builds produced %d and %d files", len(first), len(second))
	}
	for p, b := range first {
		if !equalBytes(b, second[p]) {
			t.Errorf("%s differs between two builds of the same input", p)
		}
	}
}

func TestIncremental(t *testing.T) {
	dir := testsite.Write(t, basicSite)
	res := build(t, dir)
	if len(res.Written) != 8 { // 3 feeds, likes.atom, index, 3 posts
		t.Fatalf("first build wrote %v", res.Written)
	}
	stamp := mtimes(t, dir)
	res = build(t, dir)
	if len(res.Written) != 0 || res.Unchanged != 8 {
		t.Fatalf("unchanged input: wrote %v, %d unchanged", res.Written, res.Unchanged)
	}
	testsite.Add(t, dir, testsite.Post("fourth4", "2026-03-10T09:00:00Z", "", "A new post."))
	res = build(t, dir)
	want := []string{"feed.atom", "feed.json", "feed.rss", "index.html", "posts/fourth4/index.html"}
	if !slices.Equal(res.Written, want) {
		t.Fatalf("after one new post wrote %v, want %v", res.Written, want)
	}
	after := mtimes(t, dir)
	for _, p := range []string{"posts/first1/index.html", "posts/second2/index.html", "posts/reply3/index.html"} {
		if !after[p].Equal(stamp[p]) {
			t.Errorf("%s was rewritten though it did not change", p)
		}
	}
	// Deleting a post removes its page.
	os.Remove(filepath.Join(dir, "posts", "2026-03-10-fourth4.md"))
	res = build(t, dir)
	if !slices.Equal(res.Removed, []string{"posts/fourth4/index.html"}) {
		t.Errorf("removed %v", res.Removed)
	}
	if _, err := os.Stat(filepath.Join(dir, "public", "posts", "fourth4")); !os.IsNotExist(err) {
		t.Errorf("the deleted post's directory is still there: %v", err)
	}
}

func TestRenameKeepsID(t *testing.T) {
	dir := testsite.Write(t, basicSite)
	build(t, dir)
	before := read(t, dir, "feed.atom")
	os.Rename(filepath.Join(dir, "posts", "2026-03-01-first1.md"), filepath.Join(dir, "posts", "hello-world.md"))
	res := build(t, dir)
	if len(res.Written) != 0 {
		t.Errorf("renaming a post file rewrote %v", res.Written)
	}
	if read(t, dir, "feed.atom") != before {
		t.Error("renaming a post file changed the feed")
	}
}

func mtimes(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	for p := range outputs(t, dir) {
		fi, err := os.Stat(filepath.Join(dir, "public", p))
		if err != nil {
			t.Fatal(err)
		}
		out[p] = fi.ModTime()
	}
	return out
}

func TestBadInputKeepsOutput(t *testing.T) {
	cases := map[string]struct {
		file, content, want string
	}{
		"malformed front matter": {"posts/bad.md", "+++\nkey = \"bad\"\npublished = 2026-03-04T00:00:00Z\ntags = [\"x\"\n+++\nhi\n", "posts/bad.md:4: malformed front matter"},
		"unknown key":            {"posts/bad.md", "+++\nkey = \"bad\"\npublished = 2026-03-04T00:00:00Z\ntitel = \"x\"\n+++\nhi\n", `posts/bad.md:4: unknown front-matter key "titel"`},
		"empty post":             {"posts/bad.md", "+++\nkey = \"bad\"\npublished = 2026-03-04T00:00:00Z\n+++\n\n  \n", "posts/bad.md:5: post has no text"},
		"no front matter":        {"posts/bad.md", "just text\n", "posts/bad.md:1: malformed front matter"},
		"unclosed front matter":  {"posts/bad.md", "+++\nkey = \"bad\"\n", "no closing +++"},
		"unknown nick":           {"posts/bad.md", "+++\nkey = \"bad\"\npublished = 2026-03-04T00:00:00Z\n+++\nline one\nhello @carol\n", "posts/bad.md:6: unknown nick @carol: add it to the [following] table"},
		"duplicate key":          {"posts/dup.md", "+++\nkey = \"first1\"\npublished = 2026-03-04T00:00:00Z\n+++\nagain\n", `key "first1" is already used`},
		"relative base URL":      {"feedpub.toml", "title = \"t\"\nauthor = \"a\"\nurl = \"/blog/\"\n", `url "/blog/" is not an absolute http(s) URL`},
		"unknown config key":     {"feedpub.toml", "title = \"t\"\nauthor = \"a\"\nurl = \"https://a.example/\"\nfeedsize = 3\n", `unknown key "feedsize"`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := testsite.Write(t, basicSite)
			build(t, dir)
			before := outputs(t, dir)
			stamp := mtimes(t, dir)
			os.WriteFile(filepath.Join(dir, filepath.FromSlash(c.file)), []byte(c.content), 0o644)
			_, err := site.Build(site.Options{Dir: dir})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got error %v, want one containing %q", err, c.want)
			}
			after := outputs(t, dir)
			for p, b := range before {
				if !equalBytes(after[p], b) || !mtimes(t, dir)[p].Equal(stamp[p]) {
					t.Errorf("%s changed after a failed build", p)
				}
			}
			if len(after) != len(before) {
				t.Errorf("a failed build changed the number of output files")
			}
		})
	}
}

func TestArchivePages(t *testing.T) {
	cfg := "-- feedpub.toml --\ntitle = \"A\"\nauthor = \"A\"\nurl = \"http://127.0.0.1:8000/\"\nfeed_size = 3\n"
	dir := testsite.Write(t, cfg+testsite.ManyPosts(8))
	res := build(t, dir)
	for _, p := range []string{"archive/0001.atom", "archive/0002.atom", "archive/0001.html", "archive/0002.html"} {
		if !slices.Contains(res.Written, p) {
			t.Errorf("%s not written: %v", p, res.Written)
		}
	}
	contains(t, "index.html", read(t, dir, "index.html"), `href="archive/0002.html"`)
	contains(t, "archive/0001.html", read(t, dir, "archive/0001.html"), `href="../archive/0002.html"`, "posts/paa/")
	if !strings.Contains(read(t, dir, "archive/0001.atom"), "<fh:archive>") || strings.Contains(read(t, dir, "feed.atom"), "fh:complete") {
		t.Error("archive markers wrong")
	}
	testsite.Add(t, dir, testsite.ManyPosts(9))
	res = build(t, dir)
	for _, p := range []string{"archive/0001.atom", "archive/0001.html"} {
		if slices.Contains(res.Written, p) {
			t.Errorf("full archive %s was rewritten after a new post", p)
		}
	}
	if !slices.Contains(res.Written, "archive/0002.atom") {
		t.Errorf("the open archive was not updated: %v", res.Written)
	}
}

func TestIncrementalEdits(t *testing.T) {
	dir := testsite.Write(t, basicSite)
	build(t, dir)
	// Editing a post rewrites its page and the feeds, nothing else.
	path := filepath.Join(dir, "posts", "2026-03-01-first1.md")
	os.WriteFile(path, []byte("+++\nkey = \"first1\"\npublished = 2026-03-01T10:00:00Z\nupdated = 2026-03-06T10:00:00Z\n+++\nHello, edited world!\n"), 0o644)
	os.Chtimes(path, time.Now(), time.Now().Add(2*time.Second)) // a different mtime even on coarse clocks
	res := build(t, dir)
	want := []string{"feed.atom", "feed.json", "feed.rss", "index.html", "posts/first1/index.html"}
	if !slices.Equal(res.Written, want) {
		t.Errorf("after an edit wrote %v, want %v", res.Written, want)
	}
	contains(t, "edited page", read(t, dir, "posts/first1/index.html"), "Hello, edited world!", `class="dt-updated"`)
	// A page removed behind feedpub's back with its directory is written
	// again by any build; removed alone, or changed, by a build that
	// verifies the output (Options.Verify).
	os.RemoveAll(filepath.Join(dir, "public", "posts", "second2"))
	if res := build(t, dir); !slices.Equal(res.Written, []string{"posts/second2/index.html"}) {
		t.Errorf("after deleting an output page's directory wrote %v", res.Written)
	}
	os.Remove(filepath.Join(dir, "public", "posts", "second2", "index.html"))
	os.WriteFile(filepath.Join(dir, "public", "posts", "first1", "index.html"), []byte("hand edit"), 0o644)
	os.WriteFile(filepath.Join(dir, "public", "feed.rss"), []byte("hand edit"), 0o644)
	if res := build(t, dir); !slices.Equal(res.Written, []string{"feed.rss"}) {
		t.Errorf("after changing feed.rss wrote %v, want it alone (post pages are only checked with Verify)", res.Written)
	}
	res, err := site.Build(site.Options{Dir: dir, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"posts/first1/index.html", "posts/second2/index.html"}; !slices.Equal(res.Written, want) {
		t.Errorf("a verifying build after deleting and changing output pages wrote %v, want %v", res.Written, want)
	}
	contains(t, "restored page", read(t, dir, "posts/first1/index.html"), "Hello, edited world!")
	// A configuration change re-renders every page.
	cfg := filepath.Join(dir, "feedpub.toml")
	b, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(b), `title = "Alice's notes"`, `title = "Alice writes"`, 1)), 0o644)
	if res := build(t, dir); len(res.Written) != 8 {
		t.Errorf("after a title change wrote %v, want all 8 files", res.Written)
	}
	contains(t, "post page", read(t, dir, "posts/reply3/index.html"), "Alice writes")
}

func TestDeletedPost(t *testing.T) {
	dir := testsite.Write(t, basicSite)
	build(t, dir)
	testsite.Add(t, dir, testsite.Post("first1", "2026-03-01T10:00:00Z", "deleted = 2026-03-08T00:00:00Z\n", ""))
	res := build(t, dir)
	if !slices.Equal(res.Removed, []string{"posts/first1/index.html"}) {
		t.Errorf("deleting a post removed %v", res.Removed)
	}
	if strings.Contains(read(t, dir, "index.html"), "posts/first1/") {
		t.Error("index.html still lists the deleted post")
	}
	contains(t, "feed.atom", read(t, dir, "feed.atom"), `<at:deleted-entry ref="tag:alice.example,2026:posts/first1" when="2026-03-08T00:00:00Z">`)
}

// Files the build state does not know — left by a build that failed half
// way, or written by hand — are replaced by what the site renders.
func TestUnknownOutputFilesReplaced(t *testing.T) {
	dir := testsite.Write(t, basicSite)
	build(t, dir)
	want := outputs(t, dir)
	os.RemoveAll(filepath.Join(dir, site.StateDir))
	for _, p := range []string{"posts/first1/index.html", "feed.atom"} {
		os.WriteFile(filepath.Join(dir, "public", filepath.FromSlash(p)), []byte("half writ"), 0o644)
	}
	if res := build(t, dir); len(res.Written) != len(want) {
		t.Errorf("a build without state wrote %v, want all %d files", res.Written, len(want))
	}
	got := outputs(t, dir)
	for p, b := range want {
		if !equalBytes(b, got[p]) {
			t.Errorf("%s: %q, want the rendered page", p, got[p])
		}
	}
}

// stateFile is the one build state file of dir.
func stateFile(t *testing.T, dir string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, site.StateDir, "build-*"))
	if len(m) != 1 {
		t.Fatalf("build state files: %v", m)
	}
	return m[0]
}

// Small builds append their changes to the build state instead of
// rewriting it; the state read back from those records is exact (an
// unchanged rebuild writes nothing), and a record cut short by a crash
// only costs a build from scratch.
func TestBuildStateRecords(t *testing.T) {
	dir := testsite.Write(t, basicSite+testsite.ManyPosts(12))
	build(t, dir)
	path := stateFile(t, dir)
	first, _ := os.Stat(path)
	for i, when := range []string{"2026-04-01T10:00:00Z", "2026-04-02T10:00:00Z", "2026-04-03T10:00:00Z"} {
		testsite.Add(t, dir, testsite.Post(fmt.Sprintf("new%d", i), when, "tags = [\"t\"]\n", fmt.Sprintf("New post %d.", i)))
		if res := build(t, dir); !slices.Contains(res.Written, fmt.Sprintf("posts/new%d/index.html", i)) {
			t.Fatalf("new post %d: wrote %v", i, res.Written)
		}
		if res := build(t, dir); len(res.Written) != 0 || len(res.Removed) != 0 {
			t.Fatalf("after new post %d, an unchanged rebuild wrote %v, removed %v", i, res.Written, res.Removed)
		}
	}
	os.Remove(filepath.Join(dir, "posts", "2026-04-02-new1.md"))
	if res := build(t, dir); !slices.Equal(res.Removed, []string{"posts/new1/index.html"}) {
		t.Fatalf("removing a post removed %v", res.Removed)
	}
	if res := build(t, dir); len(res.Written) != 0 || len(res.Removed) != 0 {
		t.Fatalf("after a removal, an unchanged rebuild wrote %v, removed %v", res.Written, res.Removed)
	}
	now, _ := os.Stat(path)
	if !os.SameFile(first, now) || now.Size() <= first.Size() {
		t.Errorf("the state was rewritten (same file %v, %d -> %d bytes), not appended to", os.SameFile(first, now), first.Size(), now.Size())
	}
	want := outputs(t, dir)
	// A torn last record: the state is ignored and everything rebuilt.
	os.Truncate(path, now.Size()-3)
	if res := build(t, dir); len(res.Written) != len(want) {
		t.Errorf("with a torn state wrote %d files, want all %d", len(res.Written), len(want))
	}
	got := outputs(t, dir)
	for p, b := range want {
		if !equalBytes(b, got[p]) {
			t.Errorf("%s differs after rebuilding from a torn state", p)
		}
	}
	if res := build(t, dir); len(res.Written) != 0 {
		t.Errorf("after the rebuild, an unchanged build wrote %v", res.Written)
	}
}

// Many small builds: their change records outgrow the snapshot, which is
// written again from entries taken from the cache (and decoded only in
// part). Every incremental build's output, feeds and lists rendered from
// cached entries, is byte for byte what a build from scratch writes.
func TestIncrementalMatchesFullBuild(t *testing.T) {
	build := func(t *testing.T, dir string) *site.Result {
		t.Helper()
		res, err := site.Build(site.Options{Dir: dir})
		if err != nil {
			t.Fatalf("build: %v", err)
		}
		return res
	}
	dir := testsite.Write(t, basicSite+testsite.ManyPosts(30))
	build(t, dir)
	path := stateFile(t, dir)
	last, compacted := int64(0), false
	for i := range 40 {
		when := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour).Format(time.RFC3339)
		extra := fmt.Sprintf("tags = [\"t%d\", \"go\"]\n", i%3)
		body := fmt.Sprintf("Post %d with **Markdown** and a [link](https://example.org/%d).", i, i)
		if i%4 == 0 {
			body += " Hello @bob!"
		}
		testsite.Add(t, dir, testsite.Post(fmt.Sprintf("more%d", i), when, extra, body))
		if i%10 == 9 { // and an edit of an old post
			p := filepath.Join(dir, "posts", "2026-03-01-first1.md")
			os.WriteFile(p, []byte(fmt.Sprintf("+++\nkey = \"first1\"\npublished = 2026-03-01T10:00:00Z\nupdated = 2026-05-0%dT10:00:00Z\n+++\nEdit %d.\n", i/10+2, i)), 0o644)
			os.Chtimes(p, time.Now(), time.Now().Add(time.Duration(i)*time.Second))
		}
		build(t, dir)
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		compacted = compacted || fi.Size() < last // a snapshot replaced snapshot + records
		last = fi.Size()
	}
	if !compacted {
		t.Error("the build state was never written again as a snapshot")
	}
	if res := build(t, dir); len(res.Written) != 0 || len(res.Removed) != 0 {
		t.Fatalf("an unchanged rebuild wrote %v, removed %v", res.Written, res.Removed)
	}
	got := outputs(t, dir)
	os.RemoveAll(filepath.Join(dir, "public"))
	os.RemoveAll(filepath.Join(dir, site.StateDir))
	build(t, dir)
	want := outputs(t, dir)
	if len(got) != len(want) {
		t.Errorf("incremental builds left %d files, a full build writes %d", len(got), len(want))
	}
	for p, b := range want {
		if !equalBytes(b, got[p]) {
			t.Errorf("%s differs between incremental builds and a full build:\n%s\n---\n%s", p, got[p], b)
		}
	}
}

// A truncated, emptied or corrupted build state file, or one with a stray
// change record after it, costs a clean build from scratch: every file
// written again, the same output, no crash. The state is named after what
// it is, and the file an older feedpub kept is removed.
func TestBadStateRebuildsFully(t *testing.T) {
	dir := testsite.Write(t, basicSite+testsite.ManyPosts(5))
	build := func() *site.Result {
		t.Helper()
		res, err := site.Build(site.Options{Dir: dir})
		if err != nil {
			t.Fatalf("build: %v", err)
		}
		return res
	}
	all := len(build().Written)
	want := outputs(t, dir)
	path := stateFile(t, dir)
	if !strings.HasSuffix(path, ".state") {
		t.Errorf("build state file %s: want a .state file", path)
	}
	legacy := strings.TrimSuffix(path, ".state") + ".gob"
	os.WriteFile(legacy, []byte("old"), 0o644)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	damage := map[string][]byte{
		"empty":             nil,
		"cut in the header": good[:10],
		"cut short by 3":    good[:len(good)-3],
		"cut in half":       good[:len(good)/2],
		"a flipped byte":    flip(good, len(good)*3/4),
		"a torn record":     append(append([]byte(nil), good...), 0x40, 1, 2, 3),
		"garbage":           bytes.Repeat([]byte{0xff}, len(good)),
	}
	for name, data := range damage {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if res := build(); len(res.Written) != all {
			t.Errorf("%s: wrote %d files, want all %d", name, len(res.Written), all)
		}
		if got := outputs(t, dir); len(got) != len(want) {
			t.Errorf("%s: %d files, want %d", name, len(got), len(want))
		}
		if res := build(); len(res.Written) != 0 {
			t.Errorf("%s: the rebuild's state is not whole: the next build wrote %v", name, res.Written)
		}
	}
	if _, err := os.Stat(legacy); !os.IsNotExist(err) {
		t.Errorf("the state file of an older feedpub is still there: %v", err)
	}
}

func flip(b []byte, at int) []byte {
	b = append([]byte(nil), b...)
	b[at] ^= 0x5a
	return b
}
