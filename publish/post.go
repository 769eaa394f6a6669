package publish

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// frontMatterFence opens and closes the TOML front matter of a post file.
const frontMatterFence = "+++"

// ReplyTo is the parent of a reply, as RFC 4685 thr:in-reply-to records it.
type ReplyTo struct {
	Ref    string `toml:"ref"`    // the parent's atom:id
	Href   string `toml:"href"`   // the parent's permalink
	Source string `toml:"source"` // the parent's feed URL
}

// Cite is a post this post reposts, quotes or likes, resolved when the
// post was written so that builds never fetch anything: its atom:id,
// permalink, feed URL, author and text.
type Cite struct {
	Ref    string `toml:"ref"`    // the original's atom:id
	Href   string `toml:"href"`   // its permalink
	Source string `toml:"source"` // its feed URL
	Author string `toml:"author"` // its author's name
	Text   string `toml:"text"`   // its plain text (at most citeTextMax runes)
}

// frontMatter is the TOML header of a post file. Every key is optional but
// key and published.
type frontMatter struct {
	Key       string            `toml:"key"`
	Published time.Time         `toml:"published"`
	Updated   time.Time         `toml:"updated"`
	Tags      []string          `toml:"tags"`
	ReplyTo   *ReplyTo          `toml:"reply_to"`
	Mentions  map[string]string `toml:"mentions"`
	Draft     bool              `toml:"draft"`
	Deleted   time.Time         `toml:"deleted"`
	RepostOf  *Cite             `toml:"repost_of"`
	QuoteOf   *Cite             `toml:"quote_of"`
	LikeOf    *Cite             `toml:"like_of"`
}

// Post is one parsed post file.
type Post struct {
	Path      string // the file, for error messages
	Key       string
	Published time.Time
	Updated   time.Time // equals Published when the file has no updated
	Tags      []string
	ReplyTo   *ReplyTo
	// Mentions recorded in front matter at post time: nick → feed URL.
	Mentions map[string]string
	Draft    bool
	// Deleted, when set, is when the post was deleted: it is published as
	// an RFC 6721 at:deleted-entry and its page is removed.
	Deleted time.Time
	// RepostOf, QuoteOf and LikeOf are the post this one reposts, quotes
	// or likes; at most one is set. A like is not a timeline post.
	RepostOf, QuoteOf, LikeOf *Cite
	Body                      []byte // Markdown
	BodyLine                  int    // line number of the first body line in the file
}

// PostFileName is the file name of a post: YYYY-MM-DD-KEY.md. Only the front
// matter key counts for the post's identity; the name is for humans.
func PostFileName(published time.Time, key string) string {
	return published.UTC().Format("2006-01-02") + "-" + key + ".md"
}

var keyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// ParsePost parses a post file's content; path is used in error messages.
func ParsePost(path string, data []byte) (*Post, error) {
	if err := checkPostSize(path, int64(len(data))); err != nil {
		return nil, err
	}
	fm, body, bodyLine, err := splitFrontMatter(path, data)
	if err != nil {
		return nil, err
	}
	var m frontMatter
	if err := decodeStrict(fm, &m); err != nil {
		// The front matter starts on the file's second line.
		switch pr := explainTOML(err); {
		case pr.unknown != "":
			return nil, fmt.Errorf("%s:%d: unknown front-matter key %q (known: key, published, updated, tags, reply_to.ref/href/source, mentions, draft, deleted, repost_of, quote_of, like_of)", path, pr.line+1, pr.unknown)
		case pr.line > 0:
			return nil, fmt.Errorf("%s:%d: malformed front matter: %s", path, pr.line+1, pr.msg)
		}
		return nil, fmt.Errorf("%s: malformed front matter: %w", path, err)
	}
	p := &Post{Path: path, Key: m.Key, Published: m.Published.UTC(), Updated: m.Updated.UTC(),
		Tags: normalizeTags(m.Tags), ReplyTo: m.ReplyTo, Mentions: m.Mentions, Draft: m.Draft,
		Deleted: m.Deleted.UTC(), RepostOf: m.RepostOf, QuoteOf: m.QuoteOf, LikeOf: m.LikeOf,
		Body: body, BodyLine: bodyLine}
	return p, p.check(fm)
}

