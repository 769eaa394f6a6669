package aggregate

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/rookery-social/rookery/aggregate/store"
)

// PostsByRef returns the stored posts named by refs (feed URL and entry
// id), in the order given, with blocks and mutes applied: posts of
// blocked feeds or domains and muted posts are left out, and so are refs
// not stored. It lists tracked posts (`reader tracked`).
func (r *Reader) PostsByRef(ctx context.Context, refs []store.PostRef) ([]Post, error) {
	f, err := r.st.Filter(ctx)
	if err != nil {
		return nil, fmt.Errorf("unable to load blocks and mutes: %w", err)
	}
	out := []Post{}
	for _, ref := range refs {
		p, err := r.st.PostInFeed(ctx, ref.Feed, ref.ID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("unable to read post %q of %s: %w", ref.ID, ref.Feed, err)
		}
		if slices.Contains(f.BlockedFeeds, p.FeedID) || !f.Keep(p) {
			continue
		}
		out = append(out, toPost(p))
	}
	return out, nil
}
