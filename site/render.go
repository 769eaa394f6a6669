package site

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
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
		return nil, fmt.Errorf("site: %w", err)
	}
	t := &theme{css: template.CSS(css), key: formatVersion}
	files, err := fs.Glob(themeFS, "theme/*")
	if err != nil {
		return nil, fmt.Errorf("site: %w", err)
	}
	for _, f := range files {
		data, _ := themeFS.ReadFile(f)
		t.key = hashKey(t.key, f, string(data))
	}
	if t.index, err = parsePage("index.html"); err != nil {
		return nil, fmt.Errorf("site: theme: %w", err)
	}
	if t.post, err = parsePage("post.html"); err != nil {
		return nil, fmt.Errorf("site: theme: %w", err)
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
}

// pageData is the data of one HTML page.
type pageData struct {
	Site         *siteInfo
	CSS          template.CSS
	PageTitle    string
	Canonical    string
	Root         string // relative path from the page to the output root
	Entries      []entryView
	Older, Newer string // relative to Root
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
}

func newSiteInfo(c *publish.Config) *siteInfo {
	return &siteInfo{Title: c.Title, Author: c.Author, URL: c.URL, FeedURL: c.FeedURL(),
		RSSURL: c.RSSURL(), JSONURL: c.JSONURL(), Hubs: c.Hubs, Webmention: c.Webmention}
}

func viewOf(e *publish.Entry, c *publish.Config) entryView {
	const human = "2 Jan 2006 15:04 MST"
	return entryView{ID: e.ID, Permalink: e.Permalink, Author: c.Author, AuthorURL: c.URL,
		// The HTML is our own Markdown rendering (goldmark, raw HTML omitted).
		Content:   template.HTML(e.HTML),
		Published: e.Published.Format(time.RFC3339), Updated: e.Updated.Format(time.RFC3339),
		PublishedHuman: e.Published.Format(human), UpdatedHuman: e.Updated.Format(human),
		Edited: !e.Updated.Equal(e.Published), Tags: e.Tags, ReplyTo: e.ReplyTo}
}

func views(entries []*publish.Entry, c *publish.Config) []entryView {
	out := make([]entryView, len(entries))
	for i, e := range entries {
		out[i] = viewOf(e, c)
	}
	return out
}

func execute(t *template.Template, d *pageData) ([]byte, error) {
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("site: rendering %s: %w", d.PageTitle, err)
	}
	return b.Bytes(), nil
}

// renderList renders index.html (the main page's entries) or an archive
// page archive/NNNN.html.
func (t *theme) renderList(s *publish.Site, info *siteInfo, p publish.Page) ([]byte, error) {
	d := &pageData{Site: info, CSS: t.css, PageTitle: s.Config.Title, Canonical: s.Config.URL,
		Entries: views(publish.Live(p.Entries), s.Config)}
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
func (t *theme) renderPost(s *publish.Site, info *siteInfo, e *publish.Entry) ([]byte, error) {
	d := &pageData{Site: info, CSS: t.css, PageTitle: e.Title + " — " + s.Config.Title,
		Canonical: e.Permalink, Root: "../../", Entries: []entryView{viewOf(e, s.Config)}}
	return execute(t.post, d)
}
