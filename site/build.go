package site

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/rookery-social/rookery/publish"
)

// DefaultOut is the output directory, relative to the site directory.
const DefaultOut = "public"

// formatVersion changes whenever feedpub's output for the same input does,
// so that a new version of feedpub re-renders everything once.
const formatVersion = "feedpub-output-2"

// Options configure a build.
type Options struct {
	Dir string // the site directory (holds feedpub.toml and posts/)
	Out string // the output directory; "" means Dir/public
	// Verify checks every output file the last build wrote against what
	// it recorded (size and modification time), and rewrites those that
	// were changed or removed since. Without it, a build checks each file
	// of the output root and archive/, and that each post page's directory
	// is still there, but trusts the pages inside those directories: at
	// 10,000 posts, a stat of every page was a large part of a build after
	// one new post (bench/profiles.md). The output directory is feedpub's own, so
	// only a hand edit of a post page goes unnoticed without Verify.
	Verify bool
	// BaseURL, when set, is where the output is served instead of the
	// configured url: pages and feeds link to it, and entry IDs stay those
	// of the configured url. feedpub serve builds its preview so.
	BaseURL string
	// Locked says the caller holds the site's build lock (Lock); else
	// Build takes it for its run.
	Locked bool
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

// Build renders the site in o.Dir into the output directory. It only reads
// and renders post files that changed since the last build, and only
// renders output documents whose inputs changed; every document that must
// be rendered is rendered in memory first, so on any error nothing is
// written and the previous output stays as it was. Then only files whose
// content changed are written. Two processes building one site (feedpub
// serve rebuilding while feedpub publish runs) take turns: see Lock.
func Build(o Options) (*Result, error) {
	out, err := filepath.Abs(o.out())
	if err != nil {
		return nil, fmt.Errorf("build of %s: %w", o.Dir, err)
	}
	if !o.Locked {
		unlock, err := Lock(o.Dir)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	// The build state is read while the posts are listed and stat'ed, and
	// the output files are checked while the changed posts are read.
	loaded := make(chan *state, 1)
	go func() { loaded <- loadState(o.Dir, out) }()
	var st *state
	checked := func() {}
	s, err := publish.LoadSiteAt(o.Dir, o.BaseURL, func() *publish.EntryCache {
		st = <-loaded
		checked = st.checkFiles(o.Verify)
		return &st.Entries
	})
	checked()
	if err != nil {
		return nil, err
	}
	t, err := loadTheme()
	if err != nil {
		return nil, err
	}
	base := t.key + " " + s.Config.Fingerprint()
	jobs, err := plan(t, s)
	if err != nil {
		return nil, err
	}
	res, err := writeTree(o.Dir, st, base, jobs)
	if err != nil {
		return nil, err
	}
	res.Site = s
	return res, nil
}

// job is one output document: Key identifies everything it is rendered
// from besides the theme and configuration, which the build state records
// once for all files ("" means always render); Render produces it.
type job struct {
	Path   string
	Key    string
	Render func() ([]byte, error)
}

// plan lists every output document of s: feeds, archives and pages.
func plan(t *theme, s *publish.Site) ([]job, error) {
	info := newSiteInfo(s.Config)
	sh, err := t.newShared(info, s.Config)
	if err != nil {
		return nil, err
	}
	main, archives := s.Pages()
	jobs := make([]job, 0, 4+2*len(archives)+len(s.Entries))
	jobs = append(jobs, []job{
		{Path: "feed.atom", Render: func() ([]byte, error) { return s.AtomDocument(main) }},
		{Path: "feed.rss", Render: func() ([]byte, error) { return s.RSSDocument(main) }},
		{Path: "feed.json", Render: func() ([]byte, error) { return s.JSONDocument(main) }},
		{Path: "index.html", Render: func() ([]byte, error) { return t.renderList(s, sh, info, main) }},
	}...)
	for _, a := range archives {
		key := pageKey(a)
		jobs = append(jobs,
			job{Path: publish.ArchivePath(a.Number), Key: key, Render: func() ([]byte, error) { return s.AtomDocument(a) }},
			job{Path: publish.ArchiveHTMLPath(a.Number), Key: key, Render: func() ([]byte, error) { return t.renderList(s, sh, info, a) }})
	}
	for _, e := range append(s.Entries[:len(s.Entries):len(s.Entries)], s.Likes...) {
		if e.IsDeleted() {
			continue
		}
		jobs = append(jobs, job{Path: postPath(e), Key: e.Hash, // a post page is rendered from its file alone
			Render: func() ([]byte, error) { return t.renderPost(s, sh, info, e) }})
	}
	jobs = append(jobs, job{Path: publish.LikesPath, Render: s.LikesDocument})
	if a := s.Config.Avatar; a != "" {
		jobs = append(jobs, job{Path: a, Render: func() ([]byte, error) { return readAvatar(s.Dir, a) }})
	}
	return jobs, nil
}

// readAvatar reads the avatar file of the site directory dir.
func readAvatar(dir, name string) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return nil, fmt.Errorf("reading the avatar %s (set it again with feedpub profile --avatar FILE): %w", name, err)
	}
	return data, nil
}

func postPath(e *publish.Entry) string { return "posts/" + e.Key + "/index.html" }

// pageKey identifies an archive page's inputs: its place in the history
// (its number and whether a newer archive follows: which one is the newest
// does not show on it, so a new archive opening every ArchiveSize posts
// does not re-render all the others) and its entries' contents.
func pageKey(p publish.Page) string {
	parts := make([]string, 0, 2*len(p.Entries)+1)
	parts = append(parts, fmt.Sprintf("%d %t %s", p.Number, p.Number < p.Last, p.Updated.Format(time.RFC3339Nano)))
	for _, e := range p.Entries {
		parts = append(parts, e.Path, e.Hash)
	}
	return hashKey(parts...)
}

// hashKey hashes parts unambiguously (each is length-prefixed).
func hashKey(parts ...string) string {
	n := 0
	for _, p := range parts {
		n += len(p) + binary.MaxVarintLen64
	}
	b := make([]byte, 0, n)
	for _, p := range parts {
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
