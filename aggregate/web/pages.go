package web

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/rookery-social/rookery/aggregate"
)

// pageSize is how many posts a listing page shows.
const pageSize = 50

// listing is a page of posts with the link to the next one.
type listing struct {
	Posts []postView
	Next  string // the URL of the next page, or ""
	Empty string // what an empty page says
}

// nextURL is path with the query q and before set to the last post's
// cursor, when the page is full.
func nextURL(path string, q url.Values, posts []aggregate.Post) string {
	if len(posts) < pageSize {
		return ""
	}
	q = cloneValues(q)
	q.Set("before", posts[len(posts)-1].Cursor)
	return path + "?" + q.Encode()
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// cursor reads ?before=.
func cursor(r *http.Request) (aggregate.Cursor, error) {
	return aggregate.ParseCursor(r.URL.Query().Get("before"))
}

type timelineData struct {
	listing
	Unread bool  // only unread posts
	Live   bool  // the top of the timeline: new posts arrive live
	After  int64 // the newest arrival when the page was made
}

// timeline shows the newest posts of followed feeds and marks them read.
func (s *Server) timeline(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	before, err := cursor(r)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err)
		return
	}
	unread := r.URL.Query().Get("unread") == "1"
	// Taken before the listing: a post arriving in between is sent live
	// too, and the script drops the copy.
	last, err := s.r.LastArrival(ctx)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	posts, err := s.r.Timeline(ctx, aggregate.TimelineOptions{Limit: pageSize, Before: before, Unread: unread})
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	empty := "No posts yet: follow someone on the Following page."
	if unread {
		empty = "No unread posts."
	}
	d := timelineData{listing: listing{Posts: s.views(posts), Next: nextURL("/", r.URL.Query(), posts), Empty: empty},
		Unread: unread, Live: before.IsZero(), After: last}
	title := "Timeline"
	if unread {
		title = "Unread"
	}
	// Marked before the page is made, so that its unread count is what
	// is left; the posts still show the state they were found in.
	if err := s.r.MarkShown(ctx, posts); err != nil {
		s.log.Warn("web: marking shown posts read", "err", err)
	}
	s.render(w, r, "timeline", title, d)
}

type threadData struct {
	Posts  []postView
	Target postView // the post asked for: the reply form answers it
}

// thread shows a post's conversation with a reply form.
func (s *Server) thread(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("id")
	if key == "" {
		s.fail(w, r, http.StatusBadRequest, errors.New("which thread? give ?id=POST_ID_OR_URL"))
		return
	}
	posts, err := s.r.Thread(r.Context(), key)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, err)
		return
	}
	d := threadData{Posts: s.views(posts)}
	for _, p := range d.Posts {
		if p.ID == key || p.URL == key {
			d.Target = p
		}
	}
	s.r.MarkShown(r.Context(), posts)
	s.render(w, r, "thread", "Thread", d)
}

type listData struct {
	listing
	Heading string
	Query   string // search only
	Search  bool
}

// notifications lists what others did to my posts: replies, mentions,
// quotes, reposts and likes.
func (s *Server) notifications(w http.ResponseWriter, r *http.Request) {
	before, err := cursor(r)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err)
		return
	}
	ns, err := s.r.NotificationsPage(r.Context(), aggregate.ListOptions{Limit: pageSize, Before: before})
	if errors.Is(err, aggregate.ErrNoMe) {
		s.render(w, r, "notifications", "Notifications", notificationsData{
			Empty: "Who are you? Run `reader init --me YOUR_FEED_URL`, then what others do to your posts shows here."})
		return
	}
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	d := notificationsData{Empty: "Nothing yet: replies, mentions, quotes, reposts and likes of your posts show here."}
	for _, n := range ns {
		d.Items = append(d.Items, noteView{Notification: n, Verb: verbs[n.Kind], When: shortTime(n.Published)})
	}
	if len(ns) == pageSize {
		q := cloneValues(r.URL.Query())
		q.Set("before", ns[len(ns)-1].Cursor)
		d.Next = "/notifications?" + q.Encode()
	}
	s.render(w, r, "notifications", "Notifications", d)
}

type notificationsData struct {
	Items []noteView
	Next  string
	Empty string
}

// noteView is a notification as the page shows it.
type noteView struct {
	aggregate.Notification
	Verb string // "replied to", …
	When string
}

var verbs = map[string]string{
	aggregate.KindReply: "replied to", aggregate.KindMention: "mentioned you in", aggregate.KindQuote: "quoted",
	aggregate.KindRepost: "reposted", aggregate.KindLike: "liked",
}

// search is full-text search over every stored post.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	d := listData{Heading: "Search", Query: q, Search: true}
	if q == "" {
		s.render(w, r, "list", "Search", d)
		return
	}
	before, err := cursor(r)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err)
		return
	}
	posts, err := s.r.Search(r.Context(), aggregate.SearchOptions{Query: q, Limit: pageSize, Before: before})
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err)
		return
	}
	d.listing = listing{Posts: s.views(posts), Next: nextURL("/search", r.URL.Query(), posts), Empty: "Nothing found."}
	s.render(w, r, "list", "Search: "+q, d)
}

// following lists followed feeds with their unread counts.
func (s *Server) following(w http.ResponseWriter, r *http.Request) {
	feeds, err := s.r.FollowedFeeds(r.Context())
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	s.render(w, r, "following", "Following", feeds)
}

// blocks lists blocks and mutes.
func (s *Server) blocks(w http.ResponseWriter, r *http.Request) {
	rules, err := s.r.Rules(r.Context())
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	s.render(w, r, "blocks", "Blocks and mutes", rules)
}

type authorData struct {
	listing
	Feed    aggregate.FeedInfo
	Profile aggregate.Profile
	Avatar  string // the avatar through the image proxy, or ""
}

// author shows a feed and its posts, followed or not.
func (s *Server) author(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("feed")
	f, err := s.r.Feed(r.Context(), key)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, err)
		return
	}
	before, err := cursor(r)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err)
		return
	}
	posts, err := s.r.Timeline(r.Context(), aggregate.TimelineOptions{From: f.URL, Any: true, Limit: pageSize, Before: before})
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	prof, err := s.r.Profile(r.Context(), f.URL)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	title := cmp.Or(prof.Name, f.Title, f.URL)
	avatar := ""
	if prof.Avatar != "" && s.cfg.Images == ImagesProxy {
		avatar = s.proxyURL(prof.Avatar)
	}
	s.render(w, r, "author", title, authorData{Feed: f, Profile: prof, Avatar: avatar,
		listing: listing{Posts: s.views(posts), Next: nextURL("/author", r.URL.Query(), posts), Empty: "No posts stored."}})
}
