// Package sinktest provides an in-memory sink.Store for the tests of the
// reader daemon's packages. It parses feed documents with gofeed like the
// real store does, but keeps everything in maps. It is not for production
// use: the real store is package aggregate's Reader.
package sinktest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"sync"

	"github.com/mmcdole/gofeed"

	"github.com/rookery-social/rookery/aggregate/daemon/sink"
)

// Post is one stored entry.
type Post struct {
	Feed, ID, URL, Title, Content string
}

// Mention is one MarkMention call.
type Mention struct {
	Feed, PostID, Source string
}

// Store is an in-memory sink.Store, safe for concurrent use.
type Store struct {
	mu       sync.Mutex
	me       string
	follows  []sink.FeedInfo
	modes    map[string]string
	posts    map[string]map[string]Post
	mentions []Mention
	blocked  map[string]bool
	polls    int
	lists    int
}

var _ sink.Store = (*Store)(nil)

// New returns an empty store whose owner's feed URL is me.
func New(me string) *Store {
	return &Store{me: me, modes: map[string]string{}, posts: map[string]map[string]Post{}, blocked: map[string]bool{}}
}

// Follow adds a followed feed.
func (s *Store) Follow(f sink.FeedInfo) {
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

// Listed counts FollowedFeeds calls (one per subscription sync).
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
func (s *Store) Ingest(_ context.Context, feedURL, _ string, body []byte) (sink.IngestResult, error) {
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return sink.IngestResult{}, fmt.Errorf("sinktest: parse %s: %w", feedURL, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.posts[feedURL] == nil {
		s.posts[feedURL] = map[string]Post{}
	}
	var res sink.IngestResult
	for _, it := range f.Items {
		p := Post{Feed: feedURL, ID: it.GUID, URL: it.Link, Title: it.Title, Content: it.Content}
		if p.ID == "" {
			p.ID = it.Link
		}
		if old, ok := s.posts[feedURL][p.ID]; !ok || old != p {
			res.Stored++
		}
		s.posts[feedURL][p.ID] = p
		res.Posts = append(res.Posts, sink.PostRef{Feed: feedURL, ID: p.ID, URL: p.URL})
	}
	return res, nil
}

// MarkMention records a mention.
func (s *Store) MarkMention(_ context.Context, feedURL, postID, source string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.posts[feedURL][postID]; !ok {
		return fmt.Errorf("sinktest: no post %q in %s", postID, feedURL)
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

// FollowedFeeds lists followed feeds.
func (s *Store) FollowedFeeds(context.Context) ([]sink.FeedInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lists++
	return append([]sink.FeedInfo(nil), s.follows...), nil
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
