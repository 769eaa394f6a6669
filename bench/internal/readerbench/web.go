package readerbench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/aggregate/web"
	"github.com/rookery-social/rookery/bench/internal/measure"
	"github.com/rookery-social/rookery/internal/safehttp"
)

// webPage times the web view's timeline page, GET / (the newest 50 posts
// rendered, sanitized again, marked read), q times at the server after 3
// warm-up calls: the handler on an httptest recorder, no network.
func webPage(r *aggregate.Reader, label string, n, q int) (measure.Figure, error) {
	view, err := web.New(web.Config{Reader: r, ImageClient: safehttp.NewClient(safehttp.Options{})})
	if err != nil {
		return measure.Figure{}, err
	}
	h := view.Handler()
	var ms []float64
	for i := range q + 3 {
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		took := time.Since(start)
		if rec.Code != http.StatusOK || strings.Count(rec.Body.String(), `<article class="post`) != 50 {
			return measure.Figure{}, fmt.Errorf("readerbench: the timeline page of %d posts: %d, %d bytes", n, rec.Code, rec.Body.Len())
		}
		if i >= 3 {
			ms = append(ms, float64(took)/float64(time.Millisecond))
		}
	}
	f := measure.Latency(section, label+"web view: timeline page GET / (newest 50, rendered at the server)", ms)
	if n >= 1_000_000 {
		f = f.Below(50, "p50 < 50 ms")
	}
	return f, nil
}

// pushToBrowser runs the browser test TestPushLatency (aggregate/web/
// browser: chromium, a hub pushing to a whole reader serve on loopback)
// for rounds pushes and returns the time from the reader storing each
// post to its showing in the open timeline. Without chromium there is no
// figure (ok false).
func pushToBrowser(ctx context.Context, cfg Config, rounds int) (measure.Figure, bool, error) {
	if _, err := exec.LookPath("chromium"); err != nil {
		fmt.Fprintln(cfg.Log, "reader: chromium not found; no push-to-browser figure (apt-get install -y chromium)")
		return measure.Figure{}, false, nil
	}
	out := filepath.Join(cfg.Work, "push-latency.txt")
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-run", "^TestPushLatency$", "./aggregate/web/browser/")
	cmd.Dir = cfg.Root
	cmd.Env = append(os.Environ(), "ROOKERY_PUSH_LATENCY_OUT="+out, "ROOKERY_PUSH_ROUNDS="+strconv.Itoa(rounds), "ROOKERY_REQUIRE_CHROMIUM=1")
	if b, err := cmd.CombinedOutput(); err != nil {
		return measure.Figure{}, false, fmt.Errorf("readerbench: TestPushLatency: %w\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return measure.Figure{}, false, err
	}
	var ms []float64
	for _, line := range strings.Fields(string(b)) {
		v, err := strconv.ParseFloat(line, 64)
		if err != nil {
			return measure.Figure{}, false, fmt.Errorf("readerbench: %s: %w", out, err)
		}
		ms = append(ms, v)
	}
	return measure.Latency(section, "web view: a pushed post, stored by the reader → shown in an open timeline (chromium)", ms).
		Below(200, "p50 < 200 ms"), true, nil
}
