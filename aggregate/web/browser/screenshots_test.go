package browser_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/aggregate/web"
	"github.com/rookery-social/rookery/aggregate/web/webtest"
	"github.com/rookery-social/rookery/internal/safehttp"
)

// TestScreenshots writes the README's pictures of the timeline into the
// directory $ROOKERY_SCREENSHOTS (scripts/screenshots.sh); without it,
// it is skipped.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("ROOKERY_SCREENSHOTS")
	if dir == "" {
		t.Skip("set ROOKERY_SCREENSHOTS=DIR (scripts/screenshots.sh) to write the screenshots")
	}
	shots := []struct {
		name          string
		width, height int64
		scale         float64
		mobile, dark  bool
	}{
		{"timeline-desktop.png", 1280, 860, 1, false, false},
		{"timeline-phone-dark.png", 390, 844, 2, true, true},
	}
	for _, sh := range shots {
		ctx := browser(t, int(sh.width), int(sh.height))
		base, push := sampleReader(t)
		var opts []chromedp.EmulateViewportOption
		opts = append(opts, chromedp.EmulateScale(sh.scale))
		if sh.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		scheme := "light"
		if sh.dark {
			scheme = "dark"
		}
		run(t, ctx, chromedp.EmulateViewport(sh.width, sh.height, opts...), colorScheme(scheme),
			chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("article.post")))
		push()
		waitFor(t, ctx, "the new posts bar", `!document.querySelector("#newbar").hidden`)
		eval[bool](t, ctx, `document.activeElement.blur(), true`)
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, sh.name), png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", filepath.Join(dir, sh.name), len(png))
	}
}

// colorScheme emulates prefers-color-scheme.
func colorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
		return err
	})
}

// sampleReader is a reader following three authors with a few days of
// posts (a reply, tags, code, an image), served by the web view; push
// delivers one more post, as the hub would.
func sampleReader(t *testing.T) (base string, push func()) {
	t.Helper()
	ctx := context.Background()
	img := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(picture())
	}))
	t.Cleanup(img.Close)
	at := func(h, m int) time.Time {
		return webtest.Epoch.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}
	alice := webtest.NewAuthor(t, "alice", "", webtest.Post{Key: "a1", Published: at(0, 5), Tags: []string{"intro"},
		HTML: "<p>Hello from my own site! Everything I post here is plain Markdown in a git repository, and a feed anyone can follow.</p>"},
		webtest.Post{Key: "a2", Published: at(2, 40), Tags: []string{"golang"},
			HTML: "<p>Today's lesson: <code>context.WithoutCancel</code> keeps the values and drops the deadline. Exactly what a background flush needs.</p>"},
		webtest.Post{Key: "a3", Published: at(5, 12),
			HTML: `<p>The view from the ridge this morning.</p><p><img src="` + img.URL + `/ridge.png" alt="A ridge at dawn"></p>`})
	bob := webtest.NewAuthor(t, "bob", "", webtest.Post{Key: "b1", Published: at(3, 2), Reply: alice.Reply("a2"),
		HTML: "<p>@alice and <code>context.AfterFunc</code> for the cleanup. Saved me a goroutine.</p>"},
		webtest.Post{Key: "b2", Published: at(4, 30), Tags: []string{"websub"},
			HTML: "<p>My hub delivered 30,000 pushes a second on a laptop. Feeds are fast when nobody polls.</p>"})
	carol := webtest.NewAuthor(t, "carol", "", webtest.Post{Key: "c1", Published: at(1, 15),
		HTML: "<p>Reading my timeline in a terminal, on a phone and in a browser, from one SQLite file. No account anywhere.</p>"},
		webtest.Post{Key: "c2", Published: at(4, 55), Tags: []string{"books"},
			HTML: "<p>Finished <em>The Dispossessed</em> again. Every reread finds a new argument in it.</p>"})
	r, err := aggregate.Open(ctx, filepath.Join(t.TempDir(), "reader.db"), aggregate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	for _, a := range []*webtest.Author{alice, bob, carol} {
		if _, err := r.Follow(ctx, a.FeedURL(), a.Nick, nil); err != nil {
			t.Fatal(err)
		}
	}
	view, err := web.New(web.Config{Reader: r, Site: nil,
		ImageClient: safehttp.NewClient(safehttp.Options{AllowPrivate: true, Timeout: 5 * time.Second})})
	if err != nil {
		t.Fatal(err)
	}
	// The open event stream ends with the test, so that Close returns.
	live, stop := context.WithCancel(ctx)
	srv := httptest.NewUnstartedServer(view.Handler())
	srv.Config.BaseContext = func(net.Listener) context.Context { return live }
	srv.Start()
	t.Cleanup(srv.Close)
	t.Cleanup(stop)
	return srv.URL, func() {
		p := webtest.Post{Key: "c3", Published: at(5, 40), Reply: alice.Reply("a3"), HTML: "<p>@alice Stunning light. Which trail is that?</p>"}
		carol.Add(p)
		if _, err := r.Ingest(ctx, carol.FeedURL(), "application/atom+xml", carol.FeedOf(p)); err != nil {
			t.Fatal(err)
		}
	}
}

// picture is a small landscape: a dawn sky over two ridges.
func picture() []byte {
	const w, h = 640, 300
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		fx := float64(x) / w
		far := 150 + 30*math.Sin(fx*5+1) + 12*math.Sin(fx*17)
		near := 215 + 25*math.Sin(fx*3.3+2.5) + 8*math.Sin(fx*23)
		for y := range h {
			c := color.RGBA{uint8(252 - y/4), uint8(176 + y/5), uint8(120 + y/3), 255}
			switch fy := float64(y); {
			case fy > near:
				c = color.RGBA{46, 64, 58, 255}
			case fy > far:
				c = color.RGBA{92, 110, 118, 255}
			}
			m.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	png.Encode(&b, m)
	return b.Bytes()
}
