package aggregate

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rookery-social/rookery/aggregate/feedparse"
	"github.com/rookery-social/rookery/aggregate/sanitize"
	"github.com/rookery-social/rookery/aggregate/store"
)

// Kinds of post, as listings report them.
const (
	KindPost    = "post"
	KindReply   = "reply"
	KindRepost  = feedparse.KindRepost
	KindQuote   = feedparse.KindQuote
	KindLike    = feedparse.KindLike
	KindMention = "mention" // notifications only: a post that names me
)

func kindOf(p store.Post) string {
	if p.Kind != "" {
		return p.Kind
	}
	if p.InReplyTo != "" || p.ReplyHref != "" {
		return KindReply
	}
	return KindPost
}

func refOf(p store.Post, kind string) *PostRef {
	if p.Kind != kind {
		return nil
	}
	return &PostRef{ID: p.Of.Ref, URL: p.Of.Href}
}

// citedKey identifies the post a repost cites, for grouping.
func (p Post) citedKey() string {
	if p.RepostOf == nil {
		return ""
	}
	if p.RepostOf.ID != "" {
		return p.RepostOf.ID
	}
	return p.RepostOf.URL
}

// collapseReposts leaves each reposted post once in a timeline: reposts of
// a post that is itself in the list add their author to its RepostedBy;
// several reposts of another post become the newest one, reposted by all.
// Likes are not timeline entries and are left out. Each repost or quote
// gets its Original when it is stored.
func (r *Reader) collapseReposts(ctx context.Context, posts []Post) []Post {
	byID := map[string]int{}
	for i, p := range posts {
		byID[p.ID] = i
		if p.URL != "" {
			byID[p.URL] = i
		}
	}
	out := make([]Post, 0, len(posts))
	at := map[string]int{} // cited key → index in out
	reposters := map[string][]string{}
	for _, p := range posts {
		switch {
		case p.Kind == KindLike:
			continue
		case p.Kind == KindRepost:
			key := p.citedKey()
			reposters[key] = appendOnce(reposters[key], nameOf(p))
			if _, inList := byID[key]; inList {
				continue
			}
			if _, seen := at[key]; seen {
				continue
			}
			at[key] = len(out)
		}
		out = append(out, p)
	}
	for i := range out {
		p := &out[i]
		if p.Kind == KindRepost {
			p.RepostedBy = reposters[p.citedKey()]
		} else if by := reposters[p.ID]; len(by) > 0 {
			p.RepostedBy = by
		}
		r.attachOriginal(ctx, p)
	}
	return out
}

func (r *Reader) attachOriginal(ctx context.Context, p *Post) {
	ref := citedRef(*p)
	if ref == nil {
		return
	}
	if o, err := r.st.PostByKey(ctx, ref.key(), ""); err == nil {
		if o.Feed != p.Feed {
			op := toPost(o)
			p.Original = &op
		}
		return
	}
	r.showDeletedCite(ctx, p)
}

// citedRef is the post a repost or quote cites, or nil.
func citedRef(p Post) *PostRef {
	if p.RepostOf != nil {
		return p.RepostOf
	}
	return p.QuoteOf
}

func (ref PostRef) key() string {
	if ref.ID != "" {
		return ref.ID
	}
	return ref.URL
}

// DeletedText stands for a reposted or quoted post that its author
// deleted.
const DeletedText = "this post was deleted by its author"

// showDeletedCite shows, in a repost or quote whose original its author
// deleted (a tombstone from the original's site, and the post no longer
// stored), that it was deleted, in place of the original's text the
// repost or quote carries: a repost's whole content is the original's;
// a quote loses the blockquote that cites it. Their own feeds still
// publish that text, and the posts stay theirs.
func (r *Reader) showDeletedCite(ctx context.Context, p *Post) {
	ref := citedRef(*p)
	if ref == nil {
		return
	}
	gone, err := r.st.Tombstoned(ctx, ref.key(), store.Origin(ref.URL))
	if err != nil {
		r.opts.Logger.Warn("unable to read tombstones", "ref", ref.key(), "err", err)
	}
	if !gone {
		return
	}
	note := "<p><em>" + DeletedText + "</em></p>"
	p.Original = &Post{ID: ref.ID, URL: ref.URL, Text: DeletedText, Deleted: true, Kind: KindPost,
		Mentions: []string{}, Tags: []string{}, Enclosures: []Enclosure{}}
	if p.Kind == KindRepost {
		p.Title, p.Text, p.HTML, p.Snippet = "", DeletedText, note, ""
		return
	}
	p.HTML = sanitize.ReplaceCite(p.HTML, ref.URL, "<blockquote>"+note+"</blockquote>")
	p.Text, p.Snippet = sanitize.Text(p.HTML), ""
	if !strings.HasPrefix(p.Text, strings.TrimSuffix(p.Title, "…")) {
		p.Title = ""
	}
}

// showDeletedCites is showDeletedCite for the reposts and quotes of a
// listing that holds no originals.
func (r *Reader) showDeletedCites(ctx context.Context, posts []Post) {
	for i := range posts {
		if citedRef(posts[i]) == nil {
			continue
		}
		if _, err := r.st.PostByKey(ctx, citedRef(posts[i]).key(), ""); err != nil {
			r.showDeletedCite(ctx, &posts[i])
		}
	}
}

