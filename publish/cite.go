package publish

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/rookery-social/rookery/internal/htmlx"
)

// Kinds of post: what a post does besides saying something.
const (
	KindPost   = "post"
	KindReply  = "reply"
	KindRepost = "repost"
	KindQuote  = "quote"
	KindLike   = "like"
)

// citeTextMax bounds the original's text kept in a repost, quote or like
// (runes): enough for a microblog post, not a whole article.
const citeTextMax = 2000

// namedCite is a Cite with its front-matter table name.
type namedCite struct {
	name string // repost_of, quote_of or like_of
	kind string // KindRepost, KindQuote or KindLike
	cite *Cite
}

// cites lists the post's repost_of, quote_of and like_of that are set.
func (p *Post) cites() []namedCite {
	var out []namedCite
	for _, c := range []namedCite{{"repost_of", KindRepost, p.RepostOf}, {"quote_of", KindQuote, p.QuoteOf}, {"like_of", KindLike, p.LikeOf}} {
		if c.cite != nil {
			out = append(out, c)
		}
	}
	return out
}

// Cited is the post this one reposts, quotes or likes, or nil.
func (p *Post) Cited() *Cite {
	if cs := p.cites(); len(cs) > 0 {
		return cs[0].cite
	}
	return nil
}

// Kind is what the post is: a repost, a quote, a like, a reply or a post.
func (p *Post) Kind() string {
	if cs := p.cites(); len(cs) > 0 {
		return cs[0].kind
	}
	if p.ReplyTo != nil {
		return KindReply
	}
	return KindPost
}

// IsLike reports whether the post is a like: it goes to likes.atom and its
// own page, never into the main feeds.
func (p *Post) IsLike() bool { return p.LikeOf != nil }

func (p *Post) checkCites(fm []byte) error {
	cs := p.cites()
	if len(cs) > 1 {
		return fmt.Errorf("%s:%d: a post is a repost, a quote or a like, not several: keep one of [%s] and [%s]", p.Path, keyLine(fm, cs[1].name)+1, cs[0].name, cs[1].name)
	}
	for _, c := range cs {
		if c.cite.Ref == "" || c.cite.Href == "" {
			return fmt.Errorf("%s:%d: %s needs ref (the original's atom:id) and href (its permalink)", p.Path, keyLine(fm, c.name)+1, c.name)
		}
	}
	return nil
}

// ResolveCite finds the post at target so that a repost, quote or like can
// carry it: as ResolveReply does, plus its author and text. verb names the
// command in errors ("repost", "quote", "like").
func ResolveCite(ctx context.Context, client *http.Client, target, verb string) (*Cite, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("%s: %q is not an http(s) URL; give the permalink of the post to %s", verb, target, verb)
	}
	r, err := getOK(ctx, client, target, acceptAny)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot fetch %s: %w; check the URL, or try again when the site answers", verb, target, err)
	}
	if !isHTML(r) {
		c, err := citeFromFeed(r, target)
		if err != nil {
			return nil, fmt.Errorf("%s: %s has no post to %s: %w", verb, target, verb, err)
		}
		return c, nil
	}
	base, err := url.Parse(r.URL)
	if err != nil {
		return nil, fmt.Errorf("%s: reading %s: %w", verb, target, err)
	}
	feeds := htmlx.Alternates(r.Body, base)
	for _, f := range feeds {
		if c, ok := citeFromPageFeed(ctx, client, f, r.URL, target); ok {
			return c, nil
		}
	}
	page, err := htmlx.ParsePage(r.Body, base)
	if err != nil {
		return nil, fmt.Errorf("%s: reading %s: %w", verb, target, err)
	}
	c, ok := citeFromHEntry(page, r.URL, feeds)
	if !ok {
		return nil, fmt.Errorf("%s: %s has no post to %s: no feed of the page lists it and the page has no h-entry; give a post's permalink (its page, or FEED_URL#ENTRY_ID)", verb, target, verb)
	}
	return c, nil
}

