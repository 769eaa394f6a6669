package publish

import (
	"bytes"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// errLine is how every error of ParsePost names the place: file:line.
var errLine = regexp.MustCompile(`^(?:publish: )?posts/p\.md:(\d+): `)

// FuzzParsePost checks that any post file either parses into a post that,
// written back with Encode, parses to the same post, or is refused with an
// error naming a line of the file.
func FuzzParsePost(f *testing.F) {
	for _, s := range []string{
		"+++\nkey = \"abc\"\npublished = 2031-01-02T15:04:05Z\ntags = [\"#Go\", \"go\", \" web \"]\n+++\nHello #world, @bob!\n",
		"\ufeff+++\nkey = \"r1\"\npublished = 2031-01-02T15:04:05+02:00\nupdated = 2031-01-03T00:00:00Z\n\n[reply_to]\nref = \"tag:a,2031:x\"\nhref = \"https://a.example/x/\"\nsource = \"https://a.example/feed.atom\"\n\n[mentions]\nbob = \"https://bob.example/feed.atom\"\n+++\nbody",
		"+++\nkey = \"gone\"\npublished = 2031-01-02T00:00:00Z\ndeleted = 2031-01-05T00:00:00Z\n+++\n",
		"+++\nkey = \"k\"\npublished = 2031-01-02T00:00:00Z\nmood = \"ok\"\n+++\nhi\n",
		"+++\nkey = \"k\"\nkey = \"j\"\n+++\nhi\n",
		"+++\nkey = \"K K\"\npublished = \"yesterday\"\n+++\nhi\n",
		"no front matter\n", "+++\nkey = \"k\"\n", "+++\r\nkey = \"k\"\r\npublished = 2031-01-02T00:00:00Z\r\n+++\r\nwindows\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePost("posts/p.md", data)
		if err != nil {
			checkErrLine(t, err, data)
			return
		}
		back, err := ParsePost("posts/p.md", p.Encode())
		if err != nil {
			t.Fatalf("post %q written as %q does not parse: %v", data, p.Encode(), err)
		}
		if got, want := postView(back), postView(p); got != want {
			t.Fatalf("post %q\n= %s\nwritten as %q\nparses to %s", data, want, p.Encode(), got)
		}
	})
}

func checkErrLine(t *testing.T, err error, data []byte) {
	m := errLine.FindStringSubmatch(err.Error())
	if m == nil && strings.Contains(err.Error(), "parsing time") {
		// Known gap: go-toml reports a value of the wrong type for a date
		// (published = 0) without its position; see
		// testdata/fuzz/FuzzParsePost/date-of-wrong-type-has-no-line.
		return
	}
	if m == nil {
		t.Fatalf("ParsePost(%q): error %q names no line", data, err)
	}
	n, _ := strconv.Atoi(m[1])
	if lines := bytes.Count(data, []byte("\n")) + 1; n < 1 || n > lines+1 {
		t.Fatalf("ParsePost(%q): error %q names line %d of %d", data, err, n, lines)
	}
}

// FuzzParseConfig checks that any feedpub.toml is either refused with an
// error naming the file (and a line of it when the TOML is at fault), or
// parsed into a configuration whose `feedpub init` form parses back to
// the same title, author, URL and hubs.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		"title = \"Bob\"\nauthor = \"Bob B.\"\nurl = \"https://bob.example\"\nhubs = [\"https://hub.example/\"]\nfeed_size = 3\n\n[following]\nalice = \"https://alice.example/feed.atom\"\n",
		"title = \"t\"\nauthor = \"a\"\nurl = \"https://a.example/\"\nfeedsize = 3\n",
		"title = \"t\"\nauthor = \"a\"\nurl = \"ftp://a.example/\"\n",
		"title = \"t\nauthor = \"a\"\n",
		"title = \"tab\\there \\\"q\\\" \\u0001\"\nauthor = 'literal'\nurl = \"https://a.example/x\"\nwebmention = \"https://a.example/wm\"\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig("feedpub.toml", data)
		if err != nil {
			checkConfigErr(t, err, data)
			return
		}
		back, err := ParseConfig("feedpub.toml", c.encode())
		if err != nil {
			t.Fatalf("config %q written as %q does not parse: %v", data, c.encode(), err)
		}
		if back.Title != c.Title || back.Author != c.Author || back.URL != c.URL || !reflect.DeepEqual(back.Hubs, c.Hubs) && len(c.Hubs)+len(back.Hubs) > 0 {
			t.Fatalf("config %q = %+v\nwritten as %q parses to %+v", data, c, c.encode(), back)
		}
	})
}

var configLine = regexp.MustCompile(`^(?:publish: )?feedpub\.toml: line (\d+): `)

func checkConfigErr(t *testing.T, err error, data []byte) {
	var c Config
	if decodeStrict(data, &c) == nil {
		return // valid TOML, refused by validate: the message names the key
	}
	m := configLine.FindStringSubmatch(err.Error())
	if m == nil {
		t.Fatalf("ParseConfig(%q): error %q names no line", data, err)
	}
	n, _ := strconv.Atoi(m[1])
	if lines := bytes.Count(data, []byte("\n")) + 1; n < 1 || n > lines+1 {
		t.Fatalf("ParseConfig(%q): error %q names line %d of %d", data, err, n, lines)
	}
}

// postView is what a post says, for comparing: times to the second (the
// precision of Encode), the body without its final newline (Encode adds
// one). Draft is left out: Encode, used for new posts only, does not
// write it.
func postView(p *Post) string {
	day := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	return fmt.Sprintf("key %q published %s updated %s deleted %s tags %q reply %+v mentions %v body %q",
		p.Key, day(p.Published), day(p.Updated), day(p.Deleted), p.Tags, p.ReplyTo, p.Mentions, bytes.TrimSuffix(p.Body, []byte("\n")))
}
