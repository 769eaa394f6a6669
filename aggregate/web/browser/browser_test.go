package browser_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rookery-social/rookery/aggregate/web/webtest"
	"github.com/rookery-social/rookery/internal/testwait"
)

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// waitFor waits until the page makes expr true. (chromedp's Poll builds
// its predicate with new Function, which the view's CSP refuses.)
func waitFor(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	testwait.Until(t, 10*time.Second, what, func() bool {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		return err == nil && ok
	})
}

// TestBrowser runs the view in chromium against a whole reader serve:
// each subtest goes on from the state the previous one left.
func TestBrowser(t *testing.T) {
	ctx := browser(t, 1280, 900)
	posts := webtest.Posts(55)
	posts = append(posts, webtest.Post{Key: "xss", Published: webtest.Epoch.Add(2 * time.Hour),
		HTML: `<p>Harmless, honest.</p><script>window.pwned = 1</script><img src="data:," onerror="window.pwned = 2">`})
	s := startStack(t, posts...)

	t.Run("timeline shows the posts, unread marked", func(t *testing.T) {
		run(t, ctx, chromedp.Navigate(s.base+"/"), chromedp.WaitVisible(chromedp.CSS("article.post")))
		if n := eval[int](t, ctx, `document.querySelectorAll("#posts article.post").length`); n != 50 {
			t.Errorf("%d posts on the page, want 50", n)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll("#posts article.post.unread").length`); n != 50 {
			t.Errorf("%d posts marked unread, want 50", n)
		}
		if got := eval[string](t, ctx, `document.querySelector("#posts article.post .content").textContent`); got != "Harmless, honest." {
			t.Errorf("newest post reads %q", got)
		}
		// The page marked what it showed read: 6 of 56 are left.
		if got := eval[string](t, ctx, `document.querySelector("nav .badge").textContent`); got != "(6 unread)" {
			t.Errorf("unread badge %q, want 6", got)
		}
	})

	t.Run("inline script in a post does not run", func(t *testing.T) {
		if got := eval[string](t, ctx, `String(window.pwned)`); got != "undefined" {
			t.Errorf("the post's script ran: window.pwned = %s", got)
		}
		// Even script that got into the page (as an XSS would) is refused
		// by the Content-Security-Policy.
		eval[bool](t, ctx, `window.violations = 0; document.addEventListener("securitypolicyviolation", () => window.violations++); true`)
		eval[bool](t, ctx, `(() => { const s = document.createElement("script"); s.textContent = "window.pwned = 3"; document.body.append(s); return true })()`)
		waitFor(t, ctx, "a CSP violation report", `window.violations > 0`)
		if got := eval[string](t, ctx, `String(window.pwned)`); got != "undefined" {
			t.Errorf("an injected inline script ran: window.pwned = %s", got)
		}
	})

	t.Run("a pushed post appears without a reload", func(t *testing.T) {
		eval[bool](t, ctx, `window.sameDocument = true`)
		p := webtest.Post{Key: "pushed", HTML: "<p>Straight from the hub</p>", Published: webtest.Epoch.Add(3 * time.Hour)}
		s.push(t, p)
		waitFor(t, ctx, "the pushed post on the page", `[...document.querySelectorAll("#posts article.post")].some(a => a.textContent.includes("Straight from the hub"))`)
		if !eval[bool](t, ctx, `window.sameDocument === true`) {
			t.Error("the page was reloaded")
		}
		if got := eval[string](t, ctx, `document.querySelector("#newbar").hidden ? "hidden" : document.querySelector("#newbar").textContent.trim()`); got != "1 new post" {
			t.Errorf("new posts bar: %q", got)
		}
		if first := eval[string](t, ctx, `document.querySelector("#posts article.post .content").textContent`); first != "Straight from the hub" {
			t.Errorf("top post reads %q", first)
		}
	})

	t.Run("mark read", func(t *testing.T) {
		run(t, ctx, chromedp.Navigate(s.base+"/?unread=1"), chromedp.WaitVisible(chromedp.CSS("article.post")))
		run(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/read"] button`)), chromedp.WaitVisible(chromedp.CSS("p.empty")))
		if got := eval[string](t, ctx, `document.querySelector("p.empty").textContent`); got != "No unread posts." {
			t.Errorf("after mark all read: %q", got)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll("nav .badge").length`); n != 0 {
			t.Error("the unread badge is still there")
		}
	})

	t.Run("open a thread with keys and reply", func(t *testing.T) {
		run(t, ctx, chromedp.Navigate(s.base+"/"), chromedp.WaitVisible(chromedp.CSS("article.post")))
		run(t, ctx, chromedp.KeyEvent("j"), chromedp.KeyEvent("j"), chromedp.KeyEvent("o"))
		waitFor(t, ctx, "the thread page", `location.pathname === "/thread"`)
		run(t, ctx, chromedp.WaitVisible(chromedp.CSS("#text")),
			chromedp.SendKeys(chromedp.CSS("#text"), "Agreed, from my reader"),
			chromedp.Click(chromedp.CSS(`form.compose button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`)))
		status := eval[string](t, ctx, `document.querySelector('p[role="status"]').textContent`)
		if !strings.Contains(status, "reply is written to") || !strings.Contains(status, "and published") {
			t.Errorf("after replying: %q", status)
		}
		files, _ := filepath.Glob(filepath.Join(s.site, "posts", "*.md"))
		if len(files) != 1 {
			t.Fatalf("the site's posts: %v", files)
		}
		b, _ := os.ReadFile(files[0])
		if !strings.Contains(string(b), "Agreed, from my reader") || !strings.Contains(string(b), s.alice.PostURL("xss")) {
			t.Errorf("the reply's file:\n%s", b)
		}
	})

	t.Run("a POST without the CSRF token is refused", func(t *testing.T) {
		run(t, ctx, chromedp.Navigate(s.base+"/"), chromedp.WaitVisible(chromedp.CSS("article.post")))
		code, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("/read", {method: "POST", body: new URLSearchParams({upto: "99999"})}).then(r => r.status)`,
			chromedp.EvalAwaitPromise))
		if err != nil || code != 403 {
			t.Errorf("POST /read without token: %d %v, want 403", code, err)
		}
	})
}

