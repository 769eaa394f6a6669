package cli_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/aggregate/daemon/daemontest"
	"github.com/rookery-social/rookery/aggregate/subscriber"
	"github.com/rookery-social/rookery/internal/safehttp"
	"github.com/rookery-social/rookery/internal/testwait"
)

// TestFollowingShowsPushState: four feeds, on a hub that accepts, a hub
// that asks to wait an hour, a hub that denies, and no hub. After the
// subscriber of `reader serve` has synced them, `reader following` says
// for each whether it is on push and why.
func TestFollowingShowsPushState(t *testing.T) {
	e := newEnv(t)
	ok, busy, deny := daemontest.NewHub(t, 3600), daemontest.NewHub(t, 3600), daemontest.NewHub(t, 3600)
	busy.Busy(0, http.StatusTooManyRequests, time.Hour, false, 0)
	deny.SetDeny(true)
	hubs := map[string]string{"ok": ok.URL, "busy": busy.URL, "deny": deny.URL, "nohub": ""}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	feeds := map[string]string{}
	for name, hub := range hubs {
		u := srv.URL + "/" + name + ".atom"
		link := ""
		if hub != "" {
			link = `<link rel="hub" href="` + hub + `"/>`
		}
		doc := `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>` + name + `</title><id>` + u + `</id>
			<updated>2030-12-30T00:00:00Z</updated><link rel="self" href="` + u + `"/>` + link + `</feed>`
		mux.HandleFunc("/"+name+".atom", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/atom+xml")
			fmt.Fprint(w, doc)
		})
		feeds[name] = u
		e.ok("follow", u, "--nick", name)
	}
	for _, f := range e.jsonList("following", "--json") {
		if f["push"] != "none" {
			t.Errorf("before reader serve ran: %s push %v, want none", f["nick"], f["push"])
		}
	}

	syncSubscriptions(t, e.db, func(subs []subscriber.Subscription) bool {
		states := map[string]string{}
		for _, s := range subs {
			states[s.Hub] = s.State
		}
		return states[ok.URL] == subscriber.StateActive && states[deny.URL] == subscriber.StateDenied
	})

	want := map[string][2]string{
		"ok":    {"subscribed", "subscribed until 20"},
		"busy":  {"pending", "waiting for hub " + busy.URL + ": it answered 429 Too Many Requests"},
		"deny":  {"refused", "refused: denied by hub: not allowed here"},
		"nohub": {"none", "the feed names no hub"},
	}
	for _, f := range e.jsonList("following", "--json") {
		w := want[f["nick"].(string)]
		detail, _ := f["push_detail"].(string)
		if f["push"] != w[0] || !strings.Contains(detail, w[1]) {
			t.Errorf("%s: push %v, push_detail %q; want %s, with %q", f["nick"], f["push"], detail, w[0], w[1])
		}
		if f["nick"] == "busy" && !strings.Contains(detail, "next request at 20") {
			t.Errorf("busy: push_detail %q does not say when the next request goes", detail)
		}
	}
	text := e.ok("following")
	if !strings.Contains(text, "push: subscribed until") || !strings.Contains(text, "push: refused: denied by hub") {
		t.Errorf("following text lacks the push lines:\n%s", text)
	}
}

// syncSubscriptions runs the subscriber of `reader serve` on the
// database at dbPath, with its callbacks on loopback, until its
// subscriptions are done.
func syncSubscriptions(t *testing.T, dbPath string, done func([]subscriber.Subscription) bool) {
	t.Helper()
	ctx := context.Background()
	r, err := aggregate.Open(ctx, dbPath, aggregate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var h http.Handler = http.NotFoundHandler()
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	defer cb.Close()
	sub, err := subscriber.New(r.DB(), r, subscriber.Config{BaseURL: cb.URL,
		Client: safehttp.NewClient(safehttp.Options{AllowPrivate: true, Timeout: 10 * time.Second})})
	if err != nil {
		t.Fatal(err)
	}
	routes := chi.NewRouter()
	sub.Routes(routes)
	h = routes
	if err := sub.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	testwait.Until(t, 10*time.Second, "the hubs to verify or deny", func() bool {
		subs, err := sub.List(ctx)
		return err == nil && done(subs)
	})
}
