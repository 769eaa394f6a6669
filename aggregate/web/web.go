// Package web is the reader's web view, served by `reader serve` at / of
// its address: the timeline (unread posts marked, a live "N new posts" bar
// over Server-Sent Events), threads, notifications, search, following,
// blocks and mutes, an author's page, and compose (post, reply, quote,
// repost, like) through the user's feedpub site (an internal/act Writer).
//
// Pages are html/template rendered on the server and work without
// JavaScript; one small hand-written script (static/app.js) adds live
// updates and the keys j/k (move), o (open) and r (reply). Nothing is
// built: templates, CSS and script are embedded as they are.
//
// Security: remote HTML goes through the reader's sanitizer again when it
// is shown; every page carries a strict Content-Security-Policy (scripts
// and styles from this origin only, no inline script); remote images are
// loaded through the view's own image proxy (size-capped, through the
// SSRF-guarded client) or not at all; every state-changing request is a
// POST carrying a CSRF token; with Config.Secret set, every page but the
// login page asks for it once, then trusts a cookie. The daemon's push and
// Webmention endpoints are not part of the view and stay open.
package web

import (
	"crypto/rand"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/aggregate/sanitize"
	"github.com/rookery-social/rookery/internal/act"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Image settings (Config.Images).
const (
	ImagesProxy = "proxy" // remote images are loaded through /img, this reader's own proxy
	ImagesOff   = "off"   // remote images are not loaded; a link stands in for each
)

// Config configures the web view.
type Config struct {
	Reader *aggregate.Reader
	// Site writes the user's posts (compose, reply, quote, repost, like)
	// into their feedpub site; nil: the compose page says how to name one.
	Site act.Writer
	// Secret, when set, is asked for once by a login page before any page
	// is shown (then a cookie is trusted): `reader serve` sets one when it
	// listens beyond loopback.
	Secret string
	// SecureCookies marks cookies Secure (the view is reached over https).
	SecureCookies bool
	// Images is ImagesProxy (default) or ImagesOff.
	Images string
	// ImageClient fetches proxied images: the SSRF-guarded client.
	// Required with ImagesProxy.
	ImageClient *http.Client
	// MaxImageBytes caps one proxied image; default 5 MiB.
	MaxImageBytes int64
	// WebmentionURL, when set, is advertised (rel=webmention) on every page.
	WebmentionURL string
	// OnFollow is called after a follow from the web view (the daemon
	// subscribes at once); may be nil.
	OnFollow func()
	// Logger receives errors; default discards.
	Logger *slog.Logger
	// Key signs CSRF tokens, image URLs and the login cookie; default
	// random (cookies then last until the process ends).
	Key []byte
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Server is the web view.
type Server struct {
	cfg    Config
	r      *aggregate.Reader
	pages  map[string]*template.Template
	policy *sanitize.Policy
	log    *slog.Logger
	static http.Handler
}

// New checks cfg and parses the templates.
func New(cfg Config) (*Server, error) {
	if cfg.Reader == nil {
		return nil, fmt.Errorf("web: no reader")
	}
	if cfg.Images == "" {
		cfg.Images = ImagesProxy
	}
	if cfg.Images != ImagesProxy && cfg.Images != ImagesOff {
		return nil, fmt.Errorf("web: images %q: give %q or %q", cfg.Images, ImagesProxy, ImagesOff)
	}
	if cfg.Images == ImagesProxy && cfg.ImageClient == nil {
		return nil, fmt.Errorf("web: the image proxy needs a client")
	}
	if cfg.MaxImageBytes <= 0 {
		cfg.MaxImageBytes = 5 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if len(cfg.Key) == 0 {
		cfg.Key = make([]byte, 32)
		rand.Read(cfg.Key)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	sub, _ := fs.Sub(staticFS, "static")
	return &Server{cfg: cfg, r: cfg.Reader, pages: pages, policy: sanitize.New(), log: cfg.Logger,
		static: http.StripPrefix("/static/", http.FileServerFS(sub))}, nil
}

// Routes mounts the view on r:
//
//	GET  /            the timeline (?unread=1, ?before=CURSOR)
//	GET  /thread      a post's conversation (?id=ID|URL), with a reply form
//	GET  /notifications  mentions of and replies to me
//	GET  /search      full-text search (?q=, ?before=)
//	GET  /following   followed feeds with unread counts; follow, unfollow
//	GET  /blocks      blocks and mutes
//	GET  /author      an author's page (?feed=URL)
//	GET  /compose     write a post, a reply (?reply=ID) or a quote (?quote=ID)
//	GET  /events      Server-Sent Events: posts as they arrive (?after=ROWID)
//	GET  /img         the image proxy (?u=URL&s=SIGNATURE)
//	GET  /static/…    the stylesheet and the script
//	GET  /login, POST /login   the secret, when one is set
//	POST /read, /follow, /unfollow, /block, /unblock, /mute, /unmute,
//	     /compose, /act     every change, with a CSRF token
func (s *Server) Routes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(s.headers)
		r.Get("/static/*", s.serveStatic)
		r.Get("/login", s.loginPage)
		r.Post("/login", s.login)
		r.Group(func(r chi.Router) {
			r.Use(s.requireLogin, s.csrf)
			s.pageRoutes(r)
			s.actionRoutes(r)
		})
	})
}

func (s *Server) pageRoutes(r chi.Router) {
	r.Get("/", s.timeline)
	r.Get("/thread", s.thread)
	r.Get("/notifications", s.notifications)
	r.Get("/search", s.search)
	r.Get("/following", s.following)
	r.Get("/blocks", s.blocks)
	r.Get("/author", s.author)
	r.Get("/compose", s.composePage)
	r.Get("/events", s.events)
	r.Get("/img", s.imageProxy)
}

func (s *Server) actionRoutes(r chi.Router) {
	r.Post("/read", s.markRead)
	r.Post("/follow", s.follow)
	r.Post("/unfollow", s.unfollow)
	r.Post("/block", s.rule(s.r.Block, "blocked"))
	r.Post("/unblock", s.rule(s.r.Unblock, "unblocked"))
	r.Post("/mute", s.rule(s.r.Mute, "muted"))
	r.Post("/unmute", s.rule(s.r.Unmute, "unmuted"))
	r.Post("/compose", s.compose)
	r.Post("/act", s.act)
}

// Handler is the view alone on a router of its own (tests, tools).
func (s *Server) Handler() http.Handler {
	r := chi.NewRouter()
	s.Routes(r)
	return r
}

// csp is the Content-Security-Policy of every response of the view: no
// inline script, nothing from elsewhere.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// headers sets the security headers of every response of the view.
func (s *Server) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		if s.cfg.WebmentionURL != "" {
			h.Set("Link", "<"+s.cfg.WebmentionURL+`>; rel="webmention"`)
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache")
	s.static.ServeHTTP(w, r)
}