func nameOf(p Post) string {
	switch {
	case p.Nick != "":
		return p.Nick
	case p.Author != "":
		return p.Author
	}
	return p.Feed
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// Notification is one thing someone did to my posts.
type Notification struct {
	Kind      string `json:"kind"`      // reply, mention, quote, repost or like
	Author    string `json:"author"`    // who: nick, else author name, else feed URL
	URL       string `json:"url"`       // their post or page
	Target    string `json:"target"`    // my post's URL (my feed URL for a mention of me)
	Published string `json:"published"` // when they did it
	Text      string `json:"text"`      // their post's text
	Feed      string `json:"feed"`      // their feed
	Unread    bool   `json:"unread"`    // their post is not read yet
	Cursor    string `json:"cursor"`    // --before CURSOR lists what comes after
}

// Notifications lists, newest first, what others did to my posts:
// replies, mentions, quotes, reposts and likes, blocks applied.
func (r *Reader) Notifications(ctx context.Context, limit int, since time.Time) ([]Notification, error) {
	return r.NotificationsPage(ctx, ListOptions{Limit: limit, Since: since})
}

// NotificationsPage is Notifications, a page at a time.
func (r *Reader) NotificationsPage(ctx context.Context, o ListOptions) ([]Notification, error) {
	q, f, err := r.mentionQuery(ctx, o)
	if err != nil {
		return nil, err
	}
	ps, err := r.st.Notifications(ctx, q, f)
	if err != nil {
		return nil, fmt.Errorf("unable to list the notifications of %s: %w", q.Me, err)
	}
	out := make([]Notification, 0, len(ps))
	for _, p := range ps {
		n, err := r.notification(ctx, p, q.Me)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// notification says what p did to me and to which of my posts.
func (r *Reader) notification(ctx context.Context, p store.Post, me string) (Notification, error) {
	post := toPost(p)
	n := Notification{Author: nameOf(post), URL: link(post), Published: post.Published, Text: p.Text, Feed: p.Feed,
		Unread: p.Unread, Cursor: post.Cursor}
	origin := store.Origin(me)
	switch {
	case p.Kind != "" && (store.Origin(p.Of.Href) == origin || r.isMine(ctx, p.Of.Ref, me)):
		n.Kind, n.Target = p.Kind, p.Of.Href
	case p.ReplyHref != "" && (store.Origin(p.ReplyHref) == origin || r.isMine(ctx, p.InReplyTo, me)):
		n.Kind, n.Target = KindReply, p.ReplyHref
	default:
		t, err := r.st.MentionTarget(ctx, p.RowID)
		if err != nil {
			return n, err
		}
		n.Kind, n.Target = KindMention, t
		if t == "" {
			n.Target = me
		}
	}
	return n, nil
}

// isMine reports whether the post with atom:id ref is one of mine, stored
// from my feed.
func (r *Reader) isMine(ctx context.Context, ref, me string) bool {
	if ref == "" {
		return false
	}
	_, err := r.st.PostInFeed(ctx, me, ref)
	return err == nil
}

func link(p Post) string {
	if p.URL != "" {
		return p.URL
	}
	return p.ID
}

// Profile is what the reader knows of a person.
type Profile struct {
	Name      string `json:"name"`
	Bio       string `json:"bio"`
	Avatar    string `json:"avatar"`
	Feed      string `json:"feed"`
	Nick      string `json:"nick,omitempty"`
	Site      string `json:"site,omitempty"`
	Posts     int    `json:"posts"`
	Newest    *Post  `json:"newest"`
	Following bool   `json:"following"`
}

// Profile shows what is stored of the person whose nick or feed URL is
// key: name, bio and avatar as their feed gives them, the number of
// their posts stored and the newest one.
func (r *Reader) Profile(ctx context.Context, key string) (Profile, error) {
	fd, err := r.st.FeedByKey(ctx, strings.TrimPrefix(key, "@"))
	if err != nil {
		return Profile{}, fmt.Errorf("no feed %q is stored: give a nick or a feed URL from `reader following`, or `reader follow` it first", key)
	}
	info, err := r.st.FeedProfile(ctx, fd.ID)
	if err != nil {
		return Profile{}, fmt.Errorf("unable to read the profile of %s: %w", fd.URL, err)
	}
	p := Profile{Name: info.Author, Bio: info.Bio, Avatar: info.Avatar, Feed: fd.URL, Nick: fd.Nick,
		Site: fd.SiteURL, Posts: info.Posts, Following: fd.Followed}
	if p.Name == "" {
		p.Name = fd.Title
	}
	ps, err := r.st.Timeline(ctx, store.TimelineQuery{Limit: 1, FeedID: fd.ID, All: true}, store.Filter{})
	if err != nil {
		return Profile{}, fmt.Errorf("unable to read the newest post of %s: %w", fd.URL, err)
	}
	if len(ps) > 0 {
		newest := toPost(ps[0])
		p.Newest = &newest
		if p.Name == "" {
			p.Name = newest.Author
		}
	}
	return p, nil
}
