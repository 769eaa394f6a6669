package track

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/rookery-social/rookery/internal/safehttp"
	"github.com/rookery-social/rookery/internal/websub"
)

// maxTrackFeedBytes bounds the track feed read to resolve a query.
const maxTrackFeedBytes = 4 << 20

// Resolve asks the hub for the track feed of query and returns the
// tracked topic: the feed's canonical rel=self (the WebSub topic) and its
// query. The hub checks and normalizes the query; its error is returned.
func Resolve(ctx context.Context, client *http.Client, hub, query string) (Topic, error) {
	u := strings.TrimRight(hub, "/") + "/track?" + url.Values{"q": {query}}.Encode()
	resp, body, err := safehttp.Get(ctx, client, u, http.Header{"Accept": {"application/atom+xml"}}, maxTrackFeedBytes)
	if err != nil {
		return Topic{}, fmt.Errorf("track: ask hub %s: %w", hub, err)
	}
	if resp.StatusCode != http.StatusOK {
		return Topic{}, fmt.Errorf("track: hub %s answered %s: %s", hub, resp.Status, firstLine(body))
	}
	d := websub.Discover(resp.Header, body, u)
	if d.Self == "" {
		return Topic{}, fmt.Errorf("track: hub %s gave no rel=self for %s: is it a Rookery hub with tracking on?", hub, u)
	}
	q := queryOf(d.Self)
	if q == "" {
		return Topic{}, fmt.Errorf("track: hub %s gave the topic %s, which has no query", hub, d.Self)
	}
	return Topic{Query: q, Typed: query, Hub: hub, Topic: d.Self}, nil
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}
