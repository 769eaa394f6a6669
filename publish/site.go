package publish

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// Entry is a post ready to render: its stable ID, permalink, HTML and the
// people it mentions.
type Entry struct {
	*Post
	ID        string // tag:HOST,YYYY:posts/KEY
	Permalink string
	Title     string // plain-text snippet
	HTML      string // rendered Markdown, absolute URLs
	Mentions  []Mention
}

// Site is the whole input of a build: configuration and entries, newest first.
type Site struct {
	Dir     string
	Config  *Config
	Entries []*Entry
}

// EntryID is the post's atom:id: tag:HOST,YYYY:posts/KEY.
func (c *Config) EntryID(p *Post) string {
	return fmt.Sprintf("tag:%s,%d:posts/%s", c.Host(), p.Published.Year(), p.Key)
}

// LoadSite reads DIR/feedpub.toml and every DIR/posts/*.md, in parallel.
func LoadSite(dir string) (*Site, error) {
	cfg, err := LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	names, err := postFiles(dir)
	if err != nil {
		return nil, err
	}
	entries, err := loadEntries(cfg, names)
	if err != nil {
		return nil, err
	}
	if err := checkDuplicateKeys(entries); err != nil {
		return nil, err
	}
	SortEntries(entries)
	return &Site{Dir: dir, Config: cfg, Entries: entries}, nil
}

func postFiles(dir string) ([]string, error) {
	des, err := os.ReadDir(filepath.Join(dir, PostsDir))
	if err != nil {
		return nil, fmt.Errorf("publish: reading posts: %w", err)
	}
	var out []string
	for _, de := range des {
		if !de.IsDir() && strings.HasSuffix(de.Name(), ".md") && !strings.HasPrefix(de.Name(), ".") {
			out = append(out, filepath.Join(dir, PostsDir, de.Name()))
		}
	}
	return out, nil
}

// loadEntries parses and renders the files with one worker per CPU. The
// first error in file order wins, so messages are deterministic.
func loadEntries(cfg *Config, paths []string) ([]*Entry, error) {
	r := newRenderer(cfg.Following)
	out := make([]*Entry, len(paths))
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = loadEntry(cfg, r, paths[i])
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	var entries []*Entry
	for i, e := range out {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if e != nil {
			entries = append(entries, e)
		}
	}
	return entries, nil
}

func loadEntry(cfg *Config, r *renderer, path string) (*Entry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	p, err := ParsePost(path, data)
	if err != nil || p.Draft {
		return nil, err
	}
	return newEntry(cfg, r, p)
}

// newEntry renders p for cfg.
func newEntry(cfg *Config, r *renderer, p *Post) (*Entry, error) {
	if r == nil {
		r = newRenderer(cfg.Following)
	}
	e := &Entry{Post: p, ID: cfg.EntryID(p), Permalink: cfg.Permalink(p.Key)}
	var err error
	e.HTML, e.Title, e.Mentions, err = r.render(p, e.Permalink)
	return e, err
}

func checkDuplicateKeys(entries []*Entry) error {
	seen := map[string]string{}
	for _, e := range entries {
		if prev, ok := seen[e.Key]; ok {
			return fmt.Errorf("publish: %s: key %q is already used by %s; keys must be unique", e.Path, e.Key, prev)
		}
		seen[e.Key] = e.Path
	}
	return nil
}

// SortEntries orders entries newest first (by published, then key).
func SortEntries(entries []*Entry) {
	sort.Slice(entries, func(i, j int) bool {
		a, b := entries[i], entries[j]
		if !a.Published.Equal(b.Published) {
			return a.Published.After(b.Published)
		}
		return a.Key > b.Key
	})
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