func citeFromFeed(r *response, target string) (*Cite, error) {
	f, it, err := feedEntry(r, target)
	if err != nil {
		return nil, fmt.Errorf("it %w", err)
	}
	return citeOf(f, it, feedSource(f, r.URL)), nil
}

func citeFromPageFeed(ctx context.Context, client *http.Client, feedURL, pageURL, target string) (*Cite, bool) {
	f, it, fetched, ok := pageFeedEntry(ctx, client, feedURL, pageURL, target)
	if !ok {
		return nil, false
	}
	return citeOf(f, it, feedSource(f, fetched)), true
}

func citeOf(f *gofeed.Feed, it *gofeed.Item, source string) *Cite {
	rt := replyTo(it, source)
	c := &Cite{Ref: rt.Ref, Href: rt.Href, Source: rt.Source}
	switch {
	case it.Author != nil && it.Author.Name != "":
		c.Author = it.Author.Name
	case f.Author != nil && f.Author.Name != "":
		c.Author = f.Author.Name
	default:
		c.Author = f.Title
	}
	body := it.Content
	if body == "" {
		body = it.Description
	}
	c.Text = plainText(body)
	return c
}

// citeFromHEntry reads the page's first h-entry as ResolveReply does, with
// its p-author and e-content.
func citeFromHEntry(page *htmlx.Page, pageURL string, feeds []string) (*Cite, bool) {
	entry, ok := page.Entry()
	if !ok {
		return nil, false
	}
	rt, err := replyFromHEntry(page, pageURL, feeds)
	if err != nil {
		return nil, false
	}
	return &Cite{Ref: rt.Ref, Href: rt.Href, Source: rt.Source, Author: entry.Author.Name,
		Text: clip(entry.ContentText, citeTextMax)}, true
}

// plainText is an HTML fragment's text, white space collapsed, clipped.
func plainText(fragment string) string {
	nodes, err := html.ParseFragment(strings.NewReader(fragment), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return ""
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.Type == html.ElementNode {
			b.WriteByte(' ') // blocks' texts stay apart
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return clip(strings.Join(strings.Fields(b.String()), " "), citeTextMax)
}

func clip(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return strings.TrimRight(string(r[:max-1]), " ") + "…"
}

// addCite appends the reposted, quoted or liked post to the entry's HTML,
// as an h-cite that microformats readers take as u-repost-of,
// u-quotation-of or u-like-of and that any other reader shows as a
// quotation with its link; a repost or like with no text of its own gets
// a title saying what it is.
func (e *Entry) addCite() {
	for _, c := range e.cites() {
		e.HTML += citeHTML(c)
		if e.Title == "" {
			e.Title = clip(citeTitle(c), 80)
		}
	}
}

var citeClass = map[string]string{KindRepost: "u-repost-of", KindQuote: "u-quotation-of", KindLike: "u-like-of"}
var citeVerb = map[string]string{KindRepost: "Reposted", KindQuote: "Quoted", KindLike: "Liked"}

func citeTitle(c namedCite) string {
	who := c.cite.Author
	if who == "" {
		who = c.cite.Href
	}
	if c.cite.Text == "" {
		return citeVerb[c.kind] + " " + who
	}
	return citeVerb[c.kind] + " " + who + ": " + c.cite.Text
}

func citeHTML(c namedCite) string {
	esc := html.EscapeString
	var b strings.Builder
	fmt.Fprintf(&b, `<blockquote class="%s h-cite">`, citeClass[c.kind])
	if c.cite.Text != "" {
		fmt.Fprintf(&b, `<p class="p-content">%s</p>`, esc(c.cite.Text))
	}
	b.WriteString(`<p>— `)
	if c.cite.Author != "" {
		fmt.Fprintf(&b, `<span class="p-author">%s</span>, `, esc(c.cite.Author))
	}
	fmt.Fprintf(&b, `<a class="u-url" href="%s">%s</a></p></blockquote>`, esc(c.cite.Href), esc(c.cite.Href))
	return b.String()
}
