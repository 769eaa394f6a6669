package hub

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rookery-social/rookery/hub/store"
	"github.com/rookery-social/rookery/internal/ratelimit"
	"github.com/rookery-social/rookery/internal/websub"
)

// Handler returns the hub's HTTP interface: POST / (subscribe, unsubscribe,
// publish), POST /pleaseNotify and /ping (rssCloud), GET / (landing page),
// /healthz, /metrics, /subscription and /track (tracked topics).
func (h *Hub) Handler() http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.Recoverer)
	r.Post("/", h.handlePost)
	r.Post("/pleaseNotify", h.handlePleaseNotify)
	r.Post("/ping", h.handleCloudPing)
	r.Get("/", h.handleLanding)
	r.Get("/healthz", h.handleHealth)
	r.With(h.rateLimited).Get("/subscription", h.handleSubscription)
	r.With(h.rateLimited).Get("/track", h.handleTrack)
	r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(h.metrics.reg, promhttp.HandlerOpts{}))
	return r
}

// handlePost answers subscription and publish requests at once (202); the
// verification of intent and the topic fetch happen later.
func (h *Hub) handlePost(w http.ResponseWriter, r *http.Request) {
	req, status, err := h.readRequest(w, r)
	if err == nil {
		status, err = h.accept(r, req)
	}
	h.metrics.requests.WithLabelValues(metricMode(req.Mode), strconv.Itoa(status)).Inc()
	if err != nil {
		http.Error(w, err.Error(), status)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, acceptedText(req))
}

// rateLimited applies the per-source-IP rate limit to a handler.
func (h *Hub) rateLimited(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h.limit(w, r, h.limiter); err != nil {
			http.Error(w, err.Error(), http.StatusTooManyRequests)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// errTooMany is the text of every 429.
var errTooMany = errors.New("hub: too many requests from your address: retry after the seconds in Retry-After")

// limit counts a request of r's source address against l; over the limit
// it sets Retry-After (the whole seconds until l allows one again) and
// returns errTooMany.
func (h *Hub) limit(w http.ResponseWriter, r *http.Request, l *ratelimit.PerIP) error {
	ok, wait := l.Check(r.RemoteAddr)
	if ok {
		return nil
	}
	w.Header().Set("Retry-After", ratelimit.RetryAfter(wait))
	return errTooMany
}

// readRequest reads the form (within the body limit), applies the rate
// limit of its mode and parses it. Subscription requests are counted
// apart from publish pings; anything that is not a subscription request,
// unreadable ones included, counts as a ping.
func (h *Hub) readRequest(w http.ResponseWriter, r *http.Request) (request, int, error) {
	status, err := h.readForm(w, r)
	mode := r.Form.Get(websub.ParamMode)
	l := h.limiter
	if err == nil && (mode == websub.ModeSubscribe || mode == websub.ModeUnsubscribe) {
		l = h.subLimit
	}
	if lerr := h.limit(w, r, l); lerr != nil {
		return request{Mode: mode}, http.StatusTooManyRequests, lerr
	}
	if err != nil {
		return request{}, status, err
	}
	req, err := parseRequest(r.Form)
	if err != nil {
		return req, http.StatusBadRequest, err
	}
	return req, http.StatusAccepted, nil
}

// readForm checks the content type and reads the form within the body limit.
func (h *Hub) readForm(w http.ResponseWriter, r *http.Request) (int, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		return http.StatusUnsupportedMediaType,
			errors.New("hub: send the request as a form: Content-Type: application/x-www-form-urlencoded")
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxRequestBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return http.StatusRequestEntityTooLarge, fmt.Errorf("hub: request body over %d bytes", h.cfg.MaxRequestBytes)
		}
		return http.StatusBadRequest, fmt.Errorf("hub: unreadable form: %w", err)
	}
	return http.StatusAccepted, nil
}

// accept records a valid request durably.
func (h *Hub) accept(r *http.Request, req request) (int, error) {
	now := h.now()
	if req.Mode == websub.ModePublish {
		for _, t := range req.Topics {
			if _, err := h.requestFetch(r.Context(), t, now); err != nil {
				h.log.Error("hub: queueing fetch", "topic", t, "err", err)
				return http.StatusServiceUnavailable, errors.New("hub: could not queue the fetch: try again later")
			}
		}
		wake(h.fetchWake)
		return http.StatusAccepted, nil
	}
	_, err := h.store.AddVerification(r.Context(), store.Verification{
		Mode: req.Mode, Topic: req.Topic, Callback: req.Callback, Secret: req.Secret,
		LeaseSeconds: h.cfg.clampLease(req.LeaseSeconds), CreatedAt: now,
	})
	if err != nil {
		h.log.Error("hub: queueing verification", "topic", req.Topic, "callback", req.Callback, "err", err)
		return http.StatusServiceUnavailable, errors.New("hub: could not queue the request: try again later")
	}
	wake(h.verifyWake)
	return http.StatusAccepted, nil
}

func acceptedText(req request) string {
	if req.Mode == websub.ModePublish {
		return "Accepted: the topic will be fetched and any new content delivered to its subscribers."
	}
	return "Accepted: the hub will now verify your intent with a GET to your callback."
}

func metricMode(mode string) string {
	switch mode {
	case websub.ModeSubscribe, websub.ModeUnsubscribe, websub.ModePublish:
		return mode
	}
	return "invalid"
}

// handleHealth answers 200 when the store answers a read of each table the
// workers use and no repeating task (claims, result commits, sweeps)
// failed its last run; else 503 with the reason.
func (h *Hub) handleHealth(w http.ResponseWriter, r *http.Request) {
	if err := h.store.Ping(r.Context()); err != nil {
		http.Error(w, "store unavailable: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	if err := h.errs.failures(); err != nil {
		http.Error(w, "unhealthy: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}
