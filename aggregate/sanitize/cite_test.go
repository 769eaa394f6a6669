package sanitize

import "testing"

func TestReplaceCite(t *testing.T) {
	const href = "https://alice.example/posts/k1/"
	const note = "<p>gone</p>"
	cases := map[string]struct{ in, want string }{
		"feedpub's quote": {
			`<p>So true.</p><blockquote><p>zebras are striped</p><p>— alice, <a href="` + href + `">` + href + `</a></p></blockquote>`,
			`<p>So true.</p>` + note},
		"nested quotes go with it": {
			`<blockquote><blockquote>x</blockquote><a href="` + href + `">y</a></blockquote><p>after</p>`,
			note + `<p>after</p>`},
		"a quote of something else stays": {
			`<blockquote><a href="https://bob.example/">b</a></blockquote>`,
			`<blockquote><a href="https://bob.example/">b</a></blockquote>`},
		"a link outside any quote": {
			`<p><a href="` + href + `">see</a></p>`,
			`<p><a href="` + href + `">see</a></p>`},
		"unclosed": {
			`<p>a</p><blockquote><a href="` + href + `">y</a>`,
			`<p>a</p><blockquote><a href="` + href + `">y</a>`},
	}
	for name, c := range cases {
		if got := ReplaceCite(c.in, href, note); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, c.want)
		}
	}
}
