package site

import (
	"fmt"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/rookery-social/rookery/publish"
)

// DefaultOut is the output directory, relative to the site directory.
const DefaultOut = "public"

// Options configure a build.
type Options struct {
	Dir string // the site directory (holds feedpub.toml and posts/)
	Out string // the output directory; "" means Dir/public
}

func (o Options) out() string {
	if o.Out == "" {
		return filepath.Join(o.Dir, DefaultOut)
	}
	return o.Out
}

// Result says what a build did.
type Result struct {
	Site      *publish.Site
	Written   []string // output paths rewritten, sorted
	Removed   []string // output paths of a previous build no longer produced
	Unchanged int
}

// Build renders the site in o.Dir into the output directory. Every file is
// rendered in memory first: on any error nothing is written and the previous
// output stays as it was. Then only files whose content changed are written.
func Build(o Options) (*Result, error) {
	s, err := publish.LoadSite(o.Dir)
	if err != nil {
		return nil, err
	}
	docs, err := Render(s)
	if err != nil {
		return nil, err
	}
	res, err := writeTree(o.Dir, o.out(), docs)
	if err != nil {
		return nil, err
	}
	res.Site = s
	return res, nil
}

// Render produces every output document of s: feeds, archives and pages.
func Render(s *publish.Site) ([]publish.Document, error) {
	t, err := loadTheme()
	if err != nil {
		return nil, err
	}
	docs, err := s.FeedDocuments()
	if err != nil {
		return nil, err
	}
	info := newSiteInfo(s.Config)
	main, archives := s.Pages()
	for _, p := range append([]publish.Page{main}, archives...) {
		d, err := t.renderList(s, info, p)
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	posts, err := renderPosts(t, s, info)
	if err != nil {
		return nil, err
	}
	return append(docs, posts...), nil
}

// renderPosts renders the post pages with one worker per CPU.
func renderPosts(t *theme, s *publish.Site, info *siteInfo) ([]publish.Document, error) {
	out := make([]publish.Document, len(s.Entries))
	errs := make([]error, len(s.Entries))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(s.Entries); i += workers {
				out[i], errs[i] = t.renderPost(s, info, s.Entries[i])
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("site: %w", err)
		}
	}
	return out, nil
}
