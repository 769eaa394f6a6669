package publish

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"slices"
	"sync"
	"time"
	"unsafe"
)

// The entry cache is saved after every build that changed something and
// read before every build, so its encoding must cost little at 10,000
// posts; encoding/gob spends several microseconds per entry on reflection,
// which is why the cache has this small hand-written binary form.
//
// Each entry is written as a header holding what every build needs of
// every entry (key, dates, draft, deletion and hash: enough to sort, page
// and plan) and the rest, length-prefixed, which only rendering needs; the
// rest is decoded on first use (Entry.Full), so that a build after one new
// post does not decode 10,000 entries' HTML, tags and mentions to render
// a hundred. Since the rest is decoded late, where an error can't be
// reported, the whole form carries a CRC-32C, checked when it is read.

const cacheMagic = "feedpub-entries-3"

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// appendCRC appends the CRC-32C of b[from:].
func appendCRC(b []byte, from int) []byte {
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[from:], crcTable))
}

// checkCRC returns data without its trailing CRC-32C, or false.
func checkCRC(data string) (string, bool) {
	if len(data) < 4 {
		return "", false
	}
	body, sum := data[:len(data)-4], data[len(data)-4:]
	if crc32.Checksum(unsafe.Slice(unsafe.StringData(body), len(body)), crcTable) != binary.LittleEndian.Uint32([]byte(sum)) {
		return "", false
	}
	return body, true
}

var errBadCache = errors.New("corrupt entry cache")

// MarshalBinary implements encoding.BinaryMarshaler.
func (c *EntryCache) MarshalBinary() ([]byte, error) {
	return c.AppendBinary(nil)
}

// AppendBinary implements encoding.BinaryAppender: it appends the cache's
// binary form to b. Files are written in map order: the form is read back
// into a map, and sorting 10,000 paths on every save cost more than it is
// worth.
func (c *EntryCache) AppendBinary(b []byte) ([]byte, error) {
	size := 64
	for p, f := range c.Files {
		size += len(p) + 32
		if f.Entry != nil {
			size += 256 + len(f.Entry.HTML) + len(f.Entry.Body) + len(f.Entry.Title)
		}
	}
	from := len(b)
	w := &cacheWriter{b: slices.Grow(b, size)}
	w.str(cacheMagic)
	w.str(c.Config)
	w.uint(uint64(len(c.Files)))
	for p, f := range c.Files {
		w.str(p)
		w.int(f.Size)
		w.int(f.ModTime)
		w.entry(f.Entry)
	}
	return appendCRC(w.b, from), nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (c *EntryCache) UnmarshalBinary(data []byte) error {
	return c.UnmarshalString(string(data))
}

// UnmarshalString is UnmarshalBinary from a string. Every decoded string
// is a substring of data, which spares an allocation and a copy per string.
func (c *EntryCache) UnmarshalString(data string) error {
	data, ok := checkCRC(data)
	if !ok {
		return errBadCache
	}
	r := &cacheReader{b: data}
	if r.str() != cacheMagic {
		return errBadCache
	}
	c.Config = r.str()
	n := r.uint()
	if n > uint64(len(data)) {
		return errBadCache
	}
	c.Files = make(map[string]CachedFile, n)
	for range n {
		p := r.str()
		f := CachedFile{Size: r.int(), ModTime: r.int()}
		f.Entry = r.entry(p)
		c.Files[p] = f
	}
	if r.err != nil {
		*c = EntryCache{}
		return r.err
	}
	return nil
}

// AppendChanges appends the changes of the last LoadSiteCached (see
// Replaced): each added, changed or removed file. ApplyChanges applies
// them to the cache they were made from, so a build that changed a few
// posts can append its changes to a saved cache instead of saving all of
// it again.
func (c *EntryCache) AppendChanges(b []byte) ([]byte, error) {
	from := len(b)
	w := &cacheWriter{b: b}
	w.uint(uint64(len(c.changed)))
	for _, p := range c.changed {
		f, ok := c.Files[p]
		w.str(p)
		w.bool(ok)
		if ok {
			w.int(f.Size)
			w.int(f.ModTime)
			w.entry(f.Entry)
		}
	}
	return appendCRC(w.b, from), nil
}

// ApplyChanges applies what AppendChanges wrote. Every decoded string is a
// substring of data.
func (c *EntryCache) ApplyChanges(data string) error {
	data, ok := checkCRC(data)
	if !ok {
		return errBadCache
	}
	r := &cacheReader{b: data}
	n := r.uint()
	if n > uint64(len(data)) || c.Files == nil {
		return errBadCache
	}
	for range n {
		p := r.str()
		if !r.bool() {
			delete(c.Files, p)
			continue
		}
		f := CachedFile{Size: r.int(), ModTime: r.int()}
		f.Entry = r.entry(p)
		c.Files[p] = f
	}
	if r.err != nil || len(r.b) != 0 {
		return errBadCache
	}
	return nil
}

type cacheWriter struct{ b []byte }

func (w *cacheWriter) uint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *cacheWriter) int(v int64)   { w.b = binary.AppendVarint(w.b, v) }
func (w *cacheWriter) str(s string)  { w.uint(uint64(len(s))); w.b = append(w.b, s...) }
func (w *cacheWriter) bool(v bool) {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}
func (w *cacheWriter) time(t time.Time) { w.int(t.UnixNano()) }

