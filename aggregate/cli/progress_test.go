package cli

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Long work (an import that fetches many feeds, fetch of all) draws
// progress on a terminal and writes nothing to stderr otherwise.
func TestProgressOnlyOnATerminal(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>%s</title><id>urn:%s</id>
			<updated>2031-01-01T00:00:00Z</updated></feed>`, r.URL.Path, r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	var list strings.Builder
	list.WriteString(`<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>`)
	for i := range 12 {
		fmt.Fprintf(&list, `<outline text="f%d" xmlUrl="%s/f%d.atom"/>`, i, srv.URL, i)
	}
	list.WriteString(`</body></opml>`)
	path := filepath.Join(t.TempDir(), "many.opml")
	os.WriteFile(path, []byte(list.String()), 0o600)

	for _, terminal := range []bool{true, false} {
		db := filepath.Join(t.TempDir(), "r.db")
		for _, args := range [][]string{{"import", path}, {"fetch"}} {
			var out, errs bytes.Buffer
			a := &App{Stdout: &out, Stderr: &errs, Getenv: func(string) string { return "" }, Terminal: terminal}
			if code := a.Run(context.Background(), append([]string{"--db", db}, args...)); code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, errs.String())
			}
			drawn := strings.Contains(errs.String(), "\r\x1b[Kfetching [") && strings.Contains(errs.String(), "12/12")
			if terminal && (!drawn || !strings.HasSuffix(errs.String(), "\r\x1b[K")) {
				t.Errorf("%v on a terminal: no progress drawn and cleared: %q", args, errs.String())
			}
			if !terminal && errs.Len() != 0 {
				t.Errorf("%v not on a terminal: stderr %q, want nothing", args, errs.String())
			}
			if !strings.Contains(out.String(), "fetched 12 feeds") {
				t.Errorf("%v: stdout %q", args, out.String())
			}
		}
	}
}
