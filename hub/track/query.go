// Package track is the hub's tracked topics: queries over every entry the
// hub fetches (a #tag, an @FEED_URL mention, or plain words), their
// canonical form and track URL, the extraction of entries from fetched
// feeds (Atom, RSS, JSON Feed), an index that matches an entry against
// many queries at a cost that does not grow with their number, and the
// Atom document of matching entries.
//
// It knows nothing of HTTP serving, subscriptions or storage: package hub
// wires it in.
package track

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on queries: the track endpoint is public.
const (
	// MaxQueryBytes bounds a query as given.
	MaxQueryBytes = 512
	// MaxWords bounds the words of a word query.
	MaxWords = 8
	// maxWordBytes bounds one word or tag.
	maxWordBytes = 64
)

// Kind is what a query matches.
type Kind int

// Query kinds.
const (
	KindTag     Kind = iota + 1 // #tag
	KindMention                 // @FEED_URL
	KindWords                   // plain words, all of them
)

// Query is a parsed, normalized tracking query. Two spellings of the same
// query give equal Queries and the same String.
type Query struct {
	Kind  Kind
	Tag   string   // KindTag: lowercase, without '#'
	Feed  string   // KindMention: the normalized feed URL
	Words []string // KindWords: lowercase, distinct, sorted
}

// ErrQuery marks a query that cannot be parsed.
var ErrQuery = errors.New("track: bad query")

func queryErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrQuery}, args...)...)
}

// Parse reads a query: "#tag", "@FEED_URL" or one or more plain words.
func Parse(q string) (Query, error) {
	if len(q) > MaxQueryBytes {
		return Query{}, queryErr("the query is %d bytes long: at most %d", len(q), MaxQueryBytes)
	}
	if !utf8.ValidString(q) {
		return Query{}, queryErr("the query is not valid UTF-8")
	}
	q = strings.TrimSpace(q)
	switch {
	case q == "":
		return Query{}, queryErr("empty query: give #tag, @FEED_URL or words")
	case strings.HasPrefix(q, "#"):
		return parseTag(q[1:])
	case strings.HasPrefix(q, "@"):
		return parseMention(q[1:])
	}
	return parseWords(q)
}

func parseTag(s string) (Query, error) {
	tag := strings.ToLower(s)
	if tag == "" || len(tag) > maxWordBytes || strings.IndexFunc(tag, notTagRune) >= 0 {
		return Query{}, queryErr("#%s is not a tag: a tag is letters, digits, '_' and '-' (at most %d bytes), e.g. #golang", s, maxWordBytes)
	}
	return Query{Kind: KindTag, Tag: tag}, nil
}

func notTagRune(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '-'
}

func parseMention(s string) (Query, error) {
	u := NormalizeURL(s)
	if u == "" {
		return Query{}, queryErr("@%s: give the feed URL after '@', e.g. @https://alice.example/feed.atom", s)
	}
	return Query{Kind: KindMention, Feed: u}, nil
}

func parseWords(s string) (Query, error) {
	if strings.ContainsAny(s, "#@") {
		return Query{}, queryErr("%q mixes words with # or @: a query is one #tag, one @FEED_URL, or plain words", s)
	}
	words := Words(s)
	if len(words) == 0 {
		return Query{}, queryErr("%q has no words: give letters or digits", s)
	}
	slices.Sort(words)
	words = slices.Compact(words)
	if len(words) > MaxWords {
		return Query{}, queryErr("%d words: at most %d", len(words), MaxWords)
	}
	for _, w := range words {
		if len(w) > maxWordBytes {
			return Query{}, queryErr("word %q is over %d bytes", w[:maxWordBytes], maxWordBytes)
		}
	}
	return Query{Kind: KindWords, Words: words}, nil
}

// Words splits text into lowercase words: runs of letters and digits.
func Words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// String is the canonical form of the query: "#tag" (lowercase),
// "@URL" (scheme and host lowercased, default port and fragment dropped,
// empty path as "/") or the distinct lowercase words sorted and joined by
// one space.
func (q Query) String() string {
	switch q.Kind {
	case KindTag:
		return "#" + q.Tag
	case KindMention:
		return "@" + q.Feed
	case KindWords:
		return strings.Join(q.Words, " ")
	}
	return ""
}

// URL is the query's track URL at the hub whose public base URL is base
// (ending in "/"): the WebSub topic subscribers use.
func (q Query) URL(base string) string {
	return TrackURL(base) + "?" + url.Values{"q": {q.String()}}.Encode()
}

// TrackURL is the track endpoint of the hub at base.
func TrackURL(base string) string {
	return strings.TrimRight(base, "/") + "/track"
}

// FromURL reads the query of a track URL at the hub whose base URL is
// base. ok is false when topic is not a track URL of this hub; err is set
// when it is one but its query is bad or not in canonical form.
func FromURL(base, topic string) (q Query, ok bool, err error) {
	pre := TrackURL(base) + "?"
	if !strings.HasPrefix(topic, pre) {
		return Query{}, false, nil
	}
	vals, err := url.ParseQuery(topic[len(pre):])
	if err != nil || len(vals["q"]) != 1 {
		return Query{}, true, queryErr("the track URL needs exactly one q parameter")
	}
	if q, err = Parse(vals["q"][0]); err != nil {
		return q, true, err
	}
	if canon := q.URL(base); canon != topic {
		return q, true, queryErr("use the canonical topic URL %s", canon)
	}
	return q, true, nil
}

// NormalizeURL returns an absolute http(s) URL with its scheme and host
// lowercased, the default port and the fragment dropped and an empty path
// made "/"; "" when raw is not such a URL.
func NormalizeURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.User != nil {
		return ""
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return ""
	}
	u.Host = strings.ToLower(u.Host)
	if p := u.Port(); (p == "80" && u.Scheme == "http") || (p == "443" && u.Scheme == "https") {
		u.Host = u.Hostname()
	}
	if u.Path == "" {
		u.Path = "/"
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// dir is the URL up to and including the last '/' of its path: the
// "site" a feed URL lives under.
func dir(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		rest := u[i+3:]
		if q := strings.IndexAny(rest, "?#"); q >= 0 {
			rest = rest[:q]
		}
		if j := strings.LastIndex(rest, "/"); j >= 0 {
			return u[:i+3] + rest[:j+1]
		}
		return u[:i+3] + rest + "/"
	}
	return u
}