func (w *cacheWriter) strs(ss []string) {
	w.uint(uint64(len(ss)))
	for _, s := range ss {
		w.str(s)
	}
}

func (w *cacheWriter) entry(e *Entry) {
	w.bool(e != nil)
	if e == nil {
		return
	}
	p := e.Post
	w.str(p.Key)
	w.time(p.Published)
	w.time(p.Updated)
	w.bool(p.Draft)
	w.bool(!p.Deleted.IsZero())
	if !p.Deleted.IsZero() {
		w.time(p.Deleted)
	}
	w.str(e.Hash)
	if e.rest != nil { // from the cache: its rest is already encoded
		w.str(e.rest.data)
		return
	}
	at := len(w.b)
	w.b = binary.LittleEndian.AppendUint64(w.b, 0) // room for the length
	start := len(w.b)
	w.entryRest(e)
	// Move the rest back over the room left, after its uvarint length.
	n := len(w.b) - start
	lenBytes := binary.AppendUvarint(nil, uint64(n))
	copy(w.b[at:], lenBytes)
	copy(w.b[at+len(lenBytes):], w.b[start:])
	w.b = w.b[:at+len(lenBytes)+n]
}

// entryRest writes what Entry.Full decodes.
func (w *cacheWriter) entryRest(e *Entry) {
	p := e.Post
	w.strs(p.Tags)
	w.bool(p.ReplyTo != nil)
	if p.ReplyTo != nil {
		w.uint(3)
		w.str(p.ReplyTo.Ref)
		w.str(p.ReplyTo.Href)
		w.str(p.ReplyTo.Source)
	}
	w.uint(uint64(2 * len(p.Mentions)))
	for _, k := range sortedKeys(p.Mentions) {
		w.str(k)
		w.str(p.Mentions[k])
	}
	w.int(int64(p.BodyLine))
	w.str(string(p.Body))
	w.uint(4)
	for _, s := range []string{e.ID, e.Permalink, e.Title, e.HTML} {
		w.str(s)
	}
	w.uint(uint64(2 * len(e.Mentions)))
	for _, m := range e.Mentions {
		w.str(m.Nick)
		w.str(m.URL)
	}
}

type cacheReader struct {
	b   string
	err error
}

func (r *cacheReader) fail() {
	if r.err == nil {
		r.err = errBadCache
	}
	r.b = ""
}

