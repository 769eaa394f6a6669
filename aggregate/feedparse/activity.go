package feedparse

import (
	"html"
	"strings"

	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"

	"github.com/rookery-social/rookery/aggregate/sanitize"
)

// activityNS is Activity Streams 1.0's Atom namespace (OStatus).
const activityNS = "http://activitystrea.ms/spec/1.0/"

// Kinds of entry besides a plain post or reply.
const (
	KindRepost = "repost"
	KindQuote  = "quote"
	KindLike   = "like"
)

// Cited is the post an entry reposts, quotes or likes.
type Cited struct {
	Ref  string // its atom:id
	Href string // its permalink
}

// activity reads an Atom entry's activity:verb and activity:object: share
// is a repost, favorite a like, and an object under post (or no verb) a
// quote (docs/PROTOCOL.md).
func activity(e ext.Extensions, feedURL string) (string, Cited) {
	for prefix, elems := range e {
		if prefix != "activity" && prefix != activityNS {
			continue
		}
		objs := elems["object"]
		if len(objs) == 0 {
			continue
		}
		c := citedOf(objs[0], feedURL)
		if c.Ref == "" && c.Href == "" {
			continue
		}
		verb := ""
		if v := elems["verb"]; len(v) > 0 {
			verb = strings.TrimSpace(v[0].Value)
		}
		switch {
		case strings.HasSuffix(verb, "/share") || verb == "share":
			return KindRepost, c
		case strings.HasSuffix(verb, "/favorite") || verb == "favorite" || strings.HasSuffix(verb, "/like"):
			return KindLike, c
		case verb == "" || strings.HasSuffix(verb, "/post") || verb == "post":
			return KindQuote, c
		}
	}
	return "", Cited{}
}

func citedOf(o ext.Extension, feedURL string) Cited {
	var c Cited
	if ids := o.Children["id"]; len(ids) > 0 {
		c.Ref = strings.TrimSpace(ids[0].Value)
	}
	for _, l := range o.Children["link"] {
		if rel := l.Attrs["rel"]; rel == "" || hasRel(rel, "alternate") {
			c.Href = sanitize.ResolveHTTP(feedURL, l.Attrs["href"])
			break
		}
	}
	if c.Ref == "" {
		c.Ref = c.Href
	}
	return c
}

// profileOf is what a feed says of its author: name, bio (its subtitle or
// description, as plain text) and avatar (icon, logo or image).
func profileOf(gf *gofeed.Feed, feedURL string) (name, bio, avatar string) {
	for _, a := range gf.Authors {
		if a != nil && strings.TrimSpace(a.Name) != "" {
			name = strings.TrimSpace(a.Name)
			break
		}
	}
	bio = strings.Join(strings.Fields(html.UnescapeString(gf.Description)), " ")
	if gf.Image != nil {
		avatar = sanitize.ResolveHTTP(feedURL, gf.Image.URL)
	}
	return name, bio, avatar
}
