package sanitize

import (
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