// uint decodes what binary.AppendUvarint wrote.
func (r *cacheReader) uint() uint64 {
	var v uint64
	for i, shift := 0, uint(0); i < len(r.b) && i < binary.MaxVarintLen64; i, shift = i+1, shift+7 {
		c := r.b[i]
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			r.b = r.b[i+1:]
			return v
		}
	}
	r.fail()
	return 0
}

// int decodes what binary.AppendVarint wrote.
func (r *cacheReader) int() int64 {
	u := r.uint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

func (r *cacheReader) str() string {
	n := r.uint()
	if n > uint64(len(r.b)) {
		r.fail()
		return ""
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}

func (r *cacheReader) bool() bool {
	if len(r.b) == 0 {
		r.fail()
		return false
	}
	v := r.b[0] == 1
	r.b = r.b[1:]
	return v
}

func (r *cacheReader) time() time.Time { return time.Unix(0, r.int()).UTC() }

func (r *cacheReader) strs() []string {
	n := r.uint()
	if n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.str()
	}
	return out
}

// cachedEntry holds an entry, its post and its undecoded rest in one
// allocation.
type cachedEntry struct {
	e    Entry
	p    Post
	rest entryRest
}

// entryRest is an entry's encoded rest until Entry.Full decodes it.
type entryRest struct {
	once sync.Once
	data string
}

// entry decodes an entry's header and keeps its rest for Entry.Full.
func (r *cacheReader) entry(path string) *Entry {
	if !r.bool() {
		return nil
	}
	ce := &cachedEntry{}
	p := &ce.p
	p.Path, p.Key, p.Published, p.Updated, p.Draft = path, r.str(), r.time(), r.time(), r.bool()
	if r.bool() {
		p.Deleted = r.time()
	}
	e := &ce.e
	e.Post, e.Hash = p, r.str()
	ce.rest.data = r.str()
	e.rest = &ce.rest
	return e
}

// Full decodes, once, the fields of an entry read from an EntryCache that
// only rendering needs — the post's Tags, ReplyTo, Mentions, Body and
// BodyLine, the entry's ID, Permalink, Title, HTML and Mentions — and
// returns e. Entries that LoadSite parsed are always full; those that
// LoadSiteCached took from the cache must be made full before those fields
// are read: the renderers of this package do so. Safe for concurrent use.
func (e *Entry) Full() *Entry {
	if l := e.rest; l != nil {
		l.once.Do(func() {
			r := &cacheReader{b: l.data}
			r.entryRest(e)
			if r.err != nil || len(r.b) != 0 {
				// The cache's CRC-32C matched when it was read: only a bug
				// in this file gets here.
				panic("publish: corrupt entry in the entry cache")
			}
		})
	}
	return e
}

func (r *cacheReader) entryRest(e *Entry) {
	p := e.Post
	p.Tags = r.strs()
	if r.bool() {
		if rt := r.strs(); len(rt) == 3 {
			p.ReplyTo = &ReplyTo{Ref: rt[0], Href: rt[1], Source: rt[2]}
		} else {
			r.fail()
		}
	}
	if kv := r.strs(); len(kv) > 0 {
		p.Mentions = make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			p.Mentions[kv[i]] = kv[i+1]
		}
	}
	p.BodyLine = int(r.int())
	// The body shares the cache's memory instead of being copied: nothing
	// writes to a post's Body, and a cached post's is never parsed again.
	if b := r.str(); len(b) > 0 {
		p.Body = unsafe.Slice(unsafe.StringData(b), len(b))
	}
	if r.uint() != 4 {
		r.fail()
		return
	}
	e.ID, e.Permalink, e.Title, e.HTML = r.str(), r.str(), r.str(), r.str()
	if n := r.uint(); n > 0 && n <= uint64(len(r.b)) {
		e.Mentions = make([]Mention, 0, n/2)
		for range n / 2 {
			e.Mentions = append(e.Mentions, Mention{Nick: r.str(), URL: r.str()})
		}
		if n%2 == 1 {
			r.str()
		}
	} else if n > 0 {
		r.fail()
	}
}
