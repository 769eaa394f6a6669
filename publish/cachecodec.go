package publish

import (
	"encoding/binary"
	"errors"
	"slices"
	"sync"

	"github.com/rookery-social/rookery/publish/bincodec"
)

// The entry cache is saved after every build that changed something and
// read before every build, so its encoding must cost little at 10,000
// posts: it is written with package bincodec, like the build state that
// holds it, rather than encoding/gob (see BENCHMARKS.md).
//
// Each entry is written as a header holding what every build needs of
// every entry (key, dates, draft, deletion, hash and size: enough to sort, page
// and plan) and the rest, length-prefixed, which only rendering needs; the
// rest is decoded on first use (Entry.Full), so that a build after one new
// post does not decode 10,000 entries' HTML, tags and mentions to render
// a hundred. Since the rest is decoded late, where an error can't be
// reported, the whole form carries a CRC-32C, checked when it is read.

const cacheMagic = "feedpub-entries-5"

var errBadCache = errors.New("corrupt entry cache")

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
	w := &bincodec.Writer{B: slices.Grow(b, size)}
	w.Str(cacheMagic)
	w.Str(c.Config)
	w.Uint(uint64(len(c.Files)))
	for p, f := range c.Files {
		w.Str(p)
		w.Int(f.Size)
		w.Int(f.ModTime)
		writeEntry(w, f.Entry)
	}
	return bincodec.AppendCRC(w.B, from), nil
}

// UnmarshalString reads the binary form AppendBinary wrote. Every decoded string
// is a substring of data, which spares an allocation and a copy per string.
func (c *EntryCache) UnmarshalString(data string) error {
	data, ok := bincodec.CheckCRC(data)
	if !ok {
		return errBadCache
	}
	r := &bincodec.Reader{S: data}
	if r.Str() != cacheMagic {
		return errBadCache
	}
	c.Config = r.Str()
	n := r.Count()
	if r.Err != nil {
		return errBadCache
	}
	c.Files = make(map[string]CachedFile, n)
	for range n {
		p := r.Str()
		f := CachedFile{Size: r.Int(), ModTime: r.Int()}
		f.Entry = readEntry(r, p)
		c.Files[p] = f
	}
	if r.Err != nil {
		*c = EntryCache{}
		return r.Err
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
	w := &bincodec.Writer{B: b}
	w.Uint(uint64(len(c.changed)))
	for _, p := range c.changed {
		f, ok := c.Files[p]
		w.Str(p)
		w.Bool(ok)
		if ok {
			w.Int(f.Size)
			w.Int(f.ModTime)
			writeEntry(w, f.Entry)
		}
	}
	return bincodec.AppendCRC(w.B, from), nil
}

// ApplyChanges applies what AppendChanges wrote. Every decoded string is a
// substring of data.
func (c *EntryCache) ApplyChanges(data string) error {
	data, ok := bincodec.CheckCRC(data)
	if !ok {
		return errBadCache
	}
	r := &bincodec.Reader{S: data}
	n := r.Count()
	if r.Err != nil || c.Files == nil {
		return errBadCache
	}
	for range n {
		p := r.Str()
		if !r.Bool() {
			delete(c.Files, p)
			continue
		}
		f := CachedFile{Size: r.Int(), ModTime: r.Int()}
		f.Entry = readEntry(r, p)
		c.Files[p] = f
	}
	if r.Err != nil || len(r.S) != 0 {
		return errBadCache
	}
	return nil
}

func writeEntry(w *bincodec.Writer, e *Entry) {
	w.Bool(e != nil)
	if e == nil {
		return
	}
	p := e.Post
	w.Str(p.Key)
	w.Time(p.Published)
	w.Time(p.Updated)
	w.Bool(p.Draft)
	w.Bool(!p.Deleted.IsZero())
	if !p.Deleted.IsZero() {
		w.Time(p.Deleted)
	}
	w.Bool(e.like)
	w.Str(e.Hash)
	w.Str(e.bodyHash)
	w.Int(int64(e.size.meta))
	w.Int(int64(e.size.content))
	if e.rest != nil { // from the cache: its rest is already encoded
		w.Str(e.rest.data)
		return
	}
	at := len(w.B)
	w.B = binary.LittleEndian.AppendUint64(w.B, 0) // room for the length
	start := len(w.B)
	writeEntryRest(w, e)
	// Move the rest back over the room left, after its uvarint length.
	n := len(w.B) - start
	lenBytes := binary.AppendUvarint(nil, uint64(n))
	copy(w.B[at:], lenBytes)
	copy(w.B[at+len(lenBytes):], w.B[start:])
	w.B = w.B[:at+len(lenBytes)+n]
}

// entryRest writes what Entry.Full decodes.
func writeEntryRest(w *bincodec.Writer, e *Entry) {
	p := e.Post
	w.Strs(p.Tags)
	w.Bool(p.ReplyTo != nil)
	if p.ReplyTo != nil {
		w.Uint(3)
		w.Str(p.ReplyTo.Ref)
		w.Str(p.ReplyTo.Href)
		w.Str(p.ReplyTo.Source)
	}
	w.Uint(uint64(2 * len(p.Mentions)))
	for _, k := range sortedKeys(p.Mentions) {
		w.Str(k)
		w.Str(p.Mentions[k])
	}
	writeCite(w, p.RepostOf)
	writeCite(w, p.QuoteOf)
	writeCite(w, p.LikeOf)
	w.Int(int64(p.BodyLine))
	w.Str(string(p.Body))
	w.Uint(4)
	for _, s := range []string{e.ID, e.Permalink, e.Title, e.HTML} {
		w.Str(s)
	}
	w.Uint(uint64(2 * len(e.Mentions)))
	for _, m := range e.Mentions {
		w.Str(m.Nick)
		w.Str(m.URL)
	}
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
func readEntry(r *bincodec.Reader, path string) *Entry {
	if !r.Bool() {
		return nil
	}
	ce := &cachedEntry{}
	p := &ce.p
	p.Path, p.Key, p.Published, p.Updated, p.Draft = path, r.Str(), r.Time(), r.Time(), r.Bool()
	if r.Bool() {
		p.Deleted = r.Time()
	}
	e := &ce.e
	e.like = r.Bool()
	e.Post, e.Hash, e.bodyHash = p, r.Str(), r.Str()
	e.size = entrySize{meta: int(r.Int()), content: int(r.Int())}
	ce.rest.data = r.Str()
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
			r := &bincodec.Reader{S: l.data}
			readEntryRest(r, e)
			if r.Err != nil || len(r.S) != 0 {
				// The cache's CRC-32C matched when it was read: only a bug
				// in this file gets here.
				panic("publish: corrupt entry in the entry cache")
			}
		})
	}
	return e
}

