package publish

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/rookery-social/rookery/publish/dirstat"
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
	// Hash identifies the post file's content: two entries with the same
	// Hash under the same configuration render identically.
	Hash string
	// size bounds its bytes in a feed document.
	size entrySize
	// bodyHash identifies the post's body, to notice an edit.
	bodyHash string
	// rest, for an entry from the cache, is what Full decodes.
	rest *entryRest
	// like is Post.IsLike, known without decoding rest.
	like bool
}

// EntryCache remembers parsed and rendered posts between builds, so that
// an incremental build reads and renders only the post files that changed
// (by size and modification time). The caller persists it; the zero value
// is an empty cache.
type EntryCache struct {
	Config string // Fingerprint of the configuration the entries were rendered with
	Files  map[string]CachedFile
	dirty  bool
	// replaced says that the last LoadSiteCached started from an empty
	// cache; else changed holds the paths it added, changed or removed.
	replaced bool
	changed  []string
}

// Changed reports whether the last LoadSiteCached changed the cache.
func (c *EntryCache) Changed() bool { return c.dirty }

// Replaced reports whether the last LoadSiteCached started over (no cache,
// or a configuration change), so that its changes are all of it.
func (c *EntryCache) Replaced() bool { return c.replaced }

// CachedFile is one post file as a previous build saw it.
type CachedFile struct {
	Size, ModTime int64
	Entry         *Entry // nil for a draft
}

// Site is the whole input of a build: configuration and entries, newest first.
type Site struct {
	Dir     string
	Config  *Config
	Entries []*Entry // posts, reposts, quotes and replies: the feeds' entries
	Likes   []*Entry // likes: likes.atom and a page each, never the feeds
}

// splitLikes separates likes from the other entries, keeping the order.
func splitLikes(entries []*Entry) (posts, likes []*Entry) {
	posts = entries[:0:0]
	for _, e := range entries {
		if e.like {
			likes = append(likes, e)
		} else {
			posts = append(posts, e)
		}
	}
	return posts, likes
}

// EntryID is the post's atom:id: tag:HOST,YYYY:posts/KEY.
func (c *Config) EntryID(p *Post) string {
	return fmt.Sprintf("tag:%s,%d:posts/%s", c.Host(), p.Published.Year(), p.Key)
}

// Fingerprint identifies the configuration's content; entries rendered
// under equal fingerprints are interchangeable.
func (c *Config) Fingerprint() string {
	data, _ := json.Marshal(c) // maps are encoded in key order
	return hashString(append(data, c.idHost...))
}

func hashString(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16])
}

// LoadSite reads DIR/feedpub.toml and every DIR/posts/*.md, in parallel.
func LoadSite(dir string) (*Site, error) {
	return LoadSiteCached(dir, nil)
}

// LoadSiteCached is LoadSite reusing the entries of cache whose files did
// not change since, and updating cache (when not nil) to the files read.
func LoadSiteCached(dir string, cache *EntryCache) (*Site, error) {
	return LoadSiteDeferred(dir, func() *EntryCache { return cache })
}

// LoadSiteDeferred is LoadSiteCached with the cache that cache returns,
// which it calls only once it has listed and stat'ed the post files, so
// that the caller can read the cache from disk meanwhile: at 10,000 posts
// each takes several milliseconds.
func LoadSiteDeferred(dir string, cache func() *EntryCache) (*Site, error) {
	return LoadSiteAt(dir, "", cache)
}

