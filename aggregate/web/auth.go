package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
)

const (
	csrfCookie = "rookery_csrf"
	authCookie = "rookery_auth"
	csrfField  = "csrf"
	// maxForm caps the body of a POST (a post's text is well under it).
	maxForm = 256 << 10
)

type ctxKey int

const tokenKey ctxKey = 0

// sign is a MAC of the parts under the view's key, URL-safe.
func (s *Server) sign(parts ...string) string {
	m := hmac.New(sha256.New, s.cfg.Key)
	m.Write([]byte(strings.Join(parts, "\x00")))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

func same(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// csrf gives every browser a random id in a cookie and its pages a token
// derived from it; a POST whose form token does not match is refused.
// Another site can make a browser POST here, but cannot read the token.
func (s *Server) csrf(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := s.browserID(w, r)
		if r.Method == http.MethodPost && !s.validToken(w, r, id) {
			http.Error(w, "this form is missing its CSRF token or it is stale: reload the page and try again", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenKey, s.sign("csrf", id))))
	})
}

// browserID is the browser's CSRF cookie, set now when it has none.
func (s *Server) browserID(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 16 {
		return c.Value
	}
	b := make([]byte, 18)
	rand.Read(b)
	id := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.cfg.SecureCookies})
	return id
}

func (s *Server) validToken(w http.ResponseWriter, r *http.Request, id string) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return false
	}
	got := r.PostForm.Get(csrfField)
	return got != "" && same(got, s.sign("csrf", id))
}

// token is the CSRF token of the request's browser.
func token(r *http.Request) string {
	t, _ := r.Context().Value(tokenKey).(string)
	return t
}

// requireLogin lets a request through when no secret is set or its
// browser logged in; otherwise pages go to the login page and the rest
// is refused.
func (s *Server) requireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.loggedIn(r) {
			next.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodGet && r.URL.Path != "/events" && r.URL.Path != "/img" {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		http.Error(w, "log in first: open / and give the secret reader serve printed", http.StatusUnauthorized)
	})
}

func (s *Server) loggedIn(r *http.Request) bool {
	if s.cfg.Secret == "" {
		return true
	}
	c, err := r.Cookie(authCookie)
	return err == nil && same(c.Value, s.sign("auth", s.cfg.Secret))
}

type loginData struct {
	Failed bool
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if s.loggedIn(r) {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.csrf(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, "login", "Log in", loginData{})
	})).ServeHTTP(w, r)
}

// login checks the secret (with a CSRF token: a stranger's page must not
// log a browser in) and sets the login cookie.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	s.csrf(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Secret == "" || !same(strings.TrimSpace(r.PostForm.Get("secret")), s.cfg.Secret) {
			w.WriteHeader(http.StatusUnauthorized)
			s.render(w, r, "login", "Log in", loginData{Failed: s.cfg.Secret != ""})
			return
		}
		http.SetCookie(w, &http.Cookie{Name: authCookie, Value: s.sign("auth", s.cfg.Secret), Path: "/",
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies, MaxAge: 400 * 24 * 3600})
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})).ServeHTTP(w, r)
}