func readEntryRest(r *bincodec.Reader, e *Entry) {
	p := e.Post
	p.Tags = r.Strs()
	if r.Bool() {
		if rt := r.Strs(); len(rt) == 3 {
			p.ReplyTo = &ReplyTo{Ref: rt[0], Href: rt[1], Source: rt[2]}
		} else {
			r.Fail()
		}
	}
	if kv := r.Strs(); len(kv) > 0 {
		p.Mentions = make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			p.Mentions[kv[i]] = kv[i+1]
		}
	}
	p.RepostOf, p.QuoteOf, p.LikeOf = readCite(r), readCite(r), readCite(r)
	p.BodyLine = int(r.Int())
	if b := r.Str(); len(b) > 0 {
		p.Body = []byte(b)
	}
	if r.Uint() != 4 {
		r.Fail()
		return
	}
	e.ID, e.Permalink, e.Title, e.HTML = r.Str(), r.Str(), r.Str(), r.Str()
	if n := r.Uint(); n > 0 && n <= uint64(len(r.S)) {
		e.Mentions = make([]Mention, 0, n/2)
		for range n / 2 {
			e.Mentions = append(e.Mentions, Mention{Nick: r.Str(), URL: r.Str()})
		}
		if n%2 == 1 {
			r.Str()
		}
	} else if n > 0 {
		r.Fail()
	}
}

// writeCite writes a repost_of, quote_of or like_of: none, or its five
// fields.
func writeCite(w *bincodec.Writer, c *Cite) {
	if c == nil {
		w.Strs(nil)
		return
	}
	w.Strs([]string{c.Ref, c.Href, c.Source, c.Author, c.Text})
}

func readCite(r *bincodec.Reader) *Cite {
	switch f := r.Strs(); len(f) {
	case 0:
		return nil
	case 5:
		return &Cite{Ref: f[0], Href: f[1], Source: f[2], Author: f[3], Text: f[4]}
	default:
		r.Fail()
		return nil
	}
}
