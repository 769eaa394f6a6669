package site

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/cespare/xxhash/v2"

	"github.com/rookery-social/rookery/publish"
	"github.com/rookery-social/rookery/publish/bincodec"
	"github.com/rookery-social/rookery/publish/dirstat"
)

// StateDir is the site's private state directory (build state, sent
// Webmentions). It is not part of the output.
const StateDir = publish.StateDir

// state is what the last build into one output directory left behind, so
// the next one renders and rewrites only what changed and removes what is
// gone.
type state struct {
	Out     string
	Base    string // the theme and configuration every file was rendered with
	Files   map[string]*fileState
	Entries publish.EntryCache

	// Not saved: how the state was read, and what this build changed.
	size, snapshot int      // bytes of the state file, and of its snapshot (0: none)
	changed        []string // paths whose fileState this build set or removed
	rewrite        bool     // save a snapshot rather than a change record
}

// fileState is a written file: the key of its inputs, its content hash and
// what stat said after the write, to notice files changed behind our back.
type fileState struct {
	Key     string
	Hash    string
	Size    int64
	ModTime int64
	// intact (not saved) says that the file still was as recorded when
	// this build checked it (see checkFiles), or that this build wrote it.
	intact bool
}

// statePath is where the state of the output directory out lives: one per
// output directory, so a build with --out elsewhere does not make the next
// default build start from scratch.
func statePath(dir, out string) string {
	return stateFile(dir, out, ".state")
}

// legacyStatePath is where feedpub kept the state before its file was
// named after what it is; a save removes it.
func legacyStatePath(dir, out string) string {
	return stateFile(dir, out, ".gob")
}

func stateFile(dir, out, ext string) string {
	sum := sha256.Sum256([]byte(out))
	return filepath.Join(dir, StateDir, "build-"+hex.EncodeToString(sum[:6])+ext)
}

// loadState reads the state of out; a missing, truncated or corrupt state
// means a build from scratch.
func loadState(dir, out string) *state {
	fresh := &state{Out: out, Files: map[string]*fileState{}}
	// Read into one string, which every decoded string shares.
	data, err := bincodec.ReadFile(statePath(dir, out))
	if err != nil {
		return fresh
	}
	old := state{Out: out}
	if old.decode(data) != nil || old.Out != out {
		return fresh
	}
	return &old
}

// hashOf identifies a rendered document's content, so that a document
// rendered again the same is not rewritten. XXH64: it only has to tell one
// file's old content from its new (a 2⁻⁶⁴ chance to miss a change), and
// it is cheaper than SHA-256 (bench/profiles.md).
func hashOf(data []byte) string {
	return strconv.FormatUint(xxhash.Sum64(data), 16)
}

// checkFiles checks the files of the state in the background, setting
// each one's intact; the returned function waits until it is done. Until
// then, st.Files must not change. With verify, it stats every file;
// otherwise it stats every file but the post pages, and takes a post page
// as intact when its directory is still listed in posts/ (see
// Options.Verify). The checks overlap with loading the posts.
func (st *state) checkFiles(verify bool) (wait func()) {
	var files []*fileState
	var paths []string
	var pages map[string]*fileState // post key → its page, checked by listing
	if !verify {
		pages = make(map[string]*fileState, len(st.Files))
	}
	for p, f := range st.Files {
		if key, ok := postKey(p); ok && pages != nil {
			pages[key] = f
			continue
		}
		files, paths = append(files, f), append(paths, p)
	}
	d := dirstat.Open(st.Out)
	var wg sync.WaitGroup
	if len(pages) > 0 {
		wg.Go(func() { checkListed(filepath.Join(st.Out, "posts"), pages) })
	}
	workers := 4 // waiting on the file system more than computing
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(files); i += workers {
				fi, ok := d.Stat(paths[i])
				files[i].intact = ok && fi.Size == files[i].Size && fi.ModTime == files[i].ModTime
			}
		})
	}
	return func() {
		wg.Wait()
		d.Close()
	}
}

// postKey returns KEY when p is a post page, posts/KEY/index.html.
func postKey(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, "posts/")
	if !ok {
		return "", false
	}
	key, ok := strings.CutSuffix(rest, "/index.html")
	if !ok || key == "" || strings.Contains(key, "/") {
		return "", false
	}
	return key, true
}

// checkListed sets intact on the pages whose directory is listed in dir,
// which one getdents pass reads for 10,000 pages.
func checkListed(dir string, pages map[string]*fileState) {
	names, _ := dirstat.Names(dir, false) // none listed: all pages are written again
	for _, n := range names {
		if f, ok := pages[n]; ok {
			f.intact = true
		}
	}
}

// outcome is what one job needs: nothing (skip), or data to write.
type outcome struct {
	skip bool
	data []byte
	hash string
	err  error
}