func (p *Post) check(fm []byte) error {
	switch {
	case p.Key == "":
		return fmt.Errorf("%s:1: front matter has no key; add key = \"...\" (lowercase letters and digits), or create posts with `feedpub post`", p.Path)
	case !keyPattern.MatchString(p.Key):
		return fmt.Errorf("%s:%d: key %q must be lowercase letters, digits, - or _", p.Path, keyLine(fm, "key")+1, p.Key)
	case p.Published.IsZero():
		return fmt.Errorf("%s:1: front matter has no published date; add published = 2026-01-02T15:04:05Z", p.Path)
	case len(bytes.TrimSpace(p.Body)) == 0 && p.Deleted.IsZero() && p.RepostOf == nil && p.LikeOf == nil:
		return fmt.Errorf("%s:%d: post has no text; write something after the closing +++ or delete the file", p.Path, p.BodyLine)
	}
	if p.Updated.IsZero() || p.Updated.Before(p.Published) {
		p.Updated = p.Published
	}
	if !p.Deleted.IsZero() {
		if p.Deleted.Before(p.Published) {
			return fmt.Errorf("%s:%d: deleted is before published", p.Path, keyLine(fm, "deleted")+1)
		}
		p.Updated = p.Deleted
	}
	if r := p.ReplyTo; r != nil {
		if r.Ref == "" || r.Href == "" {
			return fmt.Errorf("%s:%d: reply_to needs ref (the parent's atom:id) and href (its permalink)", p.Path, keyLine(fm, "reply_to")+1)
		}
	}
	if err := p.checkCites(fm); err != nil {
		return err
	}
	return p.checkURLs(fm)
}

// checkURLs checks that every URL of the front matter is an absolute
// http(s) URL: they become links in the feeds and pages.
func (p *Post) checkURLs(fm []byte) error {
	var err error
	if r := p.ReplyTo; r != nil {
		_, err = checkAbsURL("reply_to.href", "reply_to href", r.Href)
		if err == nil && r.Source != "" {
			_, err = checkAbsURL("reply_to.source", "reply_to source", r.Source)
		}
	}
	for _, c := range p.cites() {
		if err == nil {
			_, err = checkAbsURL(c.name+".href", c.name+" href", c.cite.Href)
		}
		if err == nil && c.cite.Source != "" {
			_, err = checkAbsURL(c.name+".source", c.name+" source", c.cite.Source)
		}
	}
	for _, nick := range sortedKeys(p.Mentions) {
		if err == nil {
			_, err = checkAbsURL("mentions."+nick, "mentions "+nick, p.Mentions[nick])
		}
	}
	var se *settingError
	if !errors.As(err, &se) {
		return err
	}
	// The front matter starts on the file's second line.
	return fmt.Errorf("%s:%d: %w", p.Path, scanTOML(fm).lineOf(se.name, se.value)+1, err)
}

// splitFrontMatter returns the TOML between the +++ fences, the body and the
// body's first line number (1-based).
func splitFrontMatter(path string, data []byte) (fm, body []byte, bodyLine int, err error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	first, rest, _ := bytes.Cut(data, []byte("\n"))
	if string(bytes.TrimSpace(first)) != frontMatterFence {
		return nil, nil, 0, fmt.Errorf("%s:1: malformed front matter: the file must start with a %s line, then TOML keys, then %s", path, frontMatterFence, frontMatterFence)
	}
	line := 2
	for off := 0; off <= len(rest); line++ {
		end := bytes.IndexByte(rest[off:], '\n')
		cur := rest[off:]
		if end >= 0 {
			cur = rest[off : off+end]
		}
		if string(bytes.TrimSpace(cur)) == frontMatterFence {
			if end < 0 {
				return rest[:off], nil, line + 1, nil
			}
			return rest[:off], rest[off+end+1:], line + 1, nil
		}
		if end < 0 {
			break
		}
		off += end + 1
	}
	return nil, nil, 0, fmt.Errorf("%s:1: malformed front matter: no closing %s line", path, frontMatterFence)
}

