package feedparse

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"
	"github.com/mmcdole/gofeed/rss"

	"github.com/rookery-social/rookery/aggregate/sanitize"
)

// ErrNotFeed is returned (wrapped) for documents that are not RSS, Atom or JSON Feed.
var ErrNotFeed = errors.New("feedparse: not a feed")

const thrNS = "http://purl.org/syndication/thread/1.0"

// Parser parses feed documents. It is safe for concurrent use.
type Parser struct {
	policy     *sanitize.Policy
	maxEntries int
	// rss is gofeed's RSS translator without the search of item content
	// for an image. It is stateless, so one serves every parse.
	rss *gofeed.DefaultRSSTranslator
}

// NewParser returns a parser that keeps at most maxEntries entries of a
// document (the first ones; 0 means 1000).
func NewParser(maxEntries int) *Parser {
	if maxEntries <= 0 {
		maxEntries = 1000
	}
	return &Parser{policy: sanitize.New(), maxEntries: maxEntries,
		rss: &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}}
}

// Known returns the digests the feed stores for those of keys (entries'
// de-duplication keys) it already has. Parse skips sanitizing an entry
// stored with the digest it has now. It is called once per document.
type Known func(keys []string) map[string]string

// Parse reads body, fetched from feedURL with header (which may be nil).
func (p *Parser) Parse(body []byte, header http.Header, feedURL string) (*Feed, error) {
	return p.ParseKnown(body, header, feedURL, nil)
}

// ParseKnown is Parse, marking the entries known reports as stored
// Unchanged (they are not sanitized, and have no HTML or Text). known may
// be nil.
func (p *Parser) ParseKnown(body []byte, header http.Header, feedURL string, known Known) (*Feed, error) {
	st, err := p.ParseStream(body, header, feedURL, known, nil)
	if err != nil {
		return nil, err
	}
	st.WaitAll()
	return st.Feed, nil
}

// Stream is a parsed document whose entries are still being sanitized in
// the background: entry i's HTML, Text, Links, Digest and Unchanged may be
// read only after Wait(i) (or WaitAll) returns. Everything else is set.
type Stream struct {
	Feed  *Feed
	ready []chan struct{}
}

// Wait blocks until entry i of s.Feed.Entries is sanitized.
func (s *Stream) Wait(i int) { <-s.ready[i] }

// WaitAll blocks until every entry is sanitized.
func (s *Stream) WaitAll() {
	for _, c := range s.ready {
		<-c
	}
}

// ParseStream is ParseKnown returning as soon as the document is parsed,
// while its entries are sanitized on the available cores in the order
// order gives (indices of Feed.Entries; nil means document order): a
// caller storing them in that order overlaps storing with sanitizing.
func (p *Parser) ParseStream(body []byte, header http.Header, feedURL string, known Known, order func([]Entry) []int) (*Stream, error) {
	if header == nil {
		header = http.Header{}
	}
	doc, err := toUTF8(body, header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	gf, err := p.gofeed(doc)
	if err != nil {
		return nil, explain(doc, err)
	}
	jx, err := readJSONExtras(gf, doc)
	if err != nil {
		return nil, err
	}
	f, raws := p.convert(gf, doc, header, feedURL, jx)
	stored := storedDigests(f.Entries, known)
	st := &Stream{Feed: f, ready: make([]chan struct{}, len(f.Entries))}
	for i := range st.ready {
		st.ready[i] = make(chan struct{})
	}
	p.sanitizeAll(st, raws, stored, feedURL, sequence(f.Entries, order))
	return st, nil
}

// sequence is order(entries) when that is a permutation of their indices,
// else document order.
func sequence(entries []Entry, order func([]Entry) []int) []int {
	if order != nil {
		seq := order(entries)
		seen := make([]bool, len(entries))
		ok := len(seq) == len(entries)
		for _, i := range seq {
			if !ok || i < 0 || i >= len(entries) || seen[i] {
				ok = false
				break
			}
			seen[i] = true
		}
		if ok {
			return seq
		}
	}
	seq := make([]int, len(entries))
	for i := range seq {
		seq[i] = i
	}
	return seq
}

func explain(doc []byte, err error) error {
	if len(doc) > 0 && doc[0] == '{' {
		return fmt.Errorf("feedparse: malformed JSON Feed: %w", err)
	}
	if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		head := strings.ToLower(string(doc[:min(len(doc), 1024)]))
		if strings.Contains(head, "<html") || strings.Contains(head, "<head") || strings.Contains(head, "<!doctype html") {
			return fmt.Errorf("%w: this is an HTML page, not RSS, Atom or JSON Feed (follow the page URL to discover its feed)", ErrNotFeed)
		}
		return fmt.Errorf("%w: the document is not RSS, Atom or JSON Feed", ErrNotFeed)
	}
	return fmt.Errorf("feedparse: malformed feed: %w", err)
}