// writeTree renders the jobs whose inputs or files changed, then — only
// when every render succeeded — writes those whose content changed and
// removes files a previous build wrote that are no longer produced. base
// identifies the theme and configuration; when it differs from the last
// build's, no file's key counts. The files of old must have been checked
// (checkFiles); old becomes the new state.
func writeTree(dir string, old *state, base string, jobs []job) (*Result, error) {
	keysValid := old.Base == base
	outs := renderChanged(old, keysValid, jobs)
	for _, o := range outs {
		if o.err != nil {
			return nil, o.err
		}
	}
	res := &Result{}
	old.rewrite = !keysValid
	changed := !keysValid || old.Entries.Changed()
	kept := 0 // jobs whose path the last build also wrote
	var writes []int
	for i, j := range jobs {
		o := outs[i]
		prev, ok := old.Files[j.Path]
		if ok {
			kept++
		}
		if !o.skip && !(ok && prev.Hash == o.hash && prev.Size == int64(len(o.data)) && prev.intact) {
			writes = append(writes, i)
			continue
		}
		if prev.Key != j.Key {
			prev.Key, changed = j.Key, true
			old.changed = append(old.changed, j.Path)
		}
		res.Unchanged++
	}
	written, err := writeAll(old, jobs, outs, writes)
	if err != nil {
		return nil, err
	}
	if kept < len(old.Files) {
		res.Removed = removeStale(old.Out, old.Files, jobs)
		old.changed = append(old.changed, res.Removed...)
	}
	for k, i := range writes {
		old.Files[jobs[i].Path] = written[k]
		res.Written = append(res.Written, jobs[i].Path)
	}
	old.changed = append(old.changed, res.Written...)
	sort.Strings(res.Written)
	if !changed && len(res.Written) == 0 && len(res.Removed) == 0 {
		return res, nil // the saved state is still exact
	}
	old.Base = base
	return res, old.save(dir)
}

// renderChanged renders, one worker per CPU, every job whose key is unset
// or differs from the last build's, or whose file changed since.
func renderChanged(old *state, keysValid bool, jobs []job) []outcome {
	outs := make([]outcome, len(jobs))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(jobs); i += workers {
				j := jobs[i]
				prev, ok := old.Files[j.Path]
				if ok && keysValid && j.Key != "" && prev.Key == j.Key && prev.intact {
					outs[i] = outcome{skip: true}
					continue
				}
				data, err := j.Render()
				outs[i] = outcome{data: data, hash: hashOf(data), err: err}
			}
		}()
	}
	wg.Wait()
	return outs
}

// writeAll writes the documents jobs[i] for i in which, several at a time
// since the work is mostly waiting for the file system. A document the last
// build did not write (not in old) is created in place (see writeDoc).
func writeAll(old *state, jobs []job, outs []outcome, which []int) ([]*fileState, error) {
	states := make([]*fileState, len(which))
	errs := make([]error, len(which))
	const workers = 8
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := w; k < len(which); k += workers {
				j := jobs[which[k]]
				_, known := old.Files[j.Path]
				states[k], errs[k] = writeDoc(filepath.Join(old.Out, filepath.FromSlash(j.Path)), outs[which[k]], j.Key, !known)
			}
		}()
	}
	wg.Wait()
	return states, errors.Join(errs...)
}

// writeDoc writes one document. A file that replaces another is written
// beside it and renamed into place, so a reader never sees it half
// written. A new one (fresh, and no file at path) is created in place,
// which saves two system calls per file on a full build: until now nothing
// was there to read, and if the build fails half way, the build state does
// not know the file, so the next build writes it again.
func writeDoc(path string, o outcome, key string, fresh bool) (*fileState, error) {
	if err := mkdir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	var fi dirstat.Info
	err := os.ErrExist
	if fresh {
		fi, err = createFile(path, o.data)
	}
	if errors.Is(err, os.ErrExist) {
		fi, err = writeFile(path, o.data)
	}
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	return &fileState{Key: key, Hash: o.hash, Size: fi.Size, ModTime: fi.ModTime, intact: true}, nil
}

// mkdir makes dir, usually with one system call: its parent mostly exists.
func mkdir(dir string) error {
	err := os.Mkdir(dir, 0o755)
	if err == nil || errors.Is(err, os.ErrExist) {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("making directory %s: %w", dir, err)
	}
	return nil
}

// removeStale removes, and drops from files, the files no job produces.
func removeStale(out string, files map[string]*fileState, jobs []job) []string {
	produced := make(map[string]bool, len(jobs))
	for _, j := range jobs {
		produced[j.Path] = true
	}
	var removed []string
	for p := range files {
		if produced[p] {
			continue
		}
		path := filepath.Join(out, filepath.FromSlash(p))
		if err := os.Remove(path); err == nil || errors.Is(err, os.ErrNotExist) {
			removed = append(removed, p)
			delete(files, p)
			_ = os.Remove(filepath.Dir(path)) // only succeeds when empty
		}
	}
	sort.Strings(removed)
	return removed
}

// writeFileAtomic writes data to a temporary file beside path and renames it
// into place, so readers never see a half-written file.
func writeFileAtomic(path string, data []byte) error {
	_, err := writeFile(path, data)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// writeFile is writeFileAtomic that also returns the size and modification
// time of the written file (taken before the rename, which does not change
// them).
func writeFile(path string, data []byte) (dirstat.Info, error) {
	tmp := path + ".tmp-" + strconv.FormatUint(rand.Uint64(), 36)
	fi, err := createFile(tmp, data)
	if err != nil {
		return dirstat.Info{}, err
	}
	if err := rename(tmp, path); err != nil {
		os.Remove(tmp)
		return dirstat.Info{}, err
	}
	return fi, nil
}