// TestPushLatency measures how long a pushed post takes from being
// stored by the reader to showing in an open timeline (BENCHMARKS.md).
func TestPushLatency(t *testing.T) {
	ctx := browser(t, 1280, 900)
	s := startStack(t, webtest.Posts(3)...)
	run(t, ctx, chromedp.Navigate(s.base+"/"), chromedp.WaitVisible(chromedp.CSS("article.post")))
	rounds := 20
	if n, err := strconv.Atoi(os.Getenv("ROOKERY_PUSH_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	var lat []float64
	for i := range rounds {
		text := fmt.Sprintf("Live post %d", i)
		stored := s.push(t, webtest.Post{Key: fmt.Sprintf("live%02d", i), HTML: "<p>" + text + "</p>",
			Published: webtest.Epoch.Add(time.Duration(i+10) * time.Hour)})
		waitFor(t, ctx, text, fmt.Sprintf(`document.querySelector("#posts article.post .content").textContent === %q`, text))
		shown := eval[float64](t, ctx, `Number(document.body.dataset.lastArrival)`)
		lat = append(lat, shown-float64(stored.UnixNano())/1e6)
	}
	slices.Sort(lat)
	p50, max := lat[len(lat)/2], lat[len(lat)-1]
	t.Logf("pushed post stored → shown in the browser: p50 %.1f ms, max %.1f ms (%d rounds)", p50, max, rounds)
	if out := os.Getenv("ROOKERY_PUSH_LATENCY_OUT"); out != "" { // the bench suite's figure
		var b strings.Builder
		for _, ms := range lat {
			fmt.Fprintf(&b, "%.3f\n", ms)
		}
		if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if p50 > 200 {
		t.Errorf("p50 %.1f ms, want < 200 ms", p50)
	}
}