// convert reads gofeed's document into a Feed of unsanitized entries
// without digests, returned with their raw content.
func (p *Parser) convert(gf *gofeed.Feed, doc []byte, header http.Header, feedURL string, jx *jsonExtras) (*Feed, []string) {
	disc := discover(header, doc, feedURL, jx)
	f := &Feed{
		Title:   strings.TrimSpace(gf.Title),
		SiteURL: sanitize.ResolveHTTP(feedURL, gf.Link),
		Self:    sanitize.HTTPURL(disc.Self),
		Hubs:    httpOnly(disc.Hubs),
		TTL:     ttl(gf),
	}
	f.Author, f.Bio, f.Avatar = profileOf(gf, feedURL)
	if gf.FeedType == "atom" {
		f.Deleted = tombstones(doc)
	}
	f.PrevArchive = sanitize.ResolveHTTP(feedURL, prevArchive(gf))
	if f.PrevArchive == "" || f.PrevArchive == feedURL {
		f.PrevArchive = ""
	}
	items := gf.Items[:min(len(gf.Items), p.maxEntries)]
	raws := make([]string, len(items))
	f.Entries = make([]Entry, len(items))
	for i, it := range items {
		e, raw := rawEntry(gf, it, feedURL)
		addAtomLinks(&e, gf, i, feedURL)
		if r, ok := jx.item(i); ok {
			r.apply(&e, feedURL)
		}
		f.Entries[i], raws[i] = e, raw
	}
	return f, raws
}

// storedDigests asks known for the digests stored for the entries' keys.
func storedDigests(entries []Entry, known Known) map[string]string {
	if known == nil || len(entries) == 0 {
		return nil
	}
	keys := make([]string, len(entries))
	for i, e := range entries {
		keys[i] = e.Key
	}
	return known(keys)
}

// sanitizeAll sets the entries' digests, marks Unchanged those stored
// with the same digest and sanitizes the others, in the order seq gives,
// closing each one's ready channel when done. A long document is spread
// over the available cores in the background (it is most of the parse
// time); a short one is done before returning.
func (p *Parser) sanitizeAll(st *Stream, raws []string, stored map[string]string, feedURL string, seq []int) {
	entries := st.Feed.Entries
	one := func(i int) {
		e := &entries[i]
		e.Digest = digest(*e, raws[i])
		if d, ok := stored[e.Key]; ok && d == e.Digest {
			e.Unchanged = true
		} else {
			p.sanitize(e, raws[i], feedURL)
		}
		close(st.ready[i])
	}
	workers := min(runtime.GOMAXPROCS(0), len(entries)/minPerWorker)
	if workers < 1 {
		for _, i := range seq {
			one(i)
		}
		return
	}
	var next atomic.Int64
	for range workers {
		go func() {
			for k := int(next.Add(1) - 1); k < len(seq); k = int(next.Add(1) - 1) {
				one(seq[k])
			}
		}()
	}
}

// minPerWorker is the fewest entries worth another goroutine.
const minPerWorker = 8

func ttl(gf *gofeed.Feed) time.Duration {
	rf, ok := gf.OriginalFeed().(*rss.Feed)
	if !ok || rf.TTL == "" {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(rf.TTL))
	if err != nil || n <= 0 {
		return 0
	}
	return time.Duration(n) * time.Minute
}

func prevArchive(gf *gofeed.Feed) string {
	if af, ok := gf.OriginalFeed().(*atom.Feed); ok {
		for _, l := range af.Links {
			if hasRel(l.Rel, "prev-archive") {
				return l.Href
			}
		}
		return ""
	}
	for _, l := range extLinks(gf.Extensions) {
		if hasRel(l.Attrs["rel"], "prev-archive") {
			return l.Attrs["href"]
		}
	}
	return ""
}

func hasRel(rels, want string) bool {
	for _, r := range strings.Fields(strings.ToLower(rels)) {
		if r == want {
			return true
		}
	}
	return false
}

func extLinks(e ext.Extensions) []ext.Extension {
	if e == nil {
		return nil
	}
	return e["atom"]["link"]
}

// gofeed parses an XML or JSON feed document with gofeed, keeping the
// original feed for the extensions gofeed's translation drops.
func (p *Parser) gofeed(doc []byte) (*gofeed.Feed, error) {
	gp := gofeed.NewParser()
	gp.KeepOriginalFeed = true
	// The reader never shows an entry's image, and finding one in RSS
	// content means an HTML parse of every item (see bench/profiles.md).
	gp.RSSTranslator = p.rss
	return gp.Parse(bytes.NewReader(doc))
}
