package aggregate

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/rookery-social/rookery/aggregate/opml"
)

// ImportOPML follows every feed an OPML file lists, without fetching them
// (they are due at once for `reader fetch` or the daemon). Feeds already
// followed keep their nick.
func (r *Reader) ImportOPML(ctx context.Context, in io.Reader) ([]FeedInfo, error) {
	outlines, err := opml.Parse(in)
	if err != nil {
		return nil, fmt.Errorf("unable to import OPML: %w", err)
	}
	out := []FeedInfo{}
	for _, o := range outlines {
		u, err := checkURL(o.XMLURL)
		if err != nil {
			r.opts.Logger.Warn("import: skipping an outline", "xmlUrl", o.XMLURL, "err", err)
			continue
		}
		f, err := r.st.EnsureFeed(ctx, u)
		if err != nil {
			return out, fmt.Errorf("unable to import OPML: %w", err)
		}
		nick := ""
		if f.Nick == "" {
			nick = r.importNick(ctx, o.Text, u)
		}
		if err := r.st.Follow(ctx, f.ID, nick); err != nil {
			return out, fmt.Errorf("unable to import OPML: %w", err)
		}
		if f, err = r.st.FeedByID(ctx, f.ID); err == nil {
			out = append(out, feedInfo(f))
		}
	}
	return out, nil
}

// ExportOPML writes the followed feeds as OPML 2.0.
func (r *Reader) ExportOPML(ctx context.Context, w io.Writer) error {
	feeds, err := r.FollowedFeeds(ctx)
	if err != nil {
		return err
	}
	outlines := make([]opml.Outline, 0, len(feeds))
	for _, f := range feeds {
		outlines = append(outlines, opml.Outline{Text: f.Nick, Title: f.Title, XMLURL: f.URL, HTMLURL: f.SiteURL})
	}
	if err := opml.Write(w, "Rookery reader subscriptions", outlines, r.opts.Now()); err != nil {
		return fmt.Errorf("unable to export OPML: %w", err)
	}
	return nil
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
