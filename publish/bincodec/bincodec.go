// Package bincodec is the one binary encoding of feedpub's saved state:
// the build state of package site and the entry cache of package publish
// it holds. Values are appended to a []byte (Writer) and read back from a
// string (Reader), so that every decoded string is a substring of what was
// read, sharing its memory instead of being copied. Every length is checked
// against what is left: a truncated or corrupt input makes the Reader fail,
// never panic or read past its end.
//
// Integers are varints (encoding/binary), strings a uvarint length then
// the bytes; a section may end with a CRC-32C (AppendCRC, CheckCRC).
package bincodec

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"strings"
	"time"
)

// ErrCorrupt is what a Reader fails with.
var ErrCorrupt = errors.New("corrupt or truncated data")

// Writer appends values to B.
type Writer struct{ B []byte }

// Uint appends v as a uvarint.
func (w *Writer) Uint(v uint64) { w.B = binary.AppendUvarint(w.B, v) }

// Int appends v as a varint.
func (w *Writer) Int(v int64) { w.B = binary.AppendVarint(w.B, v) }

// Str appends s with its length.
func (w *Writer) Str(s string) { w.Uint(uint64(len(s))); w.B = append(w.B, s...) }

// Bool appends v as one byte.
func (w *Writer) Bool(v bool) {
	b := byte(0)
	if v {
		b = 1
	}
	w.B = append(w.B, b)
}

// Time appends t as nanoseconds since 1970.
func (w *Writer) Time(t time.Time) { w.Int(t.UnixNano()) }

// Strs appends ss with their count.
func (w *Writer) Strs(ss []string) {
	w.Uint(uint64(len(ss)))
	for _, s := range ss {
		w.Str(s)
	}
}

// Reader reads what a Writer wrote from S. After the first error every
// read returns a zero value and Err stays set.
type Reader struct {
	S   string
	Err error
}

// Fail marks the input corrupt.
func (r *Reader) Fail() {
	if r.Err == nil {
		r.Err = ErrCorrupt
	}
	r.S = ""
}

// Uint reads a uvarint.
func (r *Reader) Uint() uint64 {
	var v uint64
	for i, shift := 0, uint(0); i < len(r.S) && i < binary.MaxVarintLen64; i, shift = i+1, shift+7 {
		c := r.S[i]
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			r.S = r.S[i+1:]
			return v
		}
	}
	r.Fail()
	return 0
}

// Int reads a varint.
func (r *Reader) Int() int64 {
	u := r.Uint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

// Take reads the next n bytes.
func (r *Reader) Take(n uint64) string {
	if n > uint64(len(r.S)) {
		r.Fail()
		return ""
	}
	s := r.S[:n]
	r.S = r.S[n:]
	return s
}

// Str reads a string and its length.
func (r *Reader) Str() string { return r.Take(r.Uint()) }

// Bool reads one byte, 0 or 1.
func (r *Reader) Bool() bool {
	switch r.Take(1) {
	case "\x00":
		return false
	case "\x01":
		return true
	}
	r.Fail()
	return false
}

// Time reads what Writer.Time wrote, in UTC.
func (r *Reader) Time() time.Time { return time.Unix(0, r.Int()).UTC() }

// Count reads a count of items that each take at least one byte, failing
// when there are fewer bytes left than that.
func (r *Reader) Count() uint64 {
	n := r.Uint()
	if n > uint64(len(r.S)) {
		r.Fail()
		return 0
	}
	return n
}

// Strs reads what Writer.Strs wrote; none is nil.
func (r *Reader) Strs() []string {
	n := r.Count()
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.Str()
	}
	return out
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// AppendCRC appends the CRC-32C of b[from:] to b.
func AppendCRC(b []byte, from int) []byte {
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[from:], castagnoli))
}

// CheckCRC returns data without the CRC-32C AppendCRC added, or false
// when it does not match.
func CheckCRC(data string) (string, bool) {
	if len(data) < 4 {
		return "", false
	}
	body, sum := data[:len(data)-4], data[len(data)-4:]
	return body, checksum(body) == binary.LittleEndian.Uint32([]byte(sum))
}

// checksum is the CRC-32C of s, through a small buffer: crc32 takes a
// []byte, and converting all of s would copy it whole.
func checksum(s string) uint32 {
	var buf [16 << 10]byte
	var crc uint32
	for len(s) > 0 {
		n := copy(buf[:], s)
		crc = crc32.Update(crc, castagnoli, buf[:n])
		s = s[n:]
	}
	return crc
}

// ReadFile reads the file at path into one string, copied once.
func ReadFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var b strings.Builder
	if fi, err := f.Stat(); err == nil {
		b.Grow(int(fi.Size()) + 512)
	}
	if _, err := io.Copy(&b, f); err != nil {
		return "", err
	}
	return b.String(), nil
}
