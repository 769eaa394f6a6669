package hub

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"

	"github.com/rookery-social/rookery/hub/track"
	"github.com/rookery-social/rookery/internal/websub"
)

// Bounds of GET /track: candidates read from the store, entries shown.
const (
	trackCandidates = 1000
	trackResults    = 50
)

// handleTrack serves GET /track?q=QUERY: the recent entries matching
// QUERY, newest first, as an Atom feed whose rel=self is the canonical
// track URL (the WebSub topic to subscribe to).
func (h *Hub) handleTrack(w http.ResponseWriter, r *http.Request) {
	if h.track == nil {
		http.Error(w, "hub: tracking is turned off on this hub", http.StatusNotFound)
		return
	}
	q, err := track.Parse(r.URL.Query().Get("q"))
	if err != nil {
		http.Error(w, err.Error()+` (e.g. /track?q=%23golang, /track?q=%40https://alice.example/feed.atom, /track?q=static+site)`, http.StatusBadRequest)
		return
	}
	entries, err := h.track.recentMatches(r, q)
	if err != nil {
		h.log.Error("hub: track feed", "query", q.String(), "err", err)
		http.Error(w, "hub: cannot read entries now; try again later", http.StatusServiceUnavailable)
		return
	}
	self := q.URL(h.cfg.PublicURL)
	body, err := track.Document(track.Feed{Self: self, Hub: h.cfg.PublicURL, Query: q.String(), Now: h.now()}, entries)
	if err != nil {
		http.Error(w, "hub: cannot render the feed", http.StatusInternalServerError)
		return
	}
	w.Header().Add("Link", websub.FormatLink(h.cfg.PublicURL, "hub"))
	w.Header().Add("Link", websub.FormatLink(self, "self"))
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Write(body)
}

// recentMatches returns the newest kept entries matching q, each once.
func (t *tracker) recentMatches(r *http.Request, q track.Query) ([]track.Entry, error) {
	rows, err := t.st.TrackCandidates(r.Context(), q.LookupTerms(), trackCandidates)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []track.Entry
	for _, row := range rows {
		var e track.Entry
		if err := json.Unmarshal(row.Data, &e); err != nil {
			return nil, errors.Join(errors.New("hub: a kept entry is unreadable"), err)
		}
		if seen[e.Key()] || !q.Matches(&e) {
			continue
		}
		seen[e.Key()] = true
		out = append(out, e)
	}
	slices.SortStableFunc(out, func(a, b track.Entry) int { return b.When().Compare(a.When()) })
	return out[:min(len(out), trackResults)], nil
}
