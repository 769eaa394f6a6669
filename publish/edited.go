package publish

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rookery-social/rookery/publish/dirstat"
)

// An edit of a post's body by hand moves its updated, so that aggregators
// see the edit. The build state remembers each post's body digest: when a
// post file's body no longer matches it and the author did not change
// updated themselves, the build sets updated to the file's modification
// time (when the edit was saved), or a second after the old updated when
// that is later, and writes it into the file's front matter. The date
// then lives in the post file like every other, so a build anywhere else
// (a fresh clone, a host that builds) gives the same bytes.

// bodyEdited reports whether p's body differs from old's while its
// updated is the one old had: an edit that did not move updated.
func bodyEdited(old *Entry, p *Post) bool {
	return old.bodyHash != "" && p.Deleted.IsZero() && old.Deleted.IsZero() &&
		p.Updated.Equal(old.Updated) && hashString(p.Body) != old.bodyHash
}

// touchUpdated writes a new updated into the post file at path, whose
// content is data and stat fi, and returns what it now holds.
func touchUpdated(path string, data []byte, fi dirstat.Info, p *Post) ([]byte, dirstat.Info, *Post, error) {
	t := time.Unix(0, fi.ModTime).UTC().Truncate(time.Second)
	if !t.After(p.Updated) {
		t = p.Updated.Add(time.Second).Truncate(time.Second)
	}
	data = setUpdated(data, t)
	if err := replaceFile(path, data); err != nil {
		return nil, fi, nil, fmt.Errorf("writing the new updated into %s: %w", path, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fi, nil, fmt.Errorf("writing the new updated into %s: %w", path, err)
	}
	np, err := ParsePost(path, data)
	return data, dirstat.Info{Size: st.Size(), ModTime: st.ModTime().UnixNano()}, np, err
}

// setUpdated sets `updated = T` in data's front matter: on the top-level
// updated line if there is one, else after the published line.
func setUpdated(data []byte, t time.Time) []byte {
	line := "updated = " + t.Format(time.RFC3339)
	lines := strings.SplitAfter(string(data), "\n")
	at := -1
	for i := 1; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if l == frontMatterFence || strings.HasPrefix(l, "[") {
			break
		}
		switch {
		case strings.HasPrefix(l, "updated ") || strings.HasPrefix(l, "updated="):
			lines[i] = line + "\n"
			return []byte(strings.Join(lines, ""))
		case at < 0 && (strings.HasPrefix(l, "published ") || strings.HasPrefix(l, "published=")):
			at = i + 1
		}
	}
	if at < 0 {
		at = 1
	}
	var b bytes.Buffer
	b.WriteString(strings.Join(lines[:at], ""))
	b.WriteString(line + "\n")
	b.WriteString(strings.Join(lines[at:], ""))
	return b.Bytes()
}

// replaceFile writes data beside path and renames it into place, keeping
// path's permissions. The temporary name starts with "." so that a
// listing of posts never takes it for a post.
func replaceFile(path string, data []byte) error {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real // a link (inside the site: see siteRoot) stays a link
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), mode)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
