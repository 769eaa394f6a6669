package track

import "strings"

// Term prefixes of StoreTerms and LookupTerms.
const (
	termTag  = "#"
	termLink = "@"
	termDir  = "^"
	termWord = "w:"
)

// StoreTerms lists the terms an entry is stored under, so that the
// entries a query may match are found by LookupTerms: its tags, links,
// reply directories and words.
func (e *Entry) StoreTerms() []string {
	t := e.termsOf()
	out := make([]string, 0, len(t.tags)+len(t.links)+len(t.words))
	for tag := range t.tags {
		out = append(out, termTag+tag)
	}
	for l := range t.links {
		out = append(out, termLink+l)
	}
	seen := map[string]bool{}
	for _, r := range t.replies {
		for _, d := range dirs(r) {
			if !seen[d] {
				seen[d] = true
				out = append(out, termDir+d)
			}
		}
	}
	for w := range t.words {
		out = append(out, termWord+w)
	}
	return out
}

// LookupTerms lists the terms under which every entry q matches is
// stored (with others, to verify with Matches).
func (q Query) LookupTerms() []string {
	switch q.Kind {
	case KindTag:
		return []string{termTag + q.Tag}
	case KindMention:
		return []string{termLink + q.Feed, termDir + dir(q.Feed)}
	case KindWords:
		return []string{termWord + keyWord(q.Words)}
	}
	return nil
}

// Key identifies an entry across fetches: its origin feed and id.
func (e *Entry) Key() string { return e.Source.Self + "\x00" + strings.TrimSpace(e.ID) }
