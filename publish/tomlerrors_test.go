package publish_test

import (
	"strings"
	"testing"

	"github.com/rookery-social/rookery/publish"
)

// TestTOMLErrorsNameTheLine checks that a bad feedpub.toml or front
// matter is refused with the file, the line and what was wrong.
func TestTOMLErrorsNameTheLine(t *testing.T) {
	for name, c := range map[string]struct{ config, post, want string }{
		"config: unknown key":   {config: "title = \"t\"\nauthor = \"a\"\nurl = \"https://a.example/\"\nfeedsize = 3\n", want: `feedpub.toml: line 4: unknown key "feedsize"`},
		"config: unknown table": {config: "title = \"t\"\nauthor = \"a\"\nurl = \"https://a.example/\"\n[follow]\nbob = \"x\"\n", want: `feedpub.toml: line 4: unknown key "follow"`},
		"config: bad value":     {config: "title = \"t\"\nauthor = \"a\"\nurl = \"https://a.example/\"\nfeed_size = \"ten\"\n", want: "feedpub.toml: line 4: "},
		"config: syntax":        {config: "title = \"t\nauthor = \"a\"\n", want: "feedpub.toml: line 1: "},
		"post: unknown key":     {post: "+++\nkey = \"k\"\npublished = 2026-01-02T00:00:00Z\nmood = \"ok\"\n+++\nhi\n", want: `posts/p.md:4: unknown front-matter key "mood"`},
		"post: unknown sub-key": {post: "+++\nkey = \"k\"\npublished = 2026-01-02T00:00:00Z\n[reply_to]\nref = \"r\"\nhreff = \"h\"\n+++\nhi\n", want: `posts/p.md:6: unknown front-matter key "reply_to.hreff"`},
		"post: bad date":        {post: "+++\nkey = \"k\"\npublished = \"yesterday\"\n+++\nhi\n", want: "posts/p.md:3: malformed front matter: "},
		"post: key twice":       {post: "+++\nkey = \"k\"\nkey = \"j\"\n+++\nhi\n", want: "posts/p.md:3: malformed front matter: "},
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
}
