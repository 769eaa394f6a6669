package feedparse

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
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
	if header == nil {
		header = http.Header{}
	}
	doc, err := toUTF8(body, header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	gp := gofeed.NewParser()
	gp.KeepOriginalFeed = true
	// The reader never shows an entry's image, and finding one in RSS
	// content means an HTML parse of every item (5 % of an ingest).
	gp.RSSTranslator = p.rss
	gf, err := gp.Parse(bytes.NewReader(doc))
	if err != nil {
		return nil, explain(doc, err)
	}
	jx, err := readJSONExtras(gf, doc)
	if err != nil {
		return nil, err
	}
	return p.convert(gf, doc, header, feedURL, jx, known), nil
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

func (p *Parser) convert(gf *gofeed.Feed, doc []byte, header http.Header, feedURL string, jx *jsonExtras, known Known) *Feed {
	disc := discover(header, doc, feedURL, jx)
	f := &Feed{
		Title:   strings.TrimSpace(gf.Title),
		SiteURL: sanitize.ResolveURL(feedURL, gf.Link),
		Self:    disc.Self,
		Hubs:    disc.Hubs,
		TTL:     ttl(gf),
	}
	f.PrevArchive = sanitize.ResolveURL(feedURL, prevArchive(gf))
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
		e.Digest = digest(e, raw)
		f.Entries[i], raws[i] = e, raw
	}
	markKnown(f.Entries, known)
	p.sanitizeAll(f.Entries, raws, feedURL)
	return f
}

// markKnown marks the entries stored with their current digest Unchanged.
func markKnown(entries []Entry, known Known) {
	if known == nil || len(entries) == 0 {
		return
	}
	keys := make([]string, len(entries))
	for i, e := range entries {
		keys[i] = e.Key
	}
	stored := known(keys)
	for i := range entries {
		if d, ok := stored[entries[i].Key]; ok && d == entries[i].Digest {
			entries[i].Unchanged = true
		}
	}
}

// sanitizeAll sanitizes the entries that are not Unchanged, spread over the
// available cores: it is most of the parse time of a long feed.
func (p *Parser) sanitizeAll(entries []Entry, raws []string, feedURL string) {
	workers := min(runtime.GOMAXPROCS(0), len(entries)/minPerWorker)
	if workers <= 1 {
		for i := range entries {
			p.sanitizeEntry(&entries[i], raws[i], feedURL)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(entries); i = int(next.Add(1) - 1) {
				p.sanitizeEntry(&entries[i], raws[i], feedURL)
			}
		})
	}
	wg.Wait()
}

// minPerWorker is the fewest entries worth another goroutine.
const minPerWorker = 8

func (p *Parser) sanitizeEntry(e *Entry, raw, feedURL string) {
	if !e.Unchanged {
		p.sanitize(e, raw, feedURL)
	}
}

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
