package aggregate

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/rookery-social/rookery/aggregate/opml"
	"github.com/rookery-social/rookery/aggregate/store"
)

// Imported is what an OPML import brought: the feeds it follows (not yet
// fetched) and the state of Rookery's extension, applied here except the
// tracked queries, which the caller adds to its tracker.
type Imported struct {
	Feeds  []FeedInfo   `json:"feeds"`
	Me     string       `json:"me,omitempty"`
	Rules  []Rule       `json:"rules"`
	Tracks []opml.Track `json:"tracks"`
}

// ImportOPML follows every feed an OPML file lists, without fetching them
// (they are due at once for `reader fetch` or the daemon). Feeds already
// followed keep their nick.
func (r *Reader) ImportOPML(ctx context.Context, in io.Reader) ([]FeedInfo, error) {
	got, err := r.ImportState(ctx, in)
	return got.Feeds, err
}

// ImportState is ImportOPML that also applies Rookery's extension (me,
// blocks, mutes) and keeps each outline's title until the feed gives its
// own.
func (r *Reader) ImportState(ctx context.Context, in io.Reader) (Imported, error) {
	outlines, st, err := opml.ParseState(in)
	if err != nil {
		return Imported{}, fmt.Errorf("unable to import OPML: %w", err)
	}
	out := Imported{Feeds: []FeedInfo{}, Rules: []Rule{}, Tracks: st.Tracks}
	for _, o := range outlines {
		f, err := r.importFeed(ctx, o)
		if err != nil {
			return out, err
		}
		if f.URL != "" {
			out.Feeds = append(out.Feeds, f)
		}
	}
	if err := r.importState(ctx, st, &out); err != nil {
		return out, err
	}
	return out, nil
}

// importFeed follows one outline's feed; an outline whose xmlUrl is no
// http(s) URL is skipped (a zero FeedInfo).
func (r *Reader) importFeed(ctx context.Context, o opml.Outline) (FeedInfo, error) {
	u, err := checkURL(o.XMLURL)
	if err != nil {
		r.opts.Logger.Warn("import: skipping an outline", "xmlUrl", o.XMLURL, "err", err)
		return FeedInfo{}, nil
	}
	f, err := r.st.EnsureFeed(ctx, u)
	if err != nil {
		return FeedInfo{}, fmt.Errorf("unable to import OPML: %w", err)
	}
	nick := ""
	if f.Nick == "" {
		nick = r.importNick(ctx, o.Text, u)
	}
	if err := r.st.Follow(ctx, f.ID, nick); err != nil {
		return FeedInfo{}, fmt.Errorf("unable to import OPML: %w", err)
	}
	if title := outlineTitle(o); title != "" {
		if err := r.st.SetTitleIfEmpty(ctx, f.ID, title); err != nil {
			return FeedInfo{}, fmt.Errorf("unable to import OPML: %w", err)
		}
	}
	if f, err = r.st.FeedByID(ctx, f.ID); err != nil {
		return FeedInfo{}, fmt.Errorf("unable to import OPML: %w", err)
	}
	return feedInfo(f), nil
}

// outlineTitle is an outline's title, else its text (which many readers
// use for the title).
func outlineTitle(o opml.Outline) string {
	if t := strings.TrimSpace(o.Title); t != "" {
		return t
	}
	return strings.TrimSpace(o.Text)
}

// importState applies me, blocks and mutes; rules already there are kept.
func (r *Reader) importState(ctx context.Context, st opml.State, out *Imported) error {
	if st.Me != "" {
		if err := r.SetMe(ctx, st.Me); err != nil {
			return fmt.Errorf("unable to import OPML: me: %w", err)
		}
		out.Me = st.Me
	}
	for _, b := range st.Blocks {
		rule, err := r.Block(ctx, b.Value)
		if err != nil {
			return fmt.Errorf("unable to import OPML: block %s: %w", b.Value, err)
		}
		out.Rules = append(out.Rules, rule)
	}
	for _, m := range st.Mutes {
		v := m.Value
		if m.Kind == "tag" && !strings.HasPrefix(v, "#") {
			v = "#" + v
		}
		rule, err := r.Mute(ctx, v)
		if err != nil {
			return fmt.Errorf("unable to import OPML: mute %s: %w", m.Value, err)
		}
		out.Rules = append(out.Rules, rule)
	}
	return nil
}

// ExportOPML writes the followed feeds as OPML 2.0.
func (r *Reader) ExportOPML(ctx context.Context, w io.Writer) error {
	return r.export(ctx, w, opml.State{})
}

// ExportState writes the followed feeds as OPML 2.0 with the rest of the
// reader's state in Rookery's extension: me, blocks, mutes, and the given
// tracked queries (which the caller's tracker holds).
func (r *Reader) ExportState(ctx context.Context, w io.Writer, tracks []opml.Track) error {
	st := opml.State{Tracks: tracks}
	var err error
	if st.Me, err = r.Me(ctx); err != nil {
		return fmt.Errorf("unable to export OPML: %w", err)
	}
	if st.Blocks, err = rulesOf(r.st.Blocks(ctx)); err != nil {
		return fmt.Errorf("unable to export OPML: %w", err)
	}
	if st.Mutes, err = rulesOf(r.st.Mutes(ctx)); err != nil {
		return fmt.Errorf("unable to export OPML: %w", err)
	}
	return r.export(ctx, w, st)
}

func rulesOf(rules []store.Rule, err error) ([]opml.Rule, error) {
	out := make([]opml.Rule, 0, len(rules))
	for _, rl := range rules {
		out = append(out, opml.Rule{Kind: rl.Kind, Value: rl.Value})
	}
	return out, err
}

func (r *Reader) export(ctx context.Context, w io.Writer, st opml.State) error {
	feeds, err := r.FollowedFeeds(ctx)
	if err != nil {
		return err
	}
	outlines := make([]opml.Outline, 0, len(feeds))
	for _, f := range feeds {
		outlines = append(outlines, opml.Outline{Text: f.Nick, Title: f.Title, XMLURL: f.URL, HTMLURL: f.SiteURL})
	}
	if err := opml.WriteState(w, "Rookery reader subscriptions", outlines, st, r.opts.Now()); err != nil {
		return fmt.Errorf("unable to export OPML: %w", err)
	}
	return nil
}

// FetchFeeds fetches the given feeds (URLs of stored feeds) now,
// concurrency-bounded, reporting progress: what an import does after it
// follows them.
func (r *Reader) FetchFeeds(ctx context.Context, urls []string, progress Progress) ([]FetchResult, error) {
	var todo []store.Feed
	for _, u := range urls {
		f, err := r.st.FeedByURL(ctx, u)
		if err != nil {
			return nil, fmt.Errorf("unable to fetch %s: %w", u, err)
		}
		todo = append(todo, f)
	}
	return r.fetchMany(ctx, todo, progress), nil
}

var nickRE = regexp.MustCompile(`^[\pL\pN_.-]{1,40}$`)

// importNick keeps an outline's text as the nick when it is one word not
// yet taken, else derives one from the URL.
func (r *Reader) importNick(ctx context.Context, text, feedURL string) string {
	text = strings.TrimPrefix(strings.TrimSpace(text), "@")
	if nickRE.MatchString(text) {
		if _, err := r.st.FeedByKey(ctx, text); err != nil {
			return text
		}
	}
	return r.freeNick(ctx, feedURL)
}
