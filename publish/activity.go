package publish

import (
	"encoding/xml"

	"github.com/gorilla/feeds"
)

// Activity Streams 1.0 verbs and object type (activitystrea.ms/specs/atom/1.0).
const (
	verbShare    = "http://activitystrea.ms/schema/1.0/share"
	verbFavorite = "http://activitystrea.ms/schema/1.0/favorite"
	verbPost     = "http://activitystrea.ms/schema/1.0/post"
	objectNote   = "http://activitystrea.ms/schema/1.0/note"
)

// activityObject is activity:object, the post a repost shares, a like
// favorites or a quote quotes: an Atom entry's elements inside the
// activity namespace's element, as Activity Streams 1.0 writes it.
type activityObject struct {
	XMLName    xml.Name           `xml:"activity:object"`
	ObjectType string             `xml:"activity:object-type"`
	ID         string             `xml:"id"`
	Content    *feeds.AtomContent `xml:"content,omitempty"`
	Links      []atomLink         `xml:"link"`
	Author     *feeds.AtomAuthor  `xml:"author,omitempty"`
}

var citeVerbURI = map[string]string{KindRepost: verbShare, KindLike: verbFavorite, KindQuote: verbPost}

// addActivity gives a repost, quote or like its activity:verb and
// activity:object, and a rel="related" link to the original for readers
// that know no Activity Streams.
func addActivity(a *atomEntry, e *Entry) {
	for _, c := range e.cites() {
		a.Verb = citeVerbURI[c.kind]
		a.Object = objectOf(c.cite)
		a.Links = append(a.Links, atomLink{Href: c.cite.Href, Rel: "related", Type: "text/html"})
	}
}

func objectOf(c *Cite) *activityObject {
	o := &activityObject{ObjectType: objectNote, ID: c.Ref,
		Links: []atomLink{{Href: c.Href, Rel: "alternate", Type: "text/html"}}}
	if c.Text != "" {
		o.Content = &feeds.AtomContent{Type: "text", Content: c.Text}
	}
	if c.Author != "" || c.Source != "" {
		o.Author = &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: c.Author, Uri: c.Source}}
		if o.Author.Name == "" {
			o.Author.Name = c.Source
		}
	}
	return o
}

// declareActivity declares the activity namespace when an entry uses it.
func (f *atomFeed) declareActivity() {
	for _, e := range f.Entries {
		if e.Object != nil {
			f.XmlnsAct = NSActivity
			return
		}
	}
}

// LikesDocument renders likes.atom: the newest likes (at most feed_size),
// each an entry with activity:verb favorite, and deleted likes as RFC 6721
// tombstones.
func (s *Site) LikesDocument() ([]byte, error) {
	c := s.Config
	likes := s.Likes
	if len(likes) > c.FeedSize {
		likes = likes[:c.FeedSize]
	}
	f := &atomFeed{
		AtomFeed: feeds.AtomFeed{Xmlns: NSAtom, Title: c.Title + " — likes", Id: c.LikesURL(),
			Updated: rfc3339(updated(likes)), Author: s.author()},
		XmlnsThr: NSThread, XmlnsFH: NSHistory,
		Links: []atomLink{{Href: c.LikesURL(), Rel: "self", Type: "application/atom+xml"},
			{Href: c.URL, Rel: "alternate", Type: "text/html"}},
		Icon: c.AvatarURL(), Logo: c.AvatarURL(),
	}
	for _, h := range c.Hubs {
		f.Links = append(f.Links, atomLink{Href: h, Rel: "hub"})
	}
	if len(likes) == len(s.Likes) {
		f.Complete = &emptyElement{}
	}
	for _, e := range likes {
		if e.IsDeleted() {
			f.XmlnsAt = NSTomb
			f.Deleted = append(f.Deleted, deletedEntry{Ref: e.ID, When: rfc3339(e.Deleted)})
			continue
		}
		f.Entries = append(f.Entries, s.atomEntry(e))
	}
	f.declareActivity()
	data, err := marshalXML(f, atomSize(f))
	if err == nil {
		err = checkDocumentSize(LikesPath, data)
	}
	return data, err
}
