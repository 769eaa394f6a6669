package publish_test

import (
	"strings"
	"testing"

	"github.com/rookery-social/rookery/internal/testsite"
	"github.com/rookery-social/rookery/publish"
)

const head = "title = \"t\"\nauthor = \"a\"\nurl = \"https://a.example/\"\n"

// Every URL of front matter and feedpub.toml must be an absolute http(s)
// URL; the error names the file and the line.
func TestURLsMustBeHTTP(t *testing.T) {
	const fm = "+++\nkey = \"k\"\npublished = 2026-01-02T00:00:00Z\n"
	for name, c := range map[string]struct{ config, post, want string }{
		"reply_to href": {post: fm + "[reply_to]\nref = \"tag:b.example,2026:posts/x\"\nhref = \"javascript:alert(1)\"\nsource = \"https://b.example/feed.atom\"\n+++\nhi\n",
			want: `posts/p.md:6: reply_to href "javascript:alert(1)" is not an absolute http(s) URL`},
		"reply_to source": {post: fm + "[reply_to]\nref = \"tag:b.example,2026:posts/x\"\nhref = \"https://b.example/posts/x/\"\nsource = \"javascript:alert(1)\"\n+++\nhi\n",
			want: `posts/p.md:7: reply_to source "javascript:alert(1)" is not an absolute http(s) URL`},
		"inline reply_to": {post: fm + "reply_to = { ref = \"r\", href = \"JavaScript:alert(1)\" }\n+++\nhi\n",
			want: `posts/p.md:4: reply_to href "JavaScript:alert(1)"`},
		"dotted reply_to": {post: fm + "reply_to.ref = \"r\"\nreply_to.href = \"data:text/html,x\"\n+++\nhi\n",
			want: `posts/p.md:5: reply_to href "data:text/html,x"`},
		"mention": {post: fm + "[mentions]\nbob = \"https://b.example/feed.atom\"\n\"carol\" = \"javascript:alert(1)\"\n+++\nhi @carol\n",
			want: `posts/p.md:6: mentions carol "javascript:alert(1)"`},
		"relative href": {post: fm + "[reply_to]\nref = \"r\"\nhref = \"/posts/x/\"\n+++\nhi\n",
			want: `posts/p.md:6: reply_to href "/posts/x/"`},
		"url": {config: "title = \"t\"\nauthor = \"a\"\nurl = \"javascript:alert(1)//\"\n", want: `feedpub.toml: line 3: url "javascript:alert(1)//" is not an absolute http(s) URL`},
		"url with a fragment": {config: "title = \"t\"\nauthor = \"a\"\nurl = \"https://a.example/#me\"\n",
			want: `feedpub.toml: line 3: url "https://a.example/#me" must be a base URL without ?query or #fragment (post and feed URLs are made from it)`},
		"hub":        {config: head + "hubs = [\n  \"https://hub.example/\",\n  \"javascript:alert(1)\",\n]\n", want: `feedpub.toml: line 6: hub "javascript:alert(1)"`},
		"webmention": {config: head + "webmention = \"javascript:alert(1)\"\n", want: `feedpub.toml: line 4: webmention "javascript:alert(1)"`},
		"following":  {config: head + "[following]\nbob = \"https://b.example/feed.atom\"\ncarol = \"javascript:alert(1)\"\n", want: `feedpub.toml: line 6: [following] carol = "javascript:alert(1)": not a feed URL`},
	} {
		t.Run(name, func(t *testing.T) {
			var err error
			if c.config != "" {
				_, err = publish.ParseConfig("feedpub.toml", []byte(c.config))
			} else {
				_, err = publish.ParsePost("posts/p.md", []byte(c.post))
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	// And a site with such a post builds no feed at all.
	dir := testsite.Write(t, testsite.Config("https://alice.example/", "")+testsite.Post("a", "2026-01-02T00:00:00Z",
		"[reply_to]\nref = \"tag:b.example,2026:posts/x\"\nhref = \"javascript:alert(1)\"\n", "hi"))
	if _, err := publish.LoadSite(dir); err == nil || !strings.Contains(err.Error(), "2026-01-02-a.md:6: reply_to href") {
		t.Fatalf("LoadSite: %v", err)
	}
}

// A setting of the site written inside [following] (as when appended at
// the end of the file) is refused, saying where it belongs.
func TestSettingInsideFollowing(t *testing.T) {
	for name, c := range map[string]struct{ extra, want string }{
		"feed_size as text": {"feed_size = \"ten\"\n", `feedpub.toml: line 6: "feed_size" is a top-level setting, but it is inside the [following] table that starts on line 4`},
		"feed_size":         {"feed_size = 10\n", `line 6: "feed_size" is a top-level setting`},
		"hub":               {"hub = \"https://hub.example/\"\n", `line 6: "hub" is a top-level (as hubs = ["https://…"]) setting`},
		"hubs":              {"hubs = [\"https://hub.example/\"]\n", `line 6: "hubs" is a top-level setting`},
		"branch":            {"branch = \"pages\"\n", `line 6: "branch" is a [publish] setting`},
		"not a URL":         {"carol = \"ten\"\n", `line 6: [following] carol = "ten": not a feed URL; [following] (from line 4) holds nick = "https://their.site/feed.atom" lines`},
		"a number":          {"carol = 10 # ten\n", `line 6: [following] carol = 10 # ten: not a feed URL`},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := head + "[following]\nbob = \"https://b.example/feed.atom\"\n" + c.extra
			if _, err := publish.ParseConfig("feedpub.toml", []byte(cfg)); err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "move it above the [following] line") && !strings.Contains(err.Error(), "goes above the [following] line") {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	// The same settings above [following] are fine.
	cfg := head + "feed_size = 10\nhubs = [\"https://hub.example/\"]\n[publish]\nbranch = \"pages\"\n[following]\nbob = \"https://b.example/feed.atom\"\n'carol.x' = 'https://c.example/feed.atom'\n"
	c, err := publish.ParseConfig("feedpub.toml", []byte(cfg))
	if err != nil || c.FeedSize != 10 || c.Publish.Branch != "pages" || len(c.Following) != 2 {
		t.Fatalf("a good configuration: %+v %v", c, err)
	}
}