// LoadSiteAt is LoadSiteDeferred for a site served at base instead of its
// configured url (a local preview: see Config.WithBaseURL); "" means the
// configured url.
func LoadSiteAt(dir, base string, cache func() *EntryCache) (*Site, error) {
	cfg, err := LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	if base != "" {
		cfg = cfg.WithBaseURL(base)
	}
	paths, err := postFiles(dir)
	if err != nil {
		return nil, err
	}
	root := &siteRoot{dir: dir}
	if fi, err := os.Lstat(filepath.Join(dir, PostsDir)); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		if err := root.check(filepath.Join(dir, PostsDir)); err != nil {
			return nil, err
		}
	}
	posts := dirstat.Open(filepath.Join(dir, PostsDir))
	defer posts.Close()
	stats := statPosts(posts, paths)
	c := cache()
	if c == nil {
		c = &EntryCache{}
	}
	c.replaced = false
	prev := c.Files // what the last build saw, even under another configuration
	if fp := cfg.Fingerprint(); c.Config != fp || c.Files == nil {
		*c = EntryCache{Config: fp, Files: map[string]CachedFile{}, replaced: true}
	}
	c.dirty, c.changed = false, nil
	entries, err := loadEntries(cfg, &loader{root: root, posts: posts, prev: prev}, paths, stats, c)
	if err != nil {
		return nil, err
	}
	if err := checkDuplicateKeys(entries); err != nil {
		return nil, err
	}
	if err := checkEntrySizes(cfg, entries); err != nil {
		return nil, err
	}
	SortEntries(entries)
	live, likes := splitLikes(entries)
	return &Site{Dir: dir, Config: cfg, Entries: live, Likes: likes}, nil
}

// fileStat is what a stat of a post file said; ok is false when it failed.
type fileStat struct {
	dirstat.Info
	ok bool
}

// statPosts stats every post file, several at a time: it is mostly
// waiting on system calls.
func statPosts(posts *dirstat.Dir, paths []string) []fileStat {
	stats := make([]fileStat, len(paths))
	var wg sync.WaitGroup
	workers := max(runtime.GOMAXPROCS(0), 4)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(paths); i += workers {
				stats[i].Info, stats[i].ok = posts.Stat(filepath.Base(paths[i]))
			}
		})
	}
	wg.Wait()
	return stats
}

// postFiles lists DIR/posts/*.md, unsorted: sorting 10,000 paths cost
// more than the listing itself, and nothing needs them in order (entries
// are sorted by date; errors are reported for the first file by name).
func postFiles(dir string) ([]string, error) {
	names, err := dirstat.Names(filepath.Join(dir, PostsDir), true)
	if err != nil {
		return nil, fmt.Errorf("reading the posts directory %s: %w", dir, err)
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		if strings.HasSuffix(n, ".md") && !strings.HasPrefix(n, ".") {
			out = append(out, filepath.Join(dir, PostsDir, n))
		}
	}
	return out, nil
}

// loadEntries parses and renders the files that are not in cache or whose
// stat changed since, with one worker per CPU, and leaves in cache exactly
// the files of paths. The error of the first file by path wins, so
// messages are deterministic.
func loadEntries(cfg *Config, l *loader, paths []string, stats []fileStat, cache *EntryCache) ([]*Entry, error) {
	files := make([]CachedFile, len(paths))
	errs := make([]error, len(paths))
	var stale []int
	for i, p := range paths {
		cached := cache.Files[p]
		if st := stats[i]; cached.ModTime != 0 && st.ok && st.ModTime == cached.ModTime && st.Size == cached.Size {
			files[i] = cached
			continue
		}
		stale = append(stale, i)
	}
	if len(stale) > 0 {
		r := newRenderer(cfg.Following)
		var wg sync.WaitGroup
		workers := min(runtime.GOMAXPROCS(0), len(stale))
		for w := range workers {
			wg.Go(func() {
				for k := w; k < len(stale); k += workers {
					i := stale[k]
					files[i], errs[i] = l.load(cfg, r, paths[i], stats[i])
				}
			})
		}
		wg.Wait()
	}
	if err := firstError(paths, errs); err != nil {
		return nil, err
	}
	entries := make([]*Entry, 0, len(files))
	for _, f := range files {
		if f.Entry != nil {
			entries = append(entries, f.Entry)
		}
	}
	for _, i := range stale {
		cache.Files[paths[i]] = files[i]
		cache.changed = append(cache.changed, paths[i])
	}
	if len(cache.Files) != len(paths) { // some files are gone
		present := make(map[string]bool, len(paths))
		for _, p := range paths {
			present[p] = true
		}
		for p := range cache.Files {
			if !present[p] {
				delete(cache.Files, p)
				cache.changed = append(cache.changed, p)
			}
		}
	}
	cache.dirty = len(cache.changed) > 0
	return entries, nil
}

