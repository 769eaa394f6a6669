package site

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/rookery-social/rookery/publish"
)

//go:embed theme/*.html theme/style.css
var themeFS embed.FS

// theme holds the parsed templates; parse once, execute concurrently.
type theme struct {
	index, post *template.Template
	css         template.CSS
	key         string // identifies the theme files and output format
}

func loadTheme() (*theme, error) {
	css, err := themeFS.ReadFile("theme/style.css")
	if err != nil {
		return nil, fmt.Errorf("loading the theme: %w", err)
	}
	t := &theme{css: template.CSS(css), key: formatVersion}
	files, err := fs.Glob(themeFS, "theme/*")
	if err != nil {
		return nil, fmt.Errorf("loading the theme: %w", err)
	}
	for _, f := range files {
		data, _ := themeFS.ReadFile(f)
		t.key = hashKey(t.key, f, string(data))
	}
	if t.index, err = parsePage("index.html"); err != nil {
		return nil, fmt.Errorf("loading the theme: %w", err)
	}
	if t.post, err = parsePage("post.html"); err != nil {
		return nil, fmt.Errorf("loading the theme: %w", err)
	}
	return t, nil
}

// parsePage parses theme/NAME with the shared layout; executing the result
// renders NAME.
func parsePage(name string) (*template.Template, error) {
	t, err := template.ParseFS(themeFS, "theme/"+name, "theme/layout.html")
	if err != nil {
		return nil, err
	}
	return t.Lookup(name), nil
}

// siteInfo is what the layout shows about the site.
type siteInfo struct {
	Title, Author, URL       string
	FeedURL, RSSURL, JSONURL string
	Hubs                     []string
	Webmention               string
	LikesURL, Avatar, Bio    string
}

// pageData is the data of one HTML page.
type pageData struct {
	Site         *siteInfo
	Shared       *shared
	PageTitle    string
	Canonical    string
	Root         string          // relative path from the page to the output root
	Entries      []template.HTML // rendered by the "entry" template
	Older, Newer string          // relative to Root
	LikesFeed    string          // a like's page: likes.atom, its feed
}

// shared holds what a build renders once and reuses on every page: the
// parts of the page that don't change from one page to the next, and each
// post's h-entry, which shows on its own page and on a list page. Most of
// html/template's time is spent per action, so rendering these once per
// build instead of per page halved the time spent on templates.
type shared struct {
	Links, Style, Header template.HTML

	t    *theme
	c    *publish.Config
	mu   sync.Mutex
	done map[*publish.Entry]template.HTML
}

func (t *theme) newShared(info *siteInfo, c *publish.Config) (*shared, error) {
	sh := &shared{t: t, c: c, done: map[*publish.Entry]template.HTML{}}
	var err error
	for _, part := range []struct {
		into *template.HTML
		name string
		data any
	}{{&sh.Links, "links", info}, {&sh.Style, "style", t.css}, {&sh.Header, "header", info}} {
		if *part.into, err = t.fragment(part.name, part.data); err != nil {
			return nil, err
		}
	}
	return sh, nil
}

// fragment renders the layout's template name.
func (t *theme) fragment(name string, data any) (template.HTML, error) {
	var b strings.Builder
	if err := t.index.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("rendering %s: %w", name, err)
	}
	// Our own template's output, escaped as it was rendered.
	return template.HTML(b.String()), nil
}

// entries renders each entry's h-entry, or reuses it when this build has
// already rendered it.
func (sh *shared) entries(es []*publish.Entry) ([]template.HTML, error) {
	out := make([]template.HTML, 0, len(es))
	for _, e := range es {
		if e.IsDeleted() {
			continue
		}
		sh.mu.Lock()
		h, ok := sh.done[e]
		sh.mu.Unlock()
		if !ok {
			var err error
			if h, err = sh.t.fragment("entry", viewOf(e, sh.c)); err != nil {
				return nil, err
			}
			sh.mu.Lock()
			sh.done[e] = h
			sh.mu.Unlock()
		}
		out = append(out, h)
	}
	return out, nil
}

