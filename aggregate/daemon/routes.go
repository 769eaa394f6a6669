package daemon

import (
	"html/template"
	"net"
	"net/http"
	"net/netip"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/rookery-social/rookery/internal/websub"
)

// Handler returns the daemon's routes:
//
//	GET  /                 the web view (Config.Web) and its pages, else a
//	                       small page advertising the Webmention endpoint
//	POST /webmention       the Webmention receiver, rate-limited per address
//	GET  /webmention       a page saying what the endpoint is
//	GET  /websub/{id}      WebSub verifications of intent
//	POST /websub/{id}      WebSub content deliveries
//	GET  /rsscloud/notify  rssCloud registration checks (url, challenge)
//	POST /rsscloud/notify  rssCloud notifications (url=FEED)
//	GET  /healthz          200 "ok" when the database answers
//	POST /-/sync           (loopback clients only) sync subscriptions now,
//	                       so that a `reader follow` subscribes at once
//
// HEAD is answered wherever GET is.
func (d *Daemon) Handler() http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.Recoverer, middleware.GetHead)
	if d.cfg.Web != nil {
		d.cfg.Web.Routes(r)
	} else {
		r.Get("/", d.home)
	}
	r.Get("/healthz", d.healthz)
	r.Post("/-/sync", d.syncHandler)
	d.sub.Routes(r)
	if d.cloud != nil {
		d.cloud.Routes(r)
	}
	r.With(d.limited).Group(d.wm.Routes)
	return r
}

var homePage = template.Must(template.New("home").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Rookery reader</title>
<link rel="webmention" href="{{.}}"></head>
<body><h1>Rookery reader</h1>
<p>This is a <a href="https://github.com/rookery-social/rookery">Rookery</a> reader daemon.
It takes WebSub deliveries for the feeds its owner follows and
<a href="{{.}}">Webmentions</a> for the owner's posts.</p></body></html>
`))

// limited answers 429 to a source address that sends Webmentions faster
// than Config.WebmentionRate allows: strangers may post there, and each
// accepted one costs a fetch.
func (d *Daemon) limited(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && !d.limiter.Allow(r.RemoteAddr) {
			w.Header().Set("Retry-After", "60")
			http.Error(w, "too many Webmentions from your address; try again later", http.StatusTooManyRequests)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (d *Daemon) webmentionURL() string { return d.cfg.BaseURL + "/webmention" }

func (d *Daemon) home(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Link", websub.FormatLink(d.webmentionURL(), "webmention"))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	homePage.Execute(w, d.webmentionURL())
}

func (d *Daemon) healthz(w http.ResponseWriter, r *http.Request) {
	if err := d.db.PingContext(r.Context()); err != nil {
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// syncHandler lets local commands ask for a sync. Only loopback clients
// may (behind a local proxy every client looks local; a sync is
// idempotent and cheap, so that is harmless).
func (d *Daemon) syncHandler(w http.ResponseWriter, r *http.Request) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	ip, perr := netip.ParseAddr(host)
	if err != nil || perr != nil || !ip.Unmap().IsLoopback() {
		http.Error(w, "only local clients may ask for a sync", http.StatusForbidden)
		return
	}
	d.TriggerSync()
	w.WriteHeader(http.StatusAccepted)
}
