package webmention

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/rookery-social/rookery/internal/safehttp"
)

// Routes adds the endpoint to m: POST /webmention (receive) and
// GET /webmention (a short page saying what the endpoint is).
func (r *Receiver) Routes(m chi.Router) {
	m.Post("/webmention", r.receive)
	m.Get("/webmention", page)
}

// receive validates a Webmention request synchronously and queues it
// (W3C Webmention §3.2.1): 400 with a plain reason for bad parameters or a
// target that is not on my site, 202 Accepted once queued.
func (r *Receiver) receive(w http.ResponseWriter, req *http.Request) {
	req.Body = http.MaxBytesReader(w, req.Body, maxFormBytes)
	if err := req.ParseForm(); err != nil {
		http.Error(w, "webmention: cannot read the form: send source and target as application/x-www-form-urlencoded", http.StatusBadRequest)
		return
	}
	source, target := req.PostForm.Get("source"), req.PostForm.Get("target")
	if msg := r.validate(req, source, target); msg != "" {
		r.log.Info("webmention refused", "source", source, "target", target, "reason", msg)
		http.Error(w, "webmention: "+msg, http.StatusBadRequest)
		return
	}
	if n, err := r.queued(req.Context()); err != nil || n >= maxQueued {
		w.Header().Set("Retry-After", "600")
		http.Error(w, "webmention: too many Webmentions waiting; try again later", http.StatusServiceUnavailable)
		return
	}
	host := hostOf(source)
	if n, err := r.fromHostLastHour(req.Context(), host); err != nil || n >= r.cfg.PerHostPerHour {
		if err == nil {
			r.dropped("over the hourly bound of Webmentions per source host", host)
		}
		w.Header().Set("Retry-After", "3600")
		http.Error(w, fmt.Sprintf("webmention: too many Webmentions from %s in the last hour; try again later", host), http.StatusTooManyRequests)
		return
	}
	if err := r.enqueue(req.Context(), source, target); err != nil {
		r.log.Error("queueing a webmention", "err", err)
		http.Error(w, "webmention: cannot queue it now; try again later", http.StatusServiceUnavailable)
		return
	}
	r.log.Info("webmention queued", "source", source, "target", target)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusAccepted)
	fmt.Fprintln(w, "Webmention accepted; the source will be checked shortly.")
}

// validate returns why source/target are unacceptable, or "".
func (r *Receiver) validate(req *http.Request, source, target string) string {
	if source == "" || target == "" {
		return "both source and target are required"
	}
	if _, err := safehttp.ParseURL(source); err != nil {
		return "source must be an absolute http or https URL"
	}
	t, err := safehttp.ParseURL(target)
	if err != nil {
		return "target must be an absolute http or https URL"
	}
	if source == target {
		return "source and target are the same URL"
	}
	me, err := r.store.Me(req.Context())
	if err != nil || me == "" {
		return "this receiver has no owner yet, so no target is accepted (its owner must run reader init --me)"
	}
	m, err := url.Parse(me)
	if err != nil || origin(m) != origin(t) {
		return fmt.Sprintf("target %s is not on this site: only URLs under %s are accepted", target, origin(m))
	}
	return ""
}

// origin is scheme://host[:port] with the default port dropped, lowercase.
func origin(u *url.URL) string {
	if u == nil {
		return ""
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	switch {
	case port != "":
		host = net.JoinHostPort(host, port)
	case strings.Contains(host, ":"):
		host = "[" + host + "]"
	}
	return scheme + "://" + host
}

const pageHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Webmention endpoint</title></head>
<body><h1>Webmention endpoint</h1>
<p>This is a <a href="https://www.w3.org/TR/webmention/">W3C Webmention</a> receiver.
To tell this site that your page links to one of its pages, POST
<code>source</code> (your page) and <code>target</code> (the page on this site)
as a form. The link is checked before anything is shown.</p>
<form method="post"><label>source <input name="source" type="url" required></label>
<label>target <input name="target" type="url" required></label>
<button>Send Webmention</button></form>
</body></html>
`

func page(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(pageHTML))
}
