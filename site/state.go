package site

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
)

// The build state is read before and written after every build, so, like
// publish's entry cache, it has a small hand-written binary form: with
// encoding/gob it cost more than the rest of an incremental build.
//
// The file is a snapshot followed by change records. A build that changed
// a few files appends one record (its changed files and post entries)
// instead of writing the whole state again, which at 10,000 posts is some
// 7 MB; once the records grow as large as the snapshot, or the theme or
// configuration changed, the next save writes a new snapshot. Each record
// carries its length and a CRC-32, so a record cut short by a crash makes
// the whole state unreadable, which only means a build from scratch.
//
//	snapshot: str(magic) str(Out) str(Base) uvarint(n) n×file u64le(len) entries
//	file:     str(path) str(Key) str(Hash) varint(Size) varint(ModTime)
//	record:   uvarint(len) u32le(crc32(payload)) payload
//	payload:  str(Base) uvarint(n) n×(str(path) byte(present) [file fields]) entry changes

const stateMagic = "feedpub-build-3"

var errBadState = errors.New("corrupt build state")

func appendStr(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendFileState(b []byte, f *fileState) []byte {
	b = appendStr(appendStr(b, f.Key), f.Hash)
	return binary.AppendVarint(binary.AppendVarint(b, f.Size), f.ModTime)
}

// encode writes a snapshot; files in map order, like the entry cache.
func (st *state) encode() ([]byte, error) {
	b := make([]byte, 0, len(st.Files)*160+len(st.Entries.Files)*700+256)
	b = appendStr(b, stateMagic)
	b = appendStr(b, st.Out)
	b = appendStr(b, st.Base)
	b = binary.AppendUvarint(b, uint64(len(st.Files)))
	for p, f := range st.Files {
		b = appendFileState(appendStr(b, p), f)
	}
	at := len(b)
	b = binary.LittleEndian.AppendUint64(b, 0) // the entries' length, set below
	b, err := st.Entries.AppendBinary(b)
	if err != nil {
		return nil, err
	}
	binary.LittleEndian.PutUint64(b[at:], uint64(len(b)-at-8))
	return b, nil
}

// encodeChanges writes a record of this build's changes.
func (st *state) encodeChanges() ([]byte, error) {
	p := appendStr(nil, st.Base)
	p = binary.AppendUvarint(p, uint64(len(st.changed)))
	for _, path := range st.changed {
		p = appendStr(p, path)
		f, ok := st.Files[path]
		if !ok {
			p = append(p, 0)
			continue
		}
		p = appendFileState(append(p, 1), f)
	}
	p, err := st.Entries.AppendChanges(p)
	if err != nil {
		return nil, err
	}
	b := binary.AppendUvarint(make([]byte, 0, len(p)+16), uint64(len(p)))
	b = binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(p))
	return append(b, p...), nil
}

// save writes the state: a change record appended to the file this build
// started from when that is worth it, else a new snapshot.
func (st *state) save(dir string) error {
	path := statePath(dir, st.Out)
	if st.snapshot > 0 && !st.rewrite && !st.Entries.Replaced() {
		rec, err := st.encodeChanges()
		if err != nil {
			return fmt.Errorf("build state: %w", err)
		}
		if st.size+len(rec) <= 2*st.snapshot && appendRecord(path, int64(st.size), rec) == nil {
			return nil
		}
	}
	data, err := st.encode()
	if err != nil {
		return fmt.Errorf("build state: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, StateDir), 0o755); err != nil {
		return fmt.Errorf("%w", err)
	}
	return writeFileAtomic(path, data)
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

// stateReader decodes from one string, so that every string it returns
// shares that string's memory instead of being allocated and copied.
type stateReader struct {
	s   string
	bad bool
}

func (r *stateReader) uvarint() uint64 {
	var v uint64
	for shift, i := uint(0), 0; i < len(r.s) && i < binary.MaxVarintLen64; i, shift = i+1, shift+7 {
		c := r.s[i]
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			r.s = r.s[i+1:]
			return v
		}
	}
	r.bad, r.s = true, ""
	return 0
}

func (r *stateReader) varint() int64 {
	u := r.uvarint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

// take returns the next n bytes.
func (r *stateReader) take(n uint64) string {
	if n > uint64(len(r.s)) {
		r.bad, r.s = true, ""
		return ""
	}
	s := r.s[:n]
	r.s = r.s[n:]
	return s
}

func (r *stateReader) str() string { return r.take(r.uvarint()) }

func (r *stateReader) fileState() fileState {
	return fileState{Key: r.str(), Hash: r.str(), Size: r.varint(), ModTime: r.varint()}
}

// decode reads a snapshot and the change records after it. Every string
// it decodes is a substring of data.
func (st *state) decode(data string) error {
	r := &stateReader{s: data}
	if r.str() != stateMagic {
		return errBadState
	}
	st.Out = r.str()
	st.Base = r.str()
	n := r.uvarint()
	if n > uint64(len(r.s)) {
		return errBadState
	}
	st.Files = make(map[string]*fileState, n)
	files := make([]fileState, n) // one allocation for all
	for i := range files {
		p := r.str()
		files[i] = r.fileState()
		st.Files[p] = &files[i]
	}
	if len(r.s) < 8 || r.bad {
		return errBadState
	}
	entries := r.take(binary.LittleEndian.Uint64([]byte(r.take(8))))
	if r.bad {
		return errBadState
	}
	if err := st.Entries.UnmarshalString(entries); err != nil {
		return err
	}
	st.snapshot, st.size = len(data)-len(r.s), len(data)
	for len(r.s) > 0 {
		if err := st.applyRecord(r); err != nil {
			return err
		}
	}
	return nil
}

func (st *state) applyRecord(r *stateReader) error {
	n := r.uvarint()
	sum := r.take(4)
	payload := r.take(n)
	if r.bad || crc32.ChecksumIEEE([]byte(payload)) != binary.LittleEndian.Uint32([]byte(sum)) {
		return errBadState
	}
	p := &stateReader{s: payload}
	st.Base = p.str()
	count := p.uvarint()
	if count > uint64(len(p.s)) {
		return errBadState
	}
	for range count {
		path := p.str()
		switch p.take(1) {
		case "\x00":
			delete(st.Files, path)
		case "\x01":
			f := p.fileState()
			st.Files[path] = &f
		default:
			return errBadState
		}
	}
	if p.bad {
		return errBadState
	}
	return st.Entries.ApplyChanges(p.s)
}
