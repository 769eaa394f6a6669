package fuzzcheck

import "testing"

// TestSafeHTMLFlagsWhatBrowsersRun: the check is worth something only if
// it flags each way of running code and passes sanitized markup.
func TestSafeHTMLFlagsWhatBrowsersRun(t *testing.T) {
	for _, bad := range []string{
		`<script>alert(1)</script>`, `<svg><script>x</script></svg>`, `<img src=x onerror=alert(1)>`,
		`<a href=" jav&#x09;ascript:alert(1)">x</a>`, `<a href="VBScript:x">x</a>`,
		`<iframe src="data:text/html;base64,PHNjcmlwdD4="></iframe>`, `<svg><a xlink:href="javascript:x">x</a></svg>`,
		`<p style="width: ex/**/pression(alert(1))">x</p>`, `<style>p{width:expression(1)}</style>`,
		`<form><button formaction="javascript:x">b</button></form>`,
	} {
		if SafeHTML(bad) == nil {
			t.Errorf("SafeHTML(%q) = nil, want an error", bad)
		}
	}
	for _, good := range []string{
		`<p>Hello <a href="https://a.example/" rel="nofollow">a</a> <img src="https://a.example/i.png" alt="javascript: is fun"></p>`,
		`<p>&lt;script&gt;alert(1)&lt;/script&gt; onclick=x</p>`, `<a href="mailto:a@b.example">m</a>`,
	} {
		if err := SafeHTML(good); err != nil {
			t.Errorf("SafeHTML(%q) = %v, want nil", good, err)
		}
	}
}
