package publish

import (
	"encoding/binary"
	"errors"
	"slices"
	"time"
	"unsafe"
)

// The entry cache is saved after every build that changed something and
// read before every build, so its encoding must cost little at 10,000
// posts; encoding/gob spends several microseconds per entry on reflection,
// which is why the cache has this small hand-written binary form.

const cacheMagic = "feedpub-entries-2"

var errBadCache = errors.New("publish: corrupt entry cache")

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
	return w.b, nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (c *EntryCache) UnmarshalBinary(data []byte) error {
	return c.UnmarshalString(string(data))
}

// UnmarshalString is UnmarshalBinary from a string. Every decoded string
// is a substring of data, which spares an allocation and a copy per string.
func (c *EntryCache) UnmarshalString(data string) error {
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
	return w.b, nil
}

// ApplyChanges applies what AppendChanges wrote. Every decoded string is a
// substring of data.
func (c *EntryCache) ApplyChanges(data string) error {
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
	w.bool(p.Draft)
	w.bool(!p.Deleted.IsZero())
	if !p.Deleted.IsZero() {
		w.time(p.Deleted)
	}
	w.int(int64(p.BodyLine))
	w.uint(uint64(len(p.Body)))
	w.b = append(w.b, p.Body...)
	w.uint(5)
	for _, s := range []string{e.ID, e.Permalink, e.Title, e.HTML, e.Hash} {
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

// cachedEntry holds an entry and its post in one allocation.
type cachedEntry struct {
	e Entry
	p Post
}

func (r *cacheReader) entry(path string) *Entry {
	if !r.bool() {
		return nil
	}
	ce := &cachedEntry{}
	p := &ce.p
	p.Path, p.Key, p.Published, p.Updated, p.Tags = path, r.str(), r.time(), r.time(), r.strs()
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
	p.Draft = r.bool()
	if r.bool() {
		p.Deleted = r.time()
	}
	p.BodyLine = int(r.int())
	// The body shares the cache's memory instead of being copied: nothing
	// writes to a post's Body, and a cached post's is never parsed again.
	if b := r.str(); len(b) > 0 {
		p.Body = unsafe.Slice(unsafe.StringData(b), len(b))
	}
	e := &ce.e
	e.Post = p
	if r.uint() != 5 {
		r.fail()
		return e
	}
	e.ID, e.Permalink, e.Title, e.HTML, e.Hash = r.str(), r.str(), r.str(), r.str(), r.str()
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
	return e
}
