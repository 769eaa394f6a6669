package site

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/rookery-social/rookery/publish"
)

// StateDir is the site's private state directory (build manifest, sent
// Webmentions). It is not part of the output.
const StateDir = ".feedpub"

// manifestPath is where the manifest of the output directory out lives:
// one per output directory, so a build with --out elsewhere does not make
// the next default build rewrite everything.
func manifestPath(dir, out string) string {
	sum := sha256.Sum256([]byte(out))
	return filepath.Join(dir, StateDir, "manifest-"+hex.EncodeToString(sum[:6])+".json")
}

// manifest records what the last build wrote, so the next one rewrites only
// what changed and removes what is gone.
type manifest struct {
	Out   string               `json:"out"`
	Files map[string]fileState `json:"files"`
}

// fileState is a written file: its content hash and what stat said after
// the write, to notice files changed behind our back.
type fileState struct {
	Hash    string `json:"hash"`
	Size    int64  `json:"size"`
	ModTime int64  `json:"mtime"`
}

func loadManifest(dir, out string) *manifest {
	m := &manifest{Out: out, Files: map[string]fileState{}}
	data, err := os.ReadFile(manifestPath(dir, out))
	if err != nil {
		return m
	}
	var old manifest
	if json.Unmarshal(data, &old) != nil || old.Out != out || old.Files == nil {
		return m
	}
	return &old
}

func (m *manifest) save(dir string) error {
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("site: manifest: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, StateDir), 0o755); err != nil {
		return fmt.Errorf("site: %w", err)
	}
	return writeFileAtomic(manifestPath(dir, m.Out), data)
}

func hashOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16])
}

// upToDate reports whether the file at path still holds what the manifest
// says was written there.
func (st fileState) upToDate(path, hash string) bool {
	if st.Hash != hash {
		return false
	}
	fi, err := os.Stat(path)
	return err == nil && fi.Size() == st.Size && fi.ModTime().UnixNano() == st.ModTime
}

// writeTree writes the documents under out, skipping unchanged ones, and
// removes files a previous build wrote that are no longer produced.
func writeTree(dir, out string, docs []publish.Document) (*Result, error) {
	absOut, err := filepath.Abs(out)
	if err != nil {
		return nil, fmt.Errorf("site: %w", err)
	}
	old := loadManifest(dir, absOut)
	next := &manifest{Out: absOut, Files: make(map[string]fileState, len(docs))}
	res := &Result{}
	for _, d := range docs {
		path := filepath.Join(absOut, filepath.FromSlash(d.Path))
		h := hashOf(d.Data)
		if st, ok := old.Files[d.Path]; ok && st.upToDate(path, h) {
			next.Files[d.Path] = st
			res.Unchanged++
			continue
		}
		st, err := writeDoc(path, d.Data, h)
		if err != nil {
			return nil, err
		}
		next.Files[d.Path] = st
		res.Written = append(res.Written, d.Path)
	}
	res.Removed = removeStale(absOut, old, next)
	sort.Strings(res.Written)
	return res, next.save(dir)
}

func writeDoc(path string, data []byte, hash string) (fileState, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fileState{}, fmt.Errorf("site: %w", err)
	}
	if err := writeFileAtomic(path, data); err != nil {
		return fileState{}, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fileState{}, fmt.Errorf("site: %w", err)
	}
	return fileState{Hash: hash, Size: fi.Size(), ModTime: fi.ModTime().UnixNano()}, nil
}

func removeStale(out string, old, next *manifest) []string {
	var removed []string
	for p := range old.Files {
		if _, ok := next.Files[p]; ok {
			continue
		}
		path := filepath.Join(out, filepath.FromSlash(p))
		if err := os.Remove(path); err == nil || errors.Is(err, os.ErrNotExist) {
			removed = append(removed, p)
			_ = os.Remove(filepath.Dir(path)) // only succeeds when empty
		}
	}
	sort.Strings(removed)
	return removed
}

// writeFileAtomic writes data to a temporary file beside path and renames it
// into place, so readers never see a half-written file.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("site: %w", err)
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(f.Name(), 0o644)
	}
	if werr == nil {
		werr = os.Rename(f.Name(), path)
	}
	if werr != nil {
		os.Remove(f.Name())
		return fmt.Errorf("site: writing %s: %w", path, werr)
	}
	return nil
}
