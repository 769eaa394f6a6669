package feedparse

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"

	"github.com/rookery-social/rookery/aggregate/sanitize"
)

// rawEntry reads an item's fields, all but its content, which it returns
// unsanitized.
func rawEntry(gf *gofeed.Feed, it *gofeed.Item, feedURL string) (Entry, string) {
	e := Entry{
		ID:    strings.TrimSpace(it.GUID),
		URL:   sanitize.ResolveHTTP(feedURL, it.Link),
		Title: strings.Join(strings.Fields(html.UnescapeString(it.Title)), " "),
	}
	if e.URL == feedURL {
		e.URL = ""
	}
	if e.URL == "" && isPermalinkGUID(e.ID) {
		e.URL = sanitize.HTTPURL(e.ID)
	}
	raw := body(it)
	e.Key = e.ID
	if e.Key == "" {
		e.Key = e.URL
	}
	if e.Key == "" {
		sum := sha256.Sum256([]byte(e.Title + "\x00" + raw))
		e.Key = "content:" + hex.EncodeToString(sum[:12])
	}
	e.Author = author(gf, it)
	e.Published, e.Updated = dates(it)
	e.Tags = tags(it.Categories)
	e.InReplyTo = inReplyTo(it.Extensions, feedURL)
	e.Kind, e.Of = activity(it.Extensions, feedURL)
	e.Enclosures = enclosures(it.Enclosures, e.base(feedURL))
	return e, raw
}

func (e *Entry) base(feedURL string) string {
	if e.URL != "" {
		return e.URL
	}
	return feedURL
}

// sanitize sets the entry's HTML, Text and u-mention links from raw.
func (p *Parser) sanitize(e *Entry, raw, feedURL string) {
	var links []sanitize.Link
	e.HTML, e.Text, links = p.policy.Content(raw, e.base(feedURL))
	for _, l := range links {
		if href := sanitize.HTTPURL(l.Href); href != "" && (l.HasClass("u-mention") || l.HasClass("h-card")) {
			e.Links = append(e.Links, href)
		}
	}
}

// digestVersion changes whenever sanitizing changes, so that stored
// entries are sanitized again.
const digestVersion = "1"

// digest identifies everything an entry is made of, before sanitizing.
func digest(e Entry, raw string) string {
	h := sha256.New()
	for _, s := range []string{digestVersion, e.ID, e.URL, e.Title, e.Author, e.Published.String(), e.Updated.String(), raw,
		strings.Join(e.Tags, "\x00"), strings.Join(e.Mentions, "\x00"),
		e.InReplyTo.Ref, e.InReplyTo.Href, e.InReplyTo.Source, fmt.Sprint(e.Enclosures), e.Kind, e.Of.Ref, e.Of.Href} {
		h.Write([]byte(s))
		h.Write([]byte{0xff})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func enclosures(list []*gofeed.Enclosure, base string) []Enclosure {
	var out []Enclosure
	for _, en := range list {
		if en == nil || strings.TrimSpace(en.URL) == "" {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSpace(en.Length), 10, 64)
		out = append(out, Enclosure{URL: sanitize.ResolveHTTP(base, en.URL), Type: strings.TrimSpace(en.Type), Length: n})
	}
	return out
}

func isPermalinkGUID(id string) bool {
	return strings.HasPrefix(id, "http://") || strings.HasPrefix(id, "https://")
}

func author(gf *gofeed.Feed, it *gofeed.Item) string {
	for _, a := range it.Authors {
		if a != nil && strings.TrimSpace(a.Name) != "" {
			return strings.TrimSpace(a.Name)
		}
	}
	if it.DublinCoreExt != nil && len(it.DublinCoreExt.Creator) > 0 {
		return strings.TrimSpace(it.DublinCoreExt.Creator[0])
	}
	for _, a := range gf.Authors {
		if a != nil && strings.TrimSpace(a.Name) != "" {
			return strings.TrimSpace(a.Name)
		}
	}
	return strings.TrimSpace(gf.Title)
}

func dates(it *gofeed.Item) (published, updated time.Time) {
	if it.PublishedParsed != nil {
		published = it.PublishedParsed.UTC()
	}
	if it.UpdatedParsed != nil {
		updated = it.UpdatedParsed.UTC()
	}
	if published.IsZero() {
		published = updated
	}
	if updated.IsZero() {
		updated = published
	}
	return published, updated
}

// body is the entry's HTML: the longer of content and description (some
// feeds put a placeholder in content:encoded), else a media description
// (YouTube), as escaped text.
func body(it *gofeed.Item) string {
	content, desc := strings.TrimSpace(it.Content), strings.TrimSpace(it.Description)
	if len(desc) > len(content) {
		content = desc
	}
	if content != "" {
		return content
	}
	for _, g := range it.Extensions["media"]["group"] {
		for _, d := range g.Children["description"] {
			return "<p>" + strings.ReplaceAll(html.EscapeString(d.Value), "\n", "<br>") + "</p>"
		}
	}
	return ""
}

func tags(cats []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range cats {
		t := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(c), "#"))
		if t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

func inReplyTo(e ext.Extensions, feedURL string) InReplyTo {
	for prefix, elems := range e {
		if prefix != "thr" && prefix != thrNS {
			continue
		}
		for _, r := range elems["in-reply-to"] {
			return InReplyTo{
				Ref:    strings.TrimSpace(r.Attrs["ref"]),
				Href:   sanitize.ResolveHTTP(feedURL, r.Attrs["href"]),
				Source: sanitize.ResolveHTTP(feedURL, r.Attrs["source"]),
			}
		}
	}
	return InReplyTo{}
}

// addAtomLinks adds rel="mentioned" links, from the Atom entry or from
// atom:link elements of an RSS item.
func addAtomLinks(e *Entry, gf *gofeed.Feed, i int, feedURL string) {
	if af, ok := gf.OriginalFeed().(*atom.Feed); ok && i < len(af.Entries) {
		for _, l := range af.Entries[i].Links {
			if hasRel(l.Rel, "mentioned") {
				e.Mentions = appendNew(e.Mentions, sanitize.ResolveHTTP(feedURL, l.Href))
			}
		}
		return
	}
	for _, l := range extLinks(gf.Items[i].Extensions) {
		if hasRel(l.Attrs["rel"], "mentioned") {
			e.Mentions = appendNew(e.Mentions, sanitize.ResolveHTTP(feedURL, l.Attrs["href"]))
		}
	}
}

func appendNew(list []string, s string) []string {
	if s == "" {
		return list
	}
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
