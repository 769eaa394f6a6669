package browser_test

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/aggregate/daemon"
	"github.com/rookery-social/rookery/aggregate/daemon/daemontest"
	"github.com/rookery-social/rookery/aggregate/web"
	"github.com/rookery-social/rookery/aggregate/web/webtest"
	"github.com/rookery-social/rookery/internal/act"
	"github.com/rookery-social/rookery/internal/safehttp"
	"github.com/rookery-social/rookery/internal/testsite"
	"github.com/rookery-social/rookery/internal/testwait"
	siteact "github.com/rookery-social/rookery/publish/act"
)

// stack is a whole `reader serve` on loopback following alice, whose
// feed names hub; site is the reader's own feedpub site.
type stack struct {
	r     *aggregate.Reader
	hub   *daemontest.Hub
	alice *webtest.Author
	site  string
	base  string
}

// startStack starts the hub, alice's site with posts, the reader
// following her, and the daemon with the web view; it returns once the
// hub has verified the reader's subscription.
func startStack(t *testing.T, posts ...webtest.Post) *stack {
	t.Helper()
	ctx := context.Background()
	s := &stack{hub: daemontest.NewHub(t, 3600)}
	s.alice = webtest.NewAuthor(t, "alice", s.hub.URL, posts...)
	r, err := aggregate.Open(ctx, filepath.Join(t.TempDir(), "reader.db"), aggregate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	s.r = r
	if _, err := r.Follow(ctx, s.alice.FeedURL(), "alice", nil); err != nil {
		t.Fatal(err)
	}
	s.site = mySite(t)
	s.base = s.serve(t, siteact.Open(act.Config{Dir: s.site}))
	testwait.Until(t, 10*time.Second, "the hub verifying the reader's subscription", func() bool { return len(s.hub.Verified()) > 0 })
	return s
}

// mySite is the reader's own feedpub site, a git repository.
func mySite(t *testing.T) string {
	dir := testsite.Write(t, testsite.Config("https://me.example/", ""))
	for _, args := range [][]string{{"init", "-q"}, {"config", "user.email", "me@example.com"}, {"config", "user.name", "Me"}} {
		if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	return dir
}

// serve runs the daemon with the web view on a loopback port until the
// test ends and returns its base URL.
func (s *stack) serve(t *testing.T, site act.Writer) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	view, err := web.New(web.Config{Reader: s.r, Site: site,
		ImageClient: safehttp.NewClient(safehttp.Options{AllowPrivate: true, Timeout: 5 * time.Second})})
	if err != nil {
		t.Fatal(err)
	}
	d, err := daemon.New(s.r.DB(), s.r, daemon.Config{Addr: ln.Addr().String(), BaseURL: base, AllowPrivate: true,
		Poll: "@every 1h", SyncEvery: time.Hour, Web: view})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return base
}

// push publishes posts to alice's feed and has the hub deliver them (a
// fat ping of the new entries); it returns when the reader stored them.
func (s *stack) push(t *testing.T, posts ...webtest.Post) time.Time {
	t.Helper()
	stored := s.r.Arrivals()
	s.alice.Add(posts...)
	if _, err := s.hub.Publish(s.alice.FeedURL(), "application/atom+xml", s.alice.FeedOf(posts...)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-stored:
		return time.Now()
	case <-time.After(10 * time.Second):
		t.Fatal("the reader did not store the pushed posts within 10s")
	}
	return time.Time{}
}

// browser starts a headless chromium with a fresh profile, width × height
// pixels, and returns its context; both end with the test. Without
// chromium the test is skipped (failed with ROOKERY_REQUIRE_CHROMIUM=1).
func browser(t *testing.T, width, height int) context.Context {
	t.Helper()
	path := chromium()
	if path == "" {
		if os.Getenv("ROOKERY_REQUIRE_CHROMIUM") == "1" {
			t.Fatal("chromium is required (ROOKERY_REQUIRE_CHROMIUM=1) but not found: apt-get install -y chromium")
		}
		t.Skip("chromium not found: `apt-get install -y chromium` to run the browser tests")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(width, height),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTime(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// chromium is the path of Debian's chromium (or a Chrome), or "".
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// run runs browser actions and fails the test on error.
func run(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("the browser timed out: %v", err)
		}
		t.Fatal(err)
	}
}
