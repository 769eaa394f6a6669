package webmention_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rookery-social/rookery/aggregate/daemon/daemontest"
	"github.com/rookery-social/rookery/aggregate/webmention"
	"github.com/rookery-social/rookery/internal/safehttp"
	"github.com/rookery-social/rookery/internal/sqlitedb"
)

// logBuf is a log destination safe for concurrent writes.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// lines returns the log lines holding s.
func (l *logBuf) lines(s string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range strings.Split(l.b.String(), "\n") {
		if strings.Contains(line, s) {
			out = append(out, line)
		}
	}
	return out
}

func setupBounded(t *testing.T, perHost int) (*env, *logBuf) {
	t.Helper()
	db, err := sqlitedb.Open(filepath.Join(t.TempDir(), "reader.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	logs := &logBuf{}
	e := &env{store: daemontest.New(me), now: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}
	client := safehttp.NewClient(safehttp.Options{AllowPrivate: true, Timeout: 5 * time.Second})
	e.recv, err = webmention.New(db, e.store, webmention.Config{Client: client, Now: e.clock,
		Logger: slog.New(slog.NewTextHandler(logs, nil)), PerHostPerHour: perHost})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(e.recv.Handler())
	t.Cleanup(e.srv.Close)
	return e, logs
}

func (e *env) processAll(t *testing.T) {
	t.Helper()
	for range 100 {
		n, err := e.recv.ProcessDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("the queue never emptied")
}

// TestVariantsOfOnePageAreOneMention: one page sent under many URLs
// (?m=1, ?m=2 …) is stored once, and the drops are logged with a count.
func TestVariantsOfOnePageAreOneMention(t *testing.T) {
	e, logs := setupBounded(t, 1000)
	s := newSite(t)
	page := s.page("/notes/7", "text/html", `<!doctype html><html><body><div class="h-entry">
<div class="e-content">Spam about <a href="`+target+`">this</a>.</div></div></body></html>`)
	for i := 1; i <= 50; i++ {
		if code, body := e.post(t, fmt.Sprintf("%s?m=%d", page, i), target); code != http.StatusAccepted {
			t.Fatalf("POST %d: %d %s", i, code, body)
		}
	}
	e.processAll(t)
	if n, ms := e.store.PostCount(), e.store.Mentions(); n != 1 || len(ms) != 1 {
		t.Fatalf("50 variants of one page stored %d posts and %d mentions, want 1 and 1", n, len(ms))
	}
	lines := logs.lines("the same page")
	if len(lines) != 1 || !strings.Contains(lines[0], "count=1") || !strings.Contains(lines[0], "source_host=127.0.0.1") {
		t.Fatalf("drop log lines %q, want one (one per reason, host and minute)", lines)
	}
	e.advance(time.Minute)
	e.post(t, page+"?m=51", target)
	e.processAll(t)
	if lines := logs.lines("the same page as a Webmention already stored"); len(lines) != 2 || !strings.Contains(lines[1], "count=49") {
		t.Fatalf("drop log lines after a minute %q, want a second with the 49 drops since the first", lines)
	}
}

// TestSourceHostOverItsHourlyBound: past the bound, a host's Webmentions
// are refused (and logged) until the hour has passed.
func TestSourceHostOverItsHourlyBound(t *testing.T) {
	e, logs := setupBounded(t, 3)
	s := newSite(t)
	for i := 1; i <= 10; i++ {
		src := s.page(fmt.Sprintf("/p/%d", i), "text/html", fmt.Sprintf(`<div class="h-entry"><p class="e-content">%d <a href="%s">x</a></p></div>`, i, target))
		code, body := e.post(t, src, target)
		if want := map[bool]int{true: 202, false: 429}[i <= 3]; code != want {
			t.Fatalf("Webmention %d from the same host: %d %s, want %d", i, code, body, want)
		}
	}
	e.processAll(t)
	if n := len(e.store.Mentions()); n != 3 {
		t.Fatalf("stored %d mentions from one host, want its bound of 3", n)
	}
	lines := logs.lines("over the hourly bound of Webmentions per source host")
	if len(lines) != 1 || !strings.Contains(lines[0], "source_host=127.0.0.1") || !strings.Contains(lines[0], "limit_per_host_per_hour=3") {
		t.Fatalf("drop log lines %q, want one naming the host and the bound", lines)
	}
	e.advance(61 * time.Minute)
	if code, body := e.post(t, s.page("/p/11", "text/html", `<div class="h-entry"><p class="e-content"><a href="`+target+`">x</a></p></div>`), target); code != 202 {
		t.Fatalf("an hour later: %d %s, want 202", code, body)
	}
}
