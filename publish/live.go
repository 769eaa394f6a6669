package publish

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/mmcdole/gofeed"
)

// FeedShows fetches the feed at feedURL and reports whether it carries e
// with e's current updated time; when not, it says what it saw instead
// (an HTTP status, "not a feed yet", an older version).
func FeedShows(ctx context.Context, client *http.Client, feedURL string, e *Entry) (bool, string) {
	e.Full()
	r, err := get(ctx, client, feedURL, acceptFeed)
	if err != nil {
		return false, err.Error()
	}
	if r.Status != http.StatusOK {
		return false, fmt.Sprintf("HTTP %d", r.Status)
	}
	f, err := gofeed.NewParser().Parse(bytes.NewReader(r.Body))
	if err != nil {
		return false, "not a feed yet"
	}
	for _, it := range f.Items {
		if it.GUID == e.ID {
			if it.UpdatedParsed != nil && it.UpdatedParsed.Before(e.Updated) {
				return false, "older version of the newest entry"
			}
			return true, ""
		}
	}
	return false, "newest entry not there yet"
}

// PageGone reports whether page answers 404 Not Found or 410 Gone.
func PageGone(ctx context.Context, client *http.Client, page string) bool {
	r, err := get(ctx, client, page, "text/html")
	return err == nil && (r.Status == http.StatusNotFound || r.Status == http.StatusGone)
}
