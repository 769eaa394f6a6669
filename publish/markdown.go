package publish

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Mention is one @nick in a post, resolved to the person's feed URL.
type Mention struct {
	Nick string
	URL  string
}

// renderer turns post Markdown into HTML with absolute URLs and h-card
// mention links. It is safe for concurrent use.
type renderer struct {
	md        goldmark.Markdown
	following map[string]string
}

var renderKey = parser.NewContextKey()

// renderState is the per-document state the AST transformer works with.
type renderState struct {
	post     *Post
	base     *url.URL
	mentions []Mention
	err      error
}

func newRenderer(following map[string]string) *renderer {
	r := &renderer{following: following}
	r.md = goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(r, 100))),
	)
	return r
}

// render converts p's body; permalink is the base for relative URLs.
func (r *renderer) render(p *Post, permalink string) (html, title string, mentions []Mention, err error) {
	base, _ := url.Parse(permalink)
	st := &renderState{post: p, base: base}
	ctx := parser.NewContext()
	ctx.Set(renderKey, st)
	doc := r.md.Parser().Parse(text.NewReader(p.Body), parser.WithContext(ctx))
	if st.err != nil {
		return "", "", nil, st.err
	}
	var buf bytes.Buffer
	if err := r.md.Renderer().Render(&buf, p.Body, doc); err != nil {
		return "", "", nil, fmt.Errorf("rendering %s: %w", p.Path, err)
	}
	return buf.String(), snippet(doc, p.Body, 80), st.mentions, nil
}

// Transform implements parser.ASTTransformer: absolute link and image URLs,
// and @nick mentions turned into h-card links.
func (r *renderer) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	st := pc.Get(renderKey).(*renderState)
	src := reader.Source()
	var texts []*ast.Text
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Link:
			n.Destination = []byte(resolveRef(st.base, string(n.Destination)))
			return ast.WalkSkipChildren, nil
		case *ast.Image:
			n.Destination = []byte(resolveRef(st.base, string(n.Destination)))
		case *ast.CodeSpan, *ast.AutoLink, *ast.CodeBlock, *ast.FencedCodeBlock:
			return ast.WalkSkipChildren, nil
		case *ast.Text:
			texts = append(texts, n)
		}
		return ast.WalkContinue, nil
	})
	for _, t := range texts {
		if err := r.linkMentions(st, t, src); err != nil {
			st.err = err
			return
		}
	}
}

func resolveRef(base *url.URL, ref string) string {
	u, err := url.Parse(ref)
	if err != nil || base == nil {
		return ref
	}
	return base.ResolveReference(u).String()
}

// linkMentions splits text node t around each @nick, inserting a link.
func (r *renderer) linkMentions(st *renderState, t *ast.Text, src []byte) error {
	seg := t.Segment
	value := seg.Value(src)
	spans := nickSpans(value)
	if len(spans) == 0 {
		return nil
	}
	parent := t.Parent()
	pos := 0
	for _, sp := range spans {
		nickStart, nickEnd := sp[0], sp[1]
		nick := string(value[nickStart:nickEnd])
		feed, err := r.resolveNick(st, nick, seg.Start+nickStart, src)
		if err != nil {
			return err
		}
		at := nickStart - 1
		if at > pos {
			parent.InsertBefore(parent, t, ast.NewTextSegment(text.NewSegment(seg.Start+pos, seg.Start+at)))
		}
		parent.InsertBefore(parent, t, mentionLink(nick, feed))
		pos = nickEnd
	}
	t.Segment = text.NewSegment(seg.Start+pos, seg.Stop)
	return nil
}

func mentionLink(nick, feed string) ast.Node {
	l := ast.NewLink()
	l.Destination = []byte(feed)
	l.SetAttributeString("class", []byte("h-card u-mention"))
	l.AppendChild(l, ast.NewString([]byte("@"+nick)))
	return l
}

// resolveNick looks nick up in the post's recorded mentions, then in the
// address book.
func (r *renderer) resolveNick(st *renderState, nick string, off int, src []byte) (string, error) {
	feed, ok := st.post.Mentions[nick]
	if !ok {
		feed, ok = r.following[nick]
	}
	if !ok {
		line := st.post.BodyLine + bytes.Count(src[:off], []byte("\n"))
		return "", fmt.Errorf("%s:%d: unknown nick @%s: add it to the [following] table of feedpub.toml, e.g.\n  [following]\n  %s = \"https://their.site/feed.atom\"", st.post.Path, line, nick, nick)
	}
	for _, m := range st.mentions {
		if m.Nick == nick {
			return feed, nil
		}
	}
	st.mentions = append(st.mentions, Mention{Nick: nick, URL: feed})
	return feed, nil
}

// mentionNicks lists the distinct @nicks in a Markdown text, in order.
func mentionNicks(body string) []string {
	var out []string
	seen := map[string]bool{}
	for _, sp := range nickSpans([]byte(body)) {
		nick := body[sp[0]:sp[1]]
		if !seen[nick] {
			seen[nick] = true
			out = append(out, nick)
		}
	}
	return out
}

// snippet is the document's plain text, whitespace collapsed, cut at max
// runes. It stops reading the document once it has more than max runes.
func snippet(doc ast.Node, src []byte, max int) string {
	c := collapser{max: max}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Text:
			c.write(n.Segment.Value(src))
			if n.SoftLineBreak() || n.HardLineBreak() {
				c.space = true
			}
		case *ast.String:
			c.write(n.Value)
		case *ast.AutoLink:
			c.write(n.Label(src))
		case *ast.Paragraph, *ast.Heading, *ast.ListItem:
			c.space = true
		}
		if c.runes > max {
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	s := c.b.String()
	if c.runes <= max {
		return s
	}
	r := []rune(s)[:max-1]
	return strings.TrimRight(string(r), " ") + "…"
}

// collapser collects text with each run of white space turned into one
// space and none at either end (strings.Fields joined by spaces), up to
// just over max runes.
type collapser struct {
	b     strings.Builder
	max   int
	runes int
	space bool // white space is pending
}

func (c *collapser) write(p []byte) {
	for len(p) > 0 && c.runes <= c.max {
		r, size := utf8.DecodeRune(p)
		if unicode.IsSpace(r) {
			c.space = true
		} else {
			if c.space && c.runes > 0 {
				c.b.WriteByte(' ')
				c.runes++
			}
			c.space = false
			c.b.Write(p[:size])
			c.runes++
		}
		p = p[size:]
	}
}
