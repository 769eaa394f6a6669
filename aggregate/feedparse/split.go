package feedparse

import (
	"bytes"
	"io"
	"runtime"
	"sync"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	"github.com/mmcdole/gofeed/rss"
)

// splitMin is the fewest entries (and splitMinBytes the smallest document)
// worth parsing in two halves at once.
const (
	splitMin      = 200
	splitMinBytes = 128 << 10
)

// parseXML parses doc with gofeed. A long RSS 2.0 or Atom document whose
// entries follow one another is parsed as two documents at once on two
// cores — the head and the first half of the entries, the head and the
// second half, each with the tail — and the halves are joined: gofeed's
// parse is most of an ingest's time, and it uses one core. Anything the
// scanner is unsure of, and any half whose entry count is not the
// scanner's, is parsed whole.
func (p *Parser) parseXML(doc []byte) (*gofeed.Feed, error) {
	if runtime.GOMAXPROCS(0) > 1 && len(doc) >= p.splitBytes && bytes.HasPrefix(bytes.TrimLeft(doc, " \t\r\n\ufeff"), []byte("<")) {
		if a, b, k, n, ok := splitDoc(doc, p.splitMin); ok {
			if gf, ok := p.parseHalves(a, b, k, n); ok {
				return gf, nil
			}
		}
	}
	return p.gofeed(doc)
}

func (p *Parser) gofeed(parts ...[]byte) (*gofeed.Feed, error) {
	gp := gofeed.NewParser()
	gp.KeepOriginalFeed = true
	// The reader never shows an entry's image, and finding one in RSS
	// content means an HTML parse of every item (5 % of an ingest).
	gp.RSSTranslator = p.rss
	readers := make([]io.Reader, len(parts))
	for i, b := range parts {
		readers[i] = bytes.NewReader(b)
	}
	return gp.Parse(io.MultiReader(readers...))
}

// parseHalves parses the two halves at once and joins them, or reports
// false when either does not hold the k and n-k entries it should.
func (p *Parser) parseHalves(a, b [][]byte, k, n int) (*gofeed.Feed, bool) {
	var fb *gofeed.Feed
	var errB error
	var wg sync.WaitGroup
	wg.Go(func() { fb, errB = p.gofeed(b...) })
	fa, errA := p.gofeed(a...)
	wg.Wait()
	if errA != nil || errB != nil || len(fa.Items) != k || len(fb.Items) != n-k || fa.FeedType != fb.FeedType {
		return nil, false
	}
	switch oa := fa.OriginalFeed().(type) {
	case *rss.Feed:
		ob, ok := fb.OriginalFeed().(*rss.Feed)
		if !ok || len(oa.Items) != k || len(ob.Items) != n-k {
			return nil, false
		}
		oa.Items = append(oa.Items, ob.Items...)
	case *atom.Feed:
		ob, ok := fb.OriginalFeed().(*atom.Feed)
		if !ok || len(oa.Entries) != k || len(ob.Entries) != n-k {
			return nil, false
		}
		oa.Entries = append(oa.Entries, ob.Entries...)
	default:
		return nil, false
	}
	fa.Items = append(fa.Items, fb.Items...)
	return fa, true
}

// splitDoc finds the entries of an RSS 2.0 (rss > channel > item) or Atom
// (feed > entry) document and, when there are at least min of them with
// only blank space between them, returns two documents, each in three
// parts: the head, entries [0, k) and the tail; the head, entries [k, n)
// and the tail.
func splitDoc(doc []byte, min int) (a, b [][]byte, k, n int, ok bool) {
	spans, ok := entrySpans(doc)
	if !ok || len(spans) < min {
		return nil, nil, 0, 0, false
	}
	for i := 1; i < len(spans); i++ {
		if len(bytes.TrimSpace(doc[spans[i-1][1]:spans[i][0]])) != 0 {
			return nil, nil, 0, 0, false
		}
	}
	n = len(spans)
	k = n / 2
	head, tail := doc[:spans[0][0]], doc[spans[n-1][1]:]
	a = [][]byte{head, doc[spans[0][0]:spans[k-1][1]], tail}
	b = [][]byte{head, doc[spans[k][0]:spans[n-1][1]], tail}
	return a, b, k, n, true
}

// entrySpans returns the byte ranges of the entries of an RSS 2.0 or Atom
// document (no namespace prefix on the root, channel, item or entry), read
// by a small XML scanner: tags, comments, processing instructions, CDATA
// sections and a doctype without an internal subset. It reports false for
// anything else.
func entrySpans(doc []byte) ([][2]int, bool) {
	var spans [][2]int
	var stack [][]byte
	var root []byte
	start := -1
	for i := 0; i < len(doc); {
		j := bytes.IndexByte(doc[i:], '<')
		if j < 0 {
			break
		}
		i += j
		rest := doc[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			e := bytes.Index(rest[4:], []byte("-->"))
			if e < 0 {
				return nil, false
			}
			i += 4 + e + 3
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			e := bytes.Index(rest, []byte("]]>"))
			if e < 0 {
				return nil, false
			}
			i += e + 3
		case bytes.HasPrefix(rest, []byte("<?")):
			e := bytes.Index(rest, []byte("?>"))
			if e < 0 {
				return nil, false
			}
			i += e + 2
		case bytes.HasPrefix(rest, []byte("<!")):
			e := bytes.IndexByte(rest, '>')
			if e < 0 || bytes.IndexByte(rest[:e], '[') >= 0 || len(stack) > 0 {
				return nil, false
			}
			i += e + 1
		default:
			name, end, closing, selfClosing, ok := xmlTag(rest)
			if !ok {
				return nil, false
			}
			switch {
			case closing:
				if len(stack) == 0 || !bytes.Equal(stack[len(stack)-1], name) {
					return nil, false
				}
				stack = stack[:len(stack)-1]
				if start >= 0 && isEntry(root, stack, name) {
					spans = append(spans, [2]int{start, i + end})
					start = -1
				}
			case selfClosing:
				if len(stack) == 0 {
					return nil, false
				}
			default:
				if len(stack) == 0 {
					if root != nil || string(name) != "rss" && string(name) != "feed" {
						return nil, false
					}
					root = name
				}
				if isEntry(root, stack, name) {
					start = i
				}
				stack = append(stack, name)
			}
			i += end
		}
	}
	return spans, len(stack) == 0 && root != nil
}

// isEntry reports whether an element name under the open elements stack
// is an entry: rss > channel > item, or feed > entry.
func isEntry(root []byte, stack [][]byte, name []byte) bool {
	switch string(root) {
	case "rss":
		return string(name) == "item" && len(stack) == 2 && string(stack[1]) == "channel"
	case "feed":
		return string(name) == "entry" && len(stack) == 1
	}
	return false
}

// xmlTag reads the start or end tag at the start of s: its name, its
// length, and whether it is an end tag or self-closing.
func xmlTag(s []byte) (name []byte, end int, closing, selfClosing, ok bool) {
	i := 1
	if i < len(s) && s[i] == '/' {
		closing = true
		i++
	}
	startName := i
	for i < len(s) && !isXMLSpace(s[i]) && s[i] != '>' && s[i] != '/' {
		i++
	}
	if i == startName || i >= len(s) {
		return nil, 0, false, false, false
	}
	name = s[startName:i]
	var quote byte
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '<': // not well-formed, even in an attribute value
			return nil, 0, false, false, false
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			selfClosing = !closing && s[i-1] == '/'
			return name, i + 1, closing, selfClosing, true
		}
	}
	return nil, 0, false, false, false
}

func isXMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}