// firstError returns the error of the first path in order, if any.
func firstError(paths []string, errs []error) error {
	first := -1
	for i, err := range errs {
		if err != nil && (first < 0 || paths[i] < paths[first]) {
			first = i
		}
	}
	if first < 0 {
		return nil
	}
	return errs[first]
}

// loader reads post files for loadEntries.
type loader struct {
	root  *siteRoot
	posts *dirstat.Dir
	prev  map[string]CachedFile // the files as the last build saw them
}

// load reads, parses and renders a post file, after checking that it is
// not too large to publish (by st, its stat) and not a link to a file
// outside the site. When its body changed since the last build and its
// updated did not, it moves updated (see touchUpdated).
func (l *loader) load(cfg *Config, r *renderer, path string, st fileStat) (CachedFile, error) {
	if st.ok {
		if err := checkPostSize(path, st.Size); err != nil {
			return CachedFile{}, err
		}
	}
	if l.posts.IsLink(filepath.Base(path)) {
		if err := l.root.check(path); err != nil {
			return CachedFile{}, err
		}
	}
	data, fi, err := l.posts.ReadFile(filepath.Base(path))
	if err != nil {
		return CachedFile{}, fmt.Errorf("reading post %s: %w", path, err)
	}
	p, err := ParsePost(path, data)
	if err != nil {
		return CachedFile{Size: fi.Size, ModTime: fi.ModTime}, err
	}
	if old := l.prev[path].Entry; old != nil && bodyEdited(old, p) {
		if data, fi, p, err = touchUpdated(path, data, fi, p); err != nil {
			return CachedFile{}, err
		}
	}
	f := CachedFile{Size: fi.Size, ModTime: fi.ModTime}
	if p.Draft {
		return f, nil
	}
	f.Entry, err = newEntry(cfg, r, p)
	if err == nil {
		f.Entry.Hash = hashString(data)
	}
	return f, err
}

// newEntry renders p for cfg.
func newEntry(cfg *Config, r *renderer, p *Post) (*Entry, error) {
	if r == nil {
		r = newRenderer(cfg.Following)
	}
	e := &Entry{Post: p, ID: cfg.EntryID(p), Permalink: cfg.Permalink(p.Key), like: p.IsLike()}
	if e.IsDeleted() {
		e.size = sizeOf(cfg, e)
		return e, nil
	}
	var err error
	e.HTML, e.Title, e.Mentions, err = r.render(p, e.Permalink)
	e.addCite()
	e.size = sizeOf(cfg, e)
	e.bodyHash = hashString(p.Body)
	return e, err
}

// checkDuplicateKeys fails when two entries have the same key, naming
// the two files first by path, whatever the order of entries.
func checkDuplicateKeys(entries []*Entry) error {
	seen := make(map[string]string, len(entries))
	for _, e := range entries {
		if _, ok := seen[e.Key]; ok {
			return duplicateKeyError(entries)
		}
		seen[e.Key] = e.Path
	}
	return nil
}

func duplicateKeyError(entries []*Entry) error {
	byPath := slices.Clone(entries)
	slices.SortFunc(byPath, func(a, b *Entry) int { return strings.Compare(a.Path, b.Path) })
	seen := make(map[string]string, len(byPath))
	for _, e := range byPath {
		if prev, ok := seen[e.Key]; ok {
			return fmt.Errorf("%s: key %q is already used by %s; keys must be unique", e.Path, e.Key, prev)
		}
		seen[e.Key] = e.Path
	}
	return nil
}

// IsDeleted reports whether the post was deleted (RFC 6721).
func (e *Entry) IsDeleted() bool { return !e.Deleted.IsZero() }

// Live returns the entries that are not deleted, in the same order.
func Live(entries []*Entry) []*Entry {
	out := make([]*Entry, 0, len(entries))
	for _, e := range entries {
		if !e.IsDeleted() {
			out = append(out, e)
		}
	}
	return out
}

// SortEntries orders entries newest first (by published, then key).
func SortEntries(entries []*Entry) {
	slices.SortFunc(entries, func(a, b *Entry) int {
		if c := b.Published.Compare(a.Published); c != 0 {
			return c
		}
		return strings.Compare(b.Key, a.Key)
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
