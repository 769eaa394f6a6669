package site

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rookery-social/rookery/publish/bincodec"
)

// The build state is read before and written after every build, in the
// binary form of package bincodec, like publish's entry cache it holds.
//
// The file is a snapshot followed by change records. A build that changed
// a few files appends one record (its changed files and post entries)
// instead of writing the whole state again, which at 10,000 posts is some
// 7 MB; once the records grow as large as the snapshot, or the theme or
// configuration changed, the next save writes a new snapshot. Each record
// carries its length and a CRC-32C, so a record cut short by a crash makes
// the whole state unreadable, which only means a build from scratch.
//
//	snapshot: str(magic) str(Out) str(Base) uvarint(n) n×file u64le(len) entries
//	file:     str(path) str(Key) str(Hash) varint(Size) varint(ModTime)
//	record:   uvarint(len) payload u32le(crc32c(payload))
//	payload:  str(Base) uvarint(n) n×(str(path) byte(present) [file fields]) entry changes

const stateMagic = "feedpub-build-4"

var errBadState = errors.New("corrupt build state")

func writeFileState(w *bincodec.Writer, f *fileState) {
	w.Str(f.Key)
	w.Str(f.Hash)
	w.Int(f.Size)
	w.Int(f.ModTime)
}

// encode writes a snapshot; files in map order, like the entry cache.
func (st *state) encode() ([]byte, error) {
	w := &bincodec.Writer{B: make([]byte, 0, len(st.Files)*160+len(st.Entries.Files)*700+256)}
	w.Str(stateMagic)
	w.Str(st.Out)
	w.Str(st.Base)
	w.Uint(uint64(len(st.Files)))
	for p, f := range st.Files {
		w.Str(p)
		writeFileState(w, f)
	}
	at := len(w.B)
	b := binary.LittleEndian.AppendUint64(w.B, 0) // the entries' length, set below
	b, err := st.Entries.AppendBinary(b)
	if err != nil {
		return nil, err
	}
	binary.LittleEndian.PutUint64(b[at:], uint64(len(b)-at-8))
	return b, nil
}

// encodeChanges writes a record of this build's changes.
func (st *state) encodeChanges() ([]byte, error) {
	w := &bincodec.Writer{}
	w.Str(st.Base)
	w.Uint(uint64(len(st.changed)))
	for _, path := range st.changed {
		w.Str(path)
		f, ok := st.Files[path]
		w.Bool(ok)
		if ok {
			writeFileState(w, f)
		}
	}
	p, err := st.Entries.AppendChanges(w.B)
	if err != nil {
		return nil, err
	}
	p = bincodec.AppendCRC(p, 0)
	return append(binary.AppendUvarint(make([]byte, 0, len(p)+8), uint64(len(p))), p...), nil
}

// save writes the state: a change record appended to the file this build
// started from when that is worth it, else a new snapshot.
func (st *state) save(dir string) error {
	path := statePath(dir, st.Out)
	if st.snapshot > 0 && !st.rewrite && !st.Entries.Replaced() {
		rec, err := st.encodeChanges()
		if err != nil {
			return fmt.Errorf("saving the build state: %w", err)
		}
		if st.size+len(rec) <= 2*st.snapshot && appendRecord(path, int64(st.size), rec) == nil {
			return nil
		}
	}
	data, err := st.encode()
	if err != nil {
		return fmt.Errorf("saving the build state: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, StateDir), 0o755); err != nil {
		return fmt.Errorf("saving the build state: %w", err)
	}
	if err := writeFileAtomic(path, data); err != nil {
		return err
	}
	os.Remove(legacyStatePath(dir, st.Out))
	return nil
}

// appendRecord appends rec to the state file at path, provided it still
// has the size it had when read.
func appendRecord(path string, size int64, rec []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err == nil && fi.Size() != size {
		err = errBadState
	}
	if err == nil {
		_, err = f.Write(rec)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func readFileState(r *bincodec.Reader) fileState {
	return fileState{Key: r.Str(), Hash: r.Str(), Size: r.Int(), ModTime: r.Int()}
}

// decode reads a snapshot and the change records after it. Every string
// it decodes is a substring of data.
func (st *state) decode(data string) error {
	r := &bincodec.Reader{S: data}
	if r.Str() != stateMagic {
		return errBadState
	}
	st.Out = r.Str()
	st.Base = r.Str()
	n := r.Count()
	if r.Err != nil {
		return errBadState
	}
	st.Files = make(map[string]*fileState, n)
	files := make([]fileState, n) // one allocation for all
	for i := range files {
		p := r.Str()
		files[i] = readFileState(r)
		st.Files[p] = &files[i]
	}
	if len(r.S) < 8 || r.Err != nil {
		return errBadState
	}
	entries := r.Take(binary.LittleEndian.Uint64([]byte(r.Take(8))))
	if r.Err != nil {
		return errBadState
	}
	if err := st.Entries.UnmarshalString(entries); err != nil {
		return err
	}
	st.snapshot, st.size = len(data)-len(r.S), len(data)
	for len(r.S) > 0 {
		if err := st.applyRecord(r); err != nil {
			return err
		}
	}
	return nil
}

func (st *state) applyRecord(r *bincodec.Reader) error {
	payload, ok := bincodec.CheckCRC(r.Str())
	if r.Err != nil || !ok {
		return errBadState
	}
	p := &bincodec.Reader{S: payload}
	st.Base = p.Str()
	count := p.Count()
	for range count {
		path := p.Str()
		if !p.Bool() {
			delete(st.Files, path)
			continue
		}
		f := readFileState(p)
		st.Files[path] = &f
	}
	if p.Err != nil {
		return errBadState
	}
	return st.Entries.ApplyChanges(p.S)
}
