package web

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html"

	"github.com/rookery-social/rookery/aggregate"
)

// pageNames are the templates/NAME.html files that define "content".
var pageNames = []string{"timeline", "thread", "list", "notifications", "following", "blocks", "author", "compose", "done", "error", "login"}

func parsePages() (map[string]*template.Template, error) {
	base, err := template.New("layout.html").Funcs(template.FuncMap{"item": item, "hasPrefix": strings.HasPrefix, "query": url.QueryEscape}).
		ParseFS(templateFS, "templates/layout.html", "templates/post.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// postItem is what the "post" template shows: a post and the page's
// CSRF token for its forms.
type postItem struct {
	P    postView
	CSRF string
	Site bool // acting through a site is configured
}

func item(csrf string, site bool, p postView) postItem { return postItem{P: p, CSRF: csrf, Site: site} }

// layout is what every page's frame shows.
type layout struct {
	Title  string
	Page   string // the template
	Tab    string // the path of the page, for the navigation's current tab
	CSRF   string
	Nav    bool   // the navigation (not on the login page)
	Unread string // unread posts in the timeline: "", "12", "999+"
	Site   bool   // a feedpub site is configured
	Body   any
}

// maxUnreadCount bounds the unread count of the navigation.
const maxUnreadCount = 999

// render writes page with body inside the layout, buffered: a template
// error becomes a 500, not half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, page, title string, body any) {
	l := layout{Title: title, Page: page, Tab: r.URL.Path, CSRF: token(r), Nav: page != "login", Site: s.cfg.Site != nil, Body: body}
	if l.Nav {
		l.Unread = s.unreadCount(r)
	}
	var buf bytes.Buffer
	if err := s.pages[page].ExecuteTemplate(&buf, "layout.html", l); err != nil {
		s.log.Error("web: rendering a page", "page", page, "err", err)
		http.Error(w, "unable to render this page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

func (s *Server) unreadCount(r *http.Request) string {
	n, err := s.r.Unread(r.Context(), maxUnreadCount+1)
	switch {
	case err != nil || n == 0:
		return ""
	case n > maxUnreadCount:
		return fmt.Sprintf("%d+", maxUnreadCount)
	}
	return fmt.Sprint(n)
}

// fail shows an error page with status code.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, code int, err error) {
	if code >= 500 {
		s.log.Error("web: request failed", "path", r.URL.Path, "err", err)
	}
	w.WriteHeader(code)
	s.render(w, r, "error", "Error", err.Error())
}

// postView is a post as the templates show it.
type postView struct {
	aggregate.Post
	Who    string        // @nick, else the feed's title, else its URL
	Body   template.HTML // the content, sanitized again, images rewritten
	When   string        // the publication time, short
	Key    string        // the post's id, else its permalink: what links and forms name it by
	Link   string        // the permalink, else ""
	Depth  int           // in a thread: 0 for the root, capped at maxDepth
	Author string        // the author's name when it differs from Who
}

const maxDepth = 6

func (s *Server) views(posts []aggregate.Post) []postView {
	out := make([]postView, 0, len(posts))
	for _, p := range posts {
		out = append(out, s.view(p))
	}
	return out
}

func (s *Server) view(p aggregate.Post) postView {
	v := postView{Post: p, Who: who(p), Body: s.content(p.HTML, cmp.Or(p.URL, p.Feed)), Key: p.ID, Link: p.URL, Depth: min(p.Depth, maxDepth)}
	if v.Key == "" {
		v.Key = p.URL
	}
	if p.Author != "" && p.Author != v.Who && "@"+p.Author != v.Who {
		v.Author = p.Author
	}
	v.When = shortTime(p.Published)
	return v
}

// shortTime is an RFC 3339 time as the pages show it, in local time.
func shortTime(rfc string) string {
	t, err := time.Parse(time.RFC3339, rfc)
	if err != nil {
		return rfc
	}
	return t.Local().Format("2 Jan 2006 15:04")
}

func who(p aggregate.Post) string {
	switch {
	case p.Nick != "":
		return "@" + p.Nick
	case p.FeedTitle != "":
		return p.FeedTitle
	}
	return p.Feed
}

// content sanitizes remote HTML again with the reader's policy, then
// sends each image through the proxy, or turns it into a link when images
// are off.
func (s *Server) content(raw, base string) template.HTML {
	clean, _ := s.policy.HTML(raw, base)
	if !strings.Contains(clean, "<img") {
		return template.HTML(clean)
	}
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(clean))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		raw := z.Raw()
		if (tt == html.StartTagToken || tt == html.SelfClosingTagToken) && isImg(raw) {
			b.WriteString(s.image(z.Token()))
			continue
		}
		b.Write(raw)
	}
	return template.HTML(b.String())
}

// isImg reports whether a start tag of sanitized (lower-case) HTML is
// an <img>.
func isImg(raw []byte) bool {
	return len(raw) > 4 && string(raw[:4]) == "<img" && strings.IndexByte(" />", raw[4]) >= 0
}

// image is an <img> of sanitized content as the view shows it.
func (s *Server) image(t html.Token) string {
	var src, alt string
	kept := t.Attr[:0]
	for _, a := range t.Attr {
		switch a.Key {
		case "src":
			src = a.Val
		case "alt":
			alt = a.Val
			kept = append(kept, a)
		case "srcset", "sizes", "loading":
		default:
			kept = append(kept, a)
		}
	}
	if src == "" {
		return ""
	}
	if s.cfg.Images == ImagesOff {
		label := "image"
		if alt != "" {
			label = "image: " + alt
		}
		return `<a class="img-off" href="` + html.EscapeString(src) + `">[` + html.EscapeString(label) + `]</a>`
	}
	t.Attr = append(kept, html.Attribute{Key: "src", Val: s.proxyURL(src)}, html.Attribute{Key: "loading", Val: "lazy"})
	return t.String()
}

// proxyURL is the image proxy's URL for a remote image, signed so that
// the proxy fetches only what the view itself links to.
func (s *Server) proxyURL(src string) string {
	return "/img?u=" + url.QueryEscape(src) + "&s=" + s.sign("img", src)
}
