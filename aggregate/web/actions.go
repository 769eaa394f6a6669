package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/internal/act"
)

// back is the local page a form asks to return to, else fallback: only
// a path of this site, never another origin.
func back(r *http.Request, fallback string) string {
	b := r.PostForm.Get("back")
	if !strings.HasPrefix(b, "/") || strings.HasPrefix(b, "//") || strings.Contains(b, `\`) {
		return fallback
	}
	return b
}

// markRead marks one post read (id), or every post that arrived up to
// the page's newest (upto).
func (s *Server) markRead(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var err error
	if id := r.PostForm.Get("id"); id != "" {
		_, err = s.r.MarkRead(ctx, id)
	} else {
		upto, perr := strconv.ParseInt(r.PostForm.Get("upto"), 10, 64)
		if perr != nil || upto <= 0 {
			s.fail(w, r, http.StatusBadRequest, errors.New("mark read: which posts? (no upto)"))
			return
		}
		_, err = s.r.MarkAllRead(ctx, aggregate.ReadScope{UpTo: upto})
	}
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err)
		return
	}
	http.Redirect(w, r, back(r, "/"), http.StatusSeeOther)
}

func (s *Server) follow(w http.ResponseWriter, r *http.Request) {
	u := strings.TrimSpace(r.PostForm.Get("url"))
	if u == "" {
		s.fail(w, r, http.StatusBadRequest, errors.New("follow: give the address of a feed or of a page that links to one"))
		return
	}
	if _, err := s.r.Follow(r.Context(), u, strings.TrimSpace(r.PostForm.Get("nick")), nil); err != nil {
		s.fail(w, r, http.StatusBadRequest, err)
		return
	}
	if s.cfg.OnFollow != nil {
		s.cfg.OnFollow()
	}
	http.Redirect(w, r, back(r, "/following"), http.StatusSeeOther)
}

func (s *Server) unfollow(w http.ResponseWriter, r *http.Request) {
	if _, err := s.r.Unfollow(r.Context(), r.PostForm.Get("feed")); err != nil {
		s.fail(w, r, http.StatusBadRequest, err)
		return
	}
	if s.cfg.OnFollow != nil {
		s.cfg.OnFollow()
	}
	http.Redirect(w, r, back(r, "/following"), http.StatusSeeOther)
}

// rule handles a block, unblock, mute or unmute of the form's value.
func (s *Server) rule(do func(context.Context, string) (aggregate.Rule, error), verb string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := do(r.Context(), strings.TrimSpace(r.PostForm.Get("value"))); err != nil {
			s.fail(w, r, http.StatusBadRequest, fmt.Errorf("not %s: %w", verb, err))
			return
		}
		http.Redirect(w, r, back(r, "/blocks"), http.StatusSeeOther)
	}
}

type composeData struct {
	Kind    act.Kind
	Target  postView // the post replied to or quoted (zero: none)
	NoSite  string   // why nothing can be written, when no site is configured
	Heading string
}

// composePage is the form for a post, a reply (?reply=ID) or a quote
// (?quote=ID).
func (s *Server) composePage(w http.ResponseWriter, r *http.Request) {
	d := composeData{Kind: act.Post, Heading: "New post"}
	q := r.URL.Query()
	key := ""
	switch {
	case q.Get("reply") != "":
		d.Kind, d.Heading, key = act.Reply, "Reply", q.Get("reply")
	case q.Get("quote") != "":
		d.Kind, d.Heading, key = act.Quote, "Quote", q.Get("quote")
	}
	if key != "" {
		p, err := s.r.Post(r.Context(), key)
		if err != nil {
			s.fail(w, r, http.StatusNotFound, err)
			return
		}
		d.Target = s.view(p)
	}
	if s.cfg.Site == nil {
		d.NoSite = act.ErrNoSite.Error()
	}
	s.render(w, r, "compose", d.Heading, d)
}

// compose writes a post, a reply or a quote with the form's text.
func (s *Server) compose(w http.ResponseWriter, r *http.Request) {
	s.do(w, r, act.Kind(r.PostForm.Get("kind")), r.PostForm.Get("text"))
}

// act reposts or likes the form's post.
func (s *Server) act(w http.ResponseWriter, r *http.Request) {
	kind := act.Kind(r.PostForm.Get("kind"))
	if kind != act.Repost && kind != act.Like {
		s.fail(w, r, http.StatusBadRequest, fmt.Errorf("unknown action %q", kind))
		return
	}
	s.do(w, r, kind, "")
}

type doneData struct {
	Kind      act.Kind
	Path      string
	Published bool
	Back      string
}

// do writes the action's post through the site and says what it did.
func (s *Server) do(w http.ResponseWriter, r *http.Request, kind act.Kind, text string) {
	a := act.Action{Kind: kind, Text: text, Publish: r.PostForm.Get("publish") != ""}
	if key := r.PostForm.Get("target"); key != "" {
		p, err := s.r.Post(r.Context(), key)
		if err != nil {
			s.fail(w, r, http.StatusNotFound, err)
			return
		}
		if a.Target = p.URL; a.Target == "" {
			s.fail(w, r, http.StatusBadRequest, fmt.Errorf("post %q has no permalink to answer", key))
			return
		}
	}
	res, err := act.Result{}, act.ErrNoSite
	if s.cfg.Site != nil {
		res, err = s.cfg.Site.Do(r.Context(), a)
	}
	if err != nil {
		code := http.StatusBadRequest
		if errors.Is(err, act.ErrNoSite) {
			code = http.StatusConflict
		}
		s.fail(w, r, code, err)
		return
	}
	s.render(w, r, "done", "Done", doneData{Kind: kind, Path: res.Path, Published: res.Published, Back: back(r, "/")})
}
