package site

import (
	"encoding/binary"
	"errors"
	"sort"
)

// The build state is read before and written after every build, so, like
// publish's entry cache, it has a small hand-written binary form: with
// encoding/gob it cost more than the rest of an incremental build.

const stateMagic = "feedpub-build-1"

var errBadState = errors.New("site: corrupt build state")

func (st *state) encode() ([]byte, error) {
	entries, err := st.Entries.MarshalBinary()
	if err != nil {
		return nil, err
	}
	paths := make([]string, 0, len(st.Files))
	for p := range st.Files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	b := make([]byte, 0, len(entries)+len(paths)*128+64)
	str := func(s string) { b = binary.AppendUvarint(b, uint64(len(s))); b = append(b, s...) }
	str(stateMagic)
	str(st.Out)
	b = binary.AppendUvarint(b, uint64(len(paths)))
	for _, p := range paths {
		f := st.Files[p]
		str(p)
		str(f.Key)
		str(f.Hash)
		b = binary.AppendVarint(b, f.Size)
		b = binary.AppendVarint(b, f.ModTime)
	}
	return append(b, entries...), nil
}

func (st *state) decode(b []byte) error {
	bad := false
	uvarint := func() uint64 {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			bad, b = true, nil
			return 0
		}
		b = b[n:]
		return v
	}
	varint := func() int64 {
		v, n := binary.Varint(b)
		if n <= 0 {
			bad, b = true, nil
			return 0
		}
		b = b[n:]
		return v
	}
	str := func() string {
		n := uvarint()
		if n > uint64(len(b)) {
			bad, b = true, nil
			return ""
		}
		s := string(b[:n])
		b = b[n:]
		return s
	}
	if str() != stateMagic {
		return errBadState
	}
	st.Out = str()
	n := uvarint()
	if n > uint64(len(b)) {
		return errBadState
	}
	st.Files = make(map[string]fileState, n)
	for range n {
		p := str()
		st.Files[p] = fileState{Key: str(), Hash: str(), Size: varint(), ModTime: varint()}
	}
	if bad {
		return errBadState
	}
	return st.Entries.UnmarshalBinary(b)
}
