package sanitize

import (
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rookery-social/rookery/internal/fuzzcheck"
)

// htmlSeeds are feed content shapes, the dangerous ones included.
var htmlSeeds = []string{
	"",
	"plain words, \"quoted\" & 'single' > greater",
	`<p onclick="x()">Hi <a href="javascript:alert(1)">bad</a> <a class="h-card u-mention" href="/feed.atom">@bob</a>`,
	`<img src="img/a.png" onerror="steal()"><script>alert(1)</script><SCRIPT SRC=//x.example/a.js></SCRIPT>`,
	`<a href="  jav&#x09;ascript:alert(1)">tab</a><a href="&#106;avascript:x">entity</a><a href="JaVaScRiPt:x">case</a>`,
	`<a href="vbscript:msgbox(1)">vb</a><a href="data:text/html;base64,PHNjcmlwdD4=">data</a><img src="data:image/png;base64,AA==">`,
	`<div style="width: expression(alert(1))">ie</div><p style="color:red">red</p><style>p{x:expression(1)}</style>`,
	`<svg><script>alert(1)</script><a xlink:href="javascript:alert(1)">s</a></svg><math><mi xlink:href="javascript:x">m</mi></math>`,
	`<iframe src="javascript:alert(1)"></iframe><object data="javascript:x"></object><form action="javascript:x"><button formaction="javascript:y">b</button></form>`,
	`<!-- <script>x</script> --><p>after</p><textarea><script>t</script></textarea><noscript><img src=x onerror=y></noscript>`,
	`<a href="?a=1&amp;b=2" class="u-mention">ref</a><blockquote cite="q.html">q</blockquote><video poster="p.jpg" src="v.mp4"></video>`,
	"<ul><li>one</li><li>two<br>three</li></ul><pre>  code\n  here</pre>\r\n nul \x00 byte",
	`<body onload=alert(1)><img src=x:alert(1) onerror=eval(src)><a href=javascript&colon;alert(1)>c</a>`,
}

// FuzzHTML checks that no HTML survives the feed policy with something a
// browser could run, that Content's fast paths give exactly HTML then
// Text, that the tokenizer-free resolver agrees with the tokenizer
// whenever it accepts markup, and that every link found is resolved.
func FuzzHTML(f *testing.F) {
	for _, s := range htmlSeeds {
		f.Add(s)
	}
	addDangerousFeedBodies(f)
	p := New()
	const base = "https://bob.example/posts/1/"
	r := newResolver(base)
	f.Fuzz(func(t *testing.T, raw string) {
		clean, links := p.HTML(raw, base)
		if err := fuzzcheck.SafeHTML(clean); err != nil {
			t.Fatalf("HTML(%q) = %q: %v", raw, clean, err)
		}
		gotClean, gotText, gotLinks := p.Content(raw, base)
		if gotClean != clean || gotText != Text(clean) || len(gotLinks) != len(links) {
			t.Fatalf("Content(%q) = %q, %q, %d links\nwant %q, %q, %d links", raw, gotClean, gotText, len(gotLinks), clean, Text(clean), len(links))
		}
		if out, simpleLinks, ok := resolveSimple(raw, r); ok {
			want, wantLinks := resolveTokens(raw, r)
			if out != want || !reflect.DeepEqual(simpleLinks, wantLinks) {
				t.Fatalf("resolveSimple(%q) = %q %+v\ntokenizer gives %q %+v", raw, out, simpleLinks, want, wantLinks)
			}
		}
		for _, l := range links {
			if u, err := url.Parse(l.Href); err == nil && l.Href != "" && !u.IsAbs() {
				t.Fatalf("HTML(%q): link %q is not resolved against %s", raw, l.Href, base)
			}
		}
	})
}

// addDangerousFeedBodies seeds f with the small adversarial feeds of the
// shared test documents: their HTML is what feeds really carry.
func addDangerousFeedBodies(f *testing.F) {
	for _, name := range []string{"rss20-dangerous-xss-crazy-html.xml", "rss20-dangerous-content-encoded-onerror.xml"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "feeds", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
}

// FuzzTerminal checks that Terminal leaves valid UTF-8 with no control
// character but tab and newline, no ESC, no C1 control and no bidi
// override or isolate; that it only removes (its output is a subsequence
// of its input's characters) and is idempotent; and that Line leaves one
// line with single spaces.
func FuzzTerminal(f *testing.F) {
	for _, s := range []string{
		"", "plain text", "red \x1b[31mtext\x1b[0m", "title \x1b]0;pwned\x07 ok", "osc st \x1b]8;;http://x\x1b\\link",
		"c1 \u009b2J clear \u009d0;t\u009c", "bell\x07 back\x08space\r", "bidi \u202eevil\u202c \u2066iso\u2069",
		"keep\ttab\nnewline", "bad utf8 \xff\xfe end", "dangling \x1b", "\x1bP dcs \x1b\\ \x1b_apc\x07", "Urdu اردو and 日本語 stay",
		"\u0085nel\u200f rlm \u061c alm",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Terminal(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Terminal(%q) = %q: invalid UTF-8", s, out)
		}
		for _, r := range out {
			if r != '\n' && r != '\t' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || isBidi(r)) {
				t.Fatalf("Terminal(%q) = %q: keeps %U", s, out, r)
			}
		}
		if !subsequence(out, s) {
			t.Fatalf("Terminal(%q) = %q: not only removals", s, out)
		}
		if again := Terminal(out); again != out {
			t.Fatalf("Terminal not idempotent: %q -> %q -> %q", s, out, again)
		}
		line := Line(s)
		if strings.ContainsAny(line, "\n\t") || strings.Contains(line, "  ") || strings.TrimSpace(line) != line {
			t.Fatalf("Line(%q) = %q: not one line of single spaces", s, line)
		}
	})
}

// subsequence reports whether the characters of sub appear in s in order
// (invalid bytes of s never match).
func subsequence(sub, s string) bool {
	for _, want := range sub {
		for {
			if s == "" {
				return false
			}
			r, n := utf8.DecodeRuneInString(s)
			s = s[n:]
			if r == want && n == utf8.RuneLen(want) {
				break
			}
		}
	}
	return true
}
