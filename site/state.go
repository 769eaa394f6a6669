package site

import (
	"encoding/binary"
	"errors"
)

// The build state is read before and written after every build, so, like
// publish's entry cache, it has a small hand-written binary form: with
// encoding/gob it cost more than the rest of an incremental build.

const stateMagic = "feedpub-build-2"

var errBadState = errors.New("site: corrupt build state")

// encode writes the state; files in map order, like the entry cache.
func (st *state) encode() ([]byte, error) {
	b := make([]byte, 0, len(st.Files)*160+len(st.Entries.Files)*700+256)
	str := func(s string) { b = binary.AppendUvarint(b, uint64(len(s))); b = append(b, s...) }
	str(stateMagic)
	str(st.Out)
	str(st.Base)
	b = binary.AppendUvarint(b, uint64(len(st.Files)))
	for p, f := range st.Files {
		str(p)
		str(f.Key)
		str(f.Hash)
		b = binary.AppendVarint(b, f.Size)
		b = binary.AppendVarint(b, f.ModTime)
	}
	return st.Entries.AppendBinary(b)
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

func (r *stateReader) str() string {
	n := r.uvarint()
	if n > uint64(len(r.s)) {
		r.bad, r.s = true, ""
		return ""
	}
	s := r.s[:n]
	r.s = r.s[n:]
	return s
}

// decode reads what encode wrote. Every string it decodes is a substring
// of data.
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
		files[i] = fileState{Key: r.str(), Hash: r.str(), Size: r.varint(), ModTime: r.varint()}
		st.Files[p] = &files[i]
	}
	if r.bad {
		return errBadState
	}
	return st.Entries.UnmarshalString(r.s)
}
