package sanitize

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestHTMLStripsScriptsAndHandlersAndResolves(t *testing.T) {
	raw := `<p onclick="x()">Hi <a href="javascript:alert(1)">bad</a> <a class="h-card u-mention" href="/feed.atom">@bob</a>
<img src="img/a.png" onerror="steal()"><script>alert(1)</script></p>`
	got, links := New().HTML(raw, "https://bob.example/posts/1/")
	for _, bad := range []string{"<script", "onclick", "onerror", "javascript:", "alert"} {
		if strings.Contains(got, bad) {
			t.Errorf("sanitized HTML still has %q: %s", bad, got)
		}
	}
	if !strings.Contains(got, `src="https://bob.example/posts/1/img/a.png"`) {
		t.Errorf("relative src not resolved: %s", got)
	}
	if len(links) != 2 || links[1].Href != "https://bob.example/feed.atom" || !links[1].HasClass("u-mention") {
		t.Errorf("links = %+v", links)
	}
}

func TestText(t *testing.T) {
	got := Text(`<p>Hello &amp; <b>world</b></p><p>second   line</p>`)
	if got != "Hello & world\n\nsecond line" {
		t.Fatalf("got %q", got)
	}
}

func TestTerminalStripsEscapes(t *testing.T) {
	cases := map[string]string{
		"red \x1b[31mtext\x1b[0m":           "red text",
		"title \x1b]0;pwned\x07 ok":         "title  ok",
		"osc st \x1b]8;;http://x\x1b\\link": "osc st link",
		"c1 \u009b2J clear":                 "c1  clear",
		"bell\x07 back\x08space\r":          "bell backspace",
		"bidi \u202eevil\u202c":             "bidi evil",
		"keep\ttab\nnewline":                "keep\ttab\nnewline",
		"bad utf8 \xff\xfe end":             "bad utf8  end",
		"dangling \x1b":                     "dangling ",
		"Urdu اردو and 日本語 stay":            "Urdu اردو and 日本語 stay",
	}
	for in, want := range cases {
		if got := Terminal(in); got != want {
			t.Errorf("Terminal(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestContentMatchesHTMLThenText: the fast paths of Content give exactly
// what HTML then Text give, for markup, entities, plain text and the odd
// shapes that make the scanner fall back.
func TestContentMatchesHTMLThenText(t *testing.T) {
	p := New()
	cases := []string{
		"plain words, \"quoted\" and 'single' > greater",
		"  spaced\n\n\nlines  \t tab ",
		"Tom &amp; Jerry &lt;b&gt; &#8211; &nbsp;x &amp",
		"<p>Hello &amp; <b>world</b></p><p>second   line</p>",
		`<p onclick="x()">Hi <a href="javascript:alert(1)">bad</a> <a class="h-card u-mention" href="/feed.atom">@bob</a>`,
		`<img src="img/a.png" alt="a > b" title='x "y"'><br/>after<script>alert(1)</script>`,
		"<ul><li>one</li><li>two<br>three</li></ul><blockquote>q</blockquote><pre>  code\n  here</pre>",
		"<!-- comment --><p>after comment</p><textarea><b>raw</b></textarea>",
		"a < b and c<3 and <notatag",
		"carriage\r\nreturn\rand nul \x00 byte",
		"<h1>Title</h1><table><tr><td>a</td><td>b</td></tr></table><div>d</div>",
		"Urdu اردو, 日本語 &#x1F600;",
		"",
	}
	for _, raw := range cases {
		wantHTML, wantLinks := p.HTML(raw, "https://bob.example/posts/1/")
		wantText := Text(wantHTML)
		gotHTML, gotText, gotLinks := p.Content(raw, "https://bob.example/posts/1/")
		if gotHTML != wantHTML || gotText != wantText || len(gotLinks) != len(wantLinks) {
			t.Errorf("Content(%q)\n = %q, %q, %d links\nwant %q, %q, %d links", raw, gotHTML, gotText, len(gotLinks), wantHTML, wantText, len(wantLinks))
		}
	}
}

// TestCollapse pins the folding of blank space in plain text, including
// Unicode spaces and blank lines made of spaces only.
func TestCollapse(t *testing.T) {
	cases := map[string]string{
		"":                             "",
		"  a  b \t c  ":                "a b c",
		"\n\n a \n b\n":                "a\nb",
		"a\n \n\t\nb":                  "a\n\nb",
		"a\n\n\n\n\nb\n\n":             "a\n\nb",
		"a\u00a0\u00a0b\u3000c\u0085d": "a b c d",
		"x\r\ny":                       "x\ny",
		"日本 語\n\nاردو":                 "日本 語\n\nاردو",
		" \n \n ":                      "",
	}
	for in, want := range cases {
		if got := collapse(in); got != want {
			t.Errorf("collapse(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCollapseMatchesLineByLine compares collapse with the obvious
// line-by-line definition on random mixes of words, spaces and newlines.
func TestCollapseMatchesLineByLine(t *testing.T) {
	ref := func(s string) string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			l = strings.Join(strings.Fields(l), " ")
			if l == "" && (len(out) == 0 || out[len(out)-1] == "") {
				continue
			}
			out = append(out, l)
		}
		return strings.TrimSpace(strings.Join(out, "\n"))
	}
	parts := []string{"a", "bc", "日本", " ", "  ", "\t", "\n", "\n\n", "\r", "\u00a0", "\u2003", "é"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		if got, want := collapse(b.String()), ref(b.String()); got != want {
			t.Fatalf("collapse(%q) = %q, want %q", b.String(), got, want)
		}
	}
}