// decodeStrict decodes TOML data into v, refusing keys v has no field for
// (a *toml.StrictMissingError).
func decodeStrict(data []byte, v any) error {
	d := toml.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

// tomlProblem is what went wrong in decodeStrict, for an error message.
type tomlProblem struct {
	line    int    // 1-based line of the problem; 0 when unknown
	unknown string // the key no field takes (dotted), if that was the problem
	msg     string // otherwise what was wrong
}

func explainTOML(err error) tomlProblem {
	var unknown *toml.StrictMissingError
	if errors.As(err, &unknown) && len(unknown.Errors) > 0 {
		row, _ := unknown.Errors[0].Position()
		return tomlProblem{line: row, unknown: strings.Join(unknown.Errors[0].Key(), ".")}
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, _ := de.Position()
		return tomlProblem{line: row, msg: strings.TrimPrefix(de.Error(), "toml: ")}
	}
	return tomlProblem{msg: err.Error()}
}

// keyLine finds the 0-based line of the front matter where key is set, or 0.
func keyLine(fm []byte, key string) int {
	for i, l := range strings.Split(string(fm), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, key+" ") || strings.HasPrefix(l, key+"=") || strings.HasPrefix(l, "["+key) || strings.Contains(l, "."+key+" ") {
			return i + 1
		}
	}
	return 0
}

func normalizeTags(tags []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "#")))
		if t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

var keyEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewKey returns a fresh random post key: 10 lowercase base32 characters.
func NewKey() string {
	var b [7]byte
	_, _ = rand.Read(b[:])
	return keyEncoding.EncodeToString(b[:])[:10]
}

// Encode renders the post as a post file: TOML front matter and Markdown body.
func (p *Post) Encode() []byte {
	var b bytes.Buffer
	b.WriteString(frontMatterFence + "\n")
	fmt.Fprintf(&b, "key = %s\npublished = %s\n", quote(p.Key), p.Published.UTC().Format(time.RFC3339Nano))
	if !p.Updated.IsZero() && !p.Updated.Equal(p.Published) {
		fmt.Fprintf(&b, "updated = %s\n", p.Updated.UTC().Format(time.RFC3339Nano))
	}
	if !p.Deleted.IsZero() {
		fmt.Fprintf(&b, "deleted = %s\n", p.Deleted.UTC().Format(time.RFC3339Nano))
	}
	if len(p.Tags) > 0 {
		q := make([]string, len(p.Tags))
		for i, t := range p.Tags {
			q[i] = quote(t)
		}
		fmt.Fprintf(&b, "tags = [%s]\n", strings.Join(q, ", "))
	}
	if r := p.ReplyTo; r != nil {
		fmt.Fprintf(&b, "\n[reply_to]\nref = %s\nhref = %s\nsource = %s\n", quote(r.Ref), quote(r.Href), quote(r.Source))
	}
	for _, c := range p.cites() {
		fmt.Fprintf(&b, "\n[%s]\nref = %s\nhref = %s\nsource = %s\nauthor = %s\ntext = %s\n", c.name,
			quote(c.cite.Ref), quote(c.cite.Href), quote(c.cite.Source), quote(c.cite.Author), quote(c.cite.Text))
	}
	if len(p.Mentions) > 0 {
		b.WriteString("\n[mentions]\n")
		for _, nick := range sortedKeys(p.Mentions) {
			fmt.Fprintf(&b, "%s = %s\n", quote(nick), quote(p.Mentions[nick]))
		}
	}
	b.WriteString(frontMatterFence + "\n")
	b.Write(p.Body)
	if len(p.Body) > 0 && p.Body[len(p.Body)-1] != '\n' {
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// WriteNew writes p as a new file under DIR/posts/ and returns its path. It
// never overwrites an existing file.
func (p *Post) WriteNew(dir string) (string, error) {
	path := filepath.Join(dir, PostsDir, PostFileName(p.Published, p.Key))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("writing a new post: %w", err)
	}
	data := p.Encode()
	if err := checkPostSize(path, int64(len(data))); err != nil {
		return "", err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", fmt.Errorf("writing a new post: %w", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("writing the new post %s: %w", path, err)
	}
	return path, nil
}
