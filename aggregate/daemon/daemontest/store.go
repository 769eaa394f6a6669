// Package daemontest holds what the tests of the reader daemon's packages
// (daemon, subscriber, webmention) share: Store, an in-memory stand-in for
// the reader's core that satisfies daemon.Store; Hub, a minimal WebSub
// hub on loopback; and Deliver (tests wait with internal/testwait). Store
// parses feed documents with gofeed like the real core does, but keeps
// everything in maps. None of it is for production use: the real core is
// *aggregate.Reader.
package daemontest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"sync"

	"github.com/mmcdole/gofeed"

	"github.com/rookery-social/rookery/aggregate/store"
)

// Post is one stored entry.
type Post struct {
	Feed, ID, URL, Title, Content string
}

// Mention is one MarkMention call.
type Mention struct {
	Feed, PostID, Source string
}

// Store is an in-memory daemon.Store, safe for concurrent use.
type Store struct {
	mu       sync.Mutex
	me       string
	follows  []store.Feed
	modes    map[string]string
	posts    map[string]map[string]Post
	mentions []Mention
	blocked  map[string]bool
	polls    int
	lists    int
}

// New returns an empty store whose owner's feed URL is me.
func New(me string) *Store {
	return &Store{me: me, modes: map[string]string{}, posts: map[string]map[string]Post{}, blocked: map[string]bool{}}
}

// Follow adds a followed feed.
func (s *Store) Follow(f store.Feed) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.follows = append(s.follows, f)
}

// Unfollow removes a followed feed.
func (s *Store) Unfollow(feedURL string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.follows[:0]
	for _, f := range s.follows {
		if f.URL != feedURL {
			kept = append(kept, f)
		}
	}
	s.follows = kept
}

// Block blocks a URL or a bare host name.
func (s *Store) Block(urlOrHost string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[urlOrHost] = true
}

// Posts returns the posts stored for feedURL.
func (s *Store) Posts(feedURL string) []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Post
	for _, p := range s.posts[feedURL] {
		out = append(out, p)
	}
	return out
}

// PostCount counts every stored post.
func (s *Store) PostCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range s.posts {
		n += len(m)
	}
	return n
}

// Mentions returns every recorded mention.
func (s *Store) Mentions() []Mention {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mention(nil), s.mentions...)
}

// Mode returns the mode last set for feedURL ("" if never set).
func (s *Store) Mode(feedURL string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.modes[feedURL]
}

// Listed counts SubscribableFeeds calls (one per subscription sync).
func (s *Store) Listed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lists
}

// Polls counts PollDue calls.
func (s *Store) Polls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polls
}

// Ingest parses body with gofeed and upserts its items by id (or link).
func (s *Store) Ingest(_ context.Context, feedURL, _ string, body []byte) (store.IngestResult, error) {
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return store.IngestResult{}, fmt.Errorf("daemontest: parse %s: %w", feedURL, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.posts[feedURL] == nil {
		s.posts[feedURL] = map[string]Post{}
	}
	var res store.IngestResult
	for _, it := range f.Items {
		p := Post{Feed: feedURL, ID: it.GUID, URL: it.Link, Title: it.Title, Content: it.Content}
		if p.ID == "" {
			p.ID = it.Link
		}
		changed := false
		if old, ok := s.posts[feedURL][p.ID]; !ok || old != p {
			res.Stored++
			changed = true
		}
		s.posts[feedURL][p.ID] = p
		res.Posts = append(res.Posts, store.PostRef{Feed: feedURL, ID: p.ID, URL: p.URL, Changed: changed})
	}
	return res, nil
}

// ForgetMention removes the mentions recorded from source.
func (s *Store) ForgetMention(_ context.Context, source string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept, n := s.mentions[:0], 0
	for _, m := range s.mentions {
		if m.Source == source {
			n++
			continue
		}
		kept = append(kept, m)
	}
	s.mentions = kept
	return n, nil
}

// MarkMention records a mention.
func (s *Store) MarkMention(_ context.Context, feedURL, postID, source, _ string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.posts[feedURL][postID]; !ok {
		return fmt.Errorf("daemontest: no post %q in %s", postID, feedURL)
	}
	s.mentions = append(s.mentions, Mention{feedURL, postID, source})
	return nil
}

// Blocked reports whether the URL itself or its host was blocked.
func (s *Store) Blocked(_ context.Context, u string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.blocked[u] {
		return true, nil
	}
	p, err := url.Parse(u)
	return err == nil && s.blocked[p.Hostname()], nil
}

// Me returns the owner's feed URL.
func (s *Store) Me(context.Context) (string, error) { return s.me, nil }

// SubscribableFeeds lists followed feeds.
func (s *Store) SubscribableFeeds(context.Context) ([]store.Feed, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lists++
	return append([]store.Feed(nil), s.follows...), nil
}

// SetMode records a feed's mode.
func (s *Store) SetMode(_ context.Context, feedURL, mode string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.modes[feedURL] = mode
	return nil
}

// PollDue counts the call and fetches nothing.
func (s *Store) PollDue(context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.polls++
	return 0, nil
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
