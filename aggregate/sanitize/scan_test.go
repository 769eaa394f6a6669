package sanitize

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// TestResolveSimpleMatchesTokenizer: whenever the scanner accepts markup,
// it gives exactly the tokenizer's output and links; it accepts the usual
// feed markup.
func TestResolveSimpleMatchesTokenizer(t *testing.T) {
	r := newResolver("https://bob.example/posts/1/")
	accept := []string{
		"",
		"plain text & no tags",
		`<p>Hi <a href="/x" class="h-card u-mention">@bob</a> and <a href='https://go.dev/'>Go</a>.</p>`,
		`<P><A HREF="rel">up</A><IMG SRC="a.png" ALT='a > b' title="x 'y'"/><br/><br /></P>`,
		`<img src="i.png" srcset="a.png 1x"><blockquote cite="q.html">q</blockquote><video poster="p.jpg"></video>`,
		`<a href="javascript:alert(1)" onclick="x()">bad</a><a href>empty</a><a class="x">no href</a>`,
		`a < b and c <3 then <em>em</em> </p >`,
		`<a href="https://example.org/1" href="/second" class="a" class="b">dup</a>`,
		`<div data-x="1" aria-label="l" xml:lang="en" title="hrefs">no url attr but the word</div>`,
	}
	for _, raw := range accept {
		got, gotLinks, ok := resolveSimple(raw, r)
		if !ok {
			t.Errorf("resolveSimple(%q) fell back", raw)
			continue
		}
		want, wantLinks := resolveTokens(raw, r)
		if got != want || !reflect.DeepEqual(gotLinks, wantLinks) {
			t.Errorf("resolveSimple(%q)\n = %q %+v\nwant %q %+v", raw, got, gotLinks, want, wantLinks)
		}
	}
	fallBack := []string{
		"<!-- c --><p>x</p>", "<script>a</script>", "<TEXTAREA><a href=x></textarea>", `<a href=x>unquoted</a>`,
		`<a href="?a=1&amp;b=2">ref</a>`, "cr\r\n<p>", "nul\x00", `<a href = "x">`, `<a href="x"class="y">`,
		"<a href=\"x\"", "ends with <", "<?xml?>", "</>", "</ a>", "<a/ href=\"x\">", `<p x"y>`,
	}
	for _, raw := range fallBack {
		if _, _, ok := resolveSimple(raw, r); ok {
			t.Errorf("resolveSimple(%q) accepted markup it should leave to the tokenizer", raw)
		}
	}
}

// TestResolveSimpleRandom compares the scanner with the tokenizer on random
// mixes of markup fragments, odd ones included.
func TestResolveSimpleRandom(t *testing.T) {
	parts := []string{"<p>", "</p>", "<a ", "href=", `"/x"`, `'y z'`, `"https://a.example/?q=1"`, "class=", `"u-mention h-card"`,
		">", "/>", " ", "\n", "\t", "text", "<", "&amp;", "&", "<img src=\"i.png\">", "<br/>", "</a>", "=", "\"", "'",
		"<SCRIPT>", "<!--", "-->", "<b>", "src", "HREF", "<A", "title=\"hrefy\"", "</ em >", "日本", "\r", "\f"}
	r := newResolver("https://bob.example/dir/")
	rng := rand.New(rand.NewPCG(3, 4))
	accepted := 0
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(14) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		raw := b.String()
		got, gotLinks, ok := resolveSimple(raw, r)
		if !ok {
			continue
		}
		accepted++
		want, wantLinks := resolveTokens(raw, r)
		if got != want || !reflect.DeepEqual(gotLinks, wantLinks) {
			t.Fatalf("resolveSimple(%q)\n = %q %+v\nwant %q %+v", raw, got, gotLinks, want, wantLinks)
		}
	}
	if accepted < 2000 {
		t.Errorf("the scanner accepted only %d of 20000 random documents: the comparison is too weak", accepted)
	}
}
