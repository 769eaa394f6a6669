package publish

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
)

// MaxPostSize is the largest post file feedpub reads: a post is a short
// text, and a larger one would make feed documents that hubs and readers
// refuse (see MaxFeedDocument). It is checked on the file's size before
// the file is read.
const MaxPostSize = 256 << 10

// checkPostSize refuses a post file over MaxPostSize.
func checkPostSize(path string, size int64) error {
	if size > MaxPostSize {
		return fmt.Errorf("%s: the post file is %s, over the %s a post may have; shorten it or split it into several posts",
			path, formatBytes(size), formatBytes(MaxPostSize))
	}
	return nil
}

// formatBytes says n in B, KiB or MiB, as an error message does.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// siteRoot answers whether a path is inside the site directory once
// symbolic links are resolved: a post file may be a link, but only to a
// file of the site, so that a build never publishes a file from elsewhere
// on the author's machine (a key, a mail) that a link points at. It
// resolves the site directory once, when first asked.
type siteRoot struct {
	dir  string
	once sync.Once
	real string
	err  error
}

// check fails unless path, resolved, lies inside the site directory.
func (s *siteRoot) check(path string) error {
	s.once.Do(func() {
		s.real, s.err = filepath.EvalSymlinks(s.dir)
		if s.err == nil {
			s.real, s.err = filepath.Abs(s.real)
		}
	})
	if s.err != nil {
		return fmt.Errorf("resolving the site directory %s: %w", s.dir, s.err)
	}
	target, err := filepath.EvalSymlinks(path)
	if err == nil {
		target, err = filepath.Abs(target)
	}
	if err != nil {
		return fmt.Errorf("%s: resolving the symbolic link: %w", path, err)
	}
	if rel, err := filepath.Rel(s.real, target); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("%s: a symbolic link to %s, outside the site directory %s; feedpub publishes only files inside the site: copy the file in instead",
			path, target, s.dir)
	}
	return nil
}