// entryView is one h-entry.
type entryView struct {
	ID, Permalink, Author, AuthorURL string
	Content                          template.HTML
	Published, Updated               string
	PublishedHuman, UpdatedHuman     string
	Edited                           bool
	Tags                             []string
	ReplyTo                          *publish.ReplyTo
	Kind                             string // "Reposted", "Liked", "Quoted" or ""
}

func newSiteInfo(c *publish.Config) *siteInfo {
	return &siteInfo{Title: c.Title, Author: c.Author, URL: c.URL, FeedURL: c.FeedURL(),
		RSSURL: c.RSSURL(), JSONURL: c.JSONURL(), Hubs: c.Hubs, Webmention: c.Webmention,
		LikesURL: c.LikesURL(), Avatar: c.AvatarURL(), Bio: c.Bio}
}

func viewOf(e *publish.Entry, c *publish.Config) entryView {
	e.Full()
	const human = "2 Jan 2006 15:04 MST"
	return entryView{ID: e.ID, Permalink: e.Permalink, Author: c.Author, AuthorURL: c.URL,
		// The HTML is our own Markdown rendering (goldmark, raw HTML omitted).
		Content:   template.HTML(e.HTML),
		Published: e.Published.Format(time.RFC3339Nano), Updated: e.Updated.Format(time.RFC3339Nano),
		PublishedHuman: e.Published.Format(human), UpdatedHuman: e.Updated.Format(human),
		Edited: !e.Updated.Equal(e.Published), Tags: e.Tags, ReplyTo: e.ReplyTo, Kind: kindLabel[e.Kind()]}
}

var kindLabel = map[string]string{publish.KindRepost: "♻ Reposted", publish.KindQuote: "❝ Quoted", publish.KindLike: "♥ Liked"}

func execute(t *template.Template, d *pageData) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(d.size())
	if err := t.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("rendering %s: %w", d.PageTitle, err)
	}
	return b.Bytes(), nil
}

// size estimates the length of d's page, so that its buffer is allocated
// once instead of doubled a dozen times.
func (d *pageData) size() int {
	n := 1024 + len(d.Shared.Links) + len(d.Shared.Style) + len(d.Shared.Header) + len(d.PageTitle) + len(d.Canonical)
	for _, e := range d.Entries {
		n += len(e)
	}
	return n
}

// renderList renders index.html (the main page's entries) or an archive
// page archive/NNNN.html.
func (t *theme) renderList(s *publish.Site, sh *shared, info *siteInfo, p publish.Page) ([]byte, error) {
	entries, err := sh.entries(p.Entries)
	if err != nil {
		return nil, err
	}
	d := &pageData{Site: info, Shared: sh, PageTitle: s.Config.Title, Canonical: s.Config.URL, Entries: entries}
	if p.Number > 0 {
		path := publish.ArchiveHTMLPath(p.Number)
		d.Root = "../"
		d.PageTitle = fmt.Sprintf("%s — archive %d", s.Config.Title, p.Number)
		d.Canonical = s.Config.URL + path
		if p.Number < p.Last {
			d.Newer = publish.ArchiveHTMLPath(p.Number + 1)
		} else {
			d.Newer = "index.html"
		}
		if p.Number > 1 {
			d.Older = publish.ArchiveHTMLPath(p.Number - 1)
		}
	} else if p.Last > 0 {
		d.Older = publish.ArchiveHTMLPath(p.Last)
	}
	return execute(t.index, d)
}

// renderPost renders posts/KEY/index.html.
func (t *theme) renderPost(s *publish.Site, sh *shared, info *siteInfo, e *publish.Entry) ([]byte, error) {
	e.Full()
	entries, err := sh.entries([]*publish.Entry{e})
	if err != nil {
		return nil, err
	}
	d := &pageData{Site: info, Shared: sh, PageTitle: e.Title + " — " + s.Config.Title,
		Canonical: e.Permalink, Root: "../../", Entries: entries}
	if e.IsLike() {
		d.LikesFeed = s.Config.LikesURL()
	}
	return execute(t.post, d)
}
