package sanitize

import "testing"

func TestTextWithLinks(t *testing.T) {
	for in, want := range map[string]string{
		`<p>see <a href="https://go.dev/doc/">the docs</a> now</p>`:               "see the docs <https://go.dev/doc/> now",
		`<p><img src="https://a.example/cat.png" alt="a cat"></p>`:                "[image: a cat <https://a.example/cat.png>]",
		`<p><img src="https://a.example/x.png"></p>`:                              "[image: <https://a.example/x.png>]",
		`<p><a href="https://a.example/">https://a.example/</a></p>`:              "https://a.example/",
		`<p>hi <a class="u-mention" href="https://bob.example/">@bob</a></p>`:     "hi @bob",
		`<p><a href="https://x.example/t/go" rel="tag">#go</a></p><p>two</p>`:     "#go\n\ntwo",
		`<p><a href="javascript:alert(1)">bad</a> <img src="data:x" alt="d"></p>`: "bad",
	} {
		if got := TextWithLinks(in); got != want {
			t.Errorf("TextWithLinks(%q) = %q, want %q", in, got, want)
		}
	}
}
