package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// heartbeat keeps an idle event stream (and the proxies on its way) open.
const heartbeat = 25 * time.Second

// events streams the posts of followed feeds as they arrive (Server-Sent
// Events): at once what arrived after ?after=ROWID (or the Last-Event-ID
// of a reconnecting browser), then one "posts" event each time the reader
// stores new ones, its data the posts' HTML as the timeline shows them.
// Nothing polls: the handler waits on the reader's arrival signal.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	after := s.eventsStart(r)
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{}) // the stream outlives the server's write timeout
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	fmt.Fprint(w, "retry: 2000\n\n")
	if rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		arrived := s.r.Arrivals() // before reading: nothing stored after the read is missed
		var err error
		if after, err = s.sendArrived(w, r, after); err != nil || rc.Flush() != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-arrived:
		case <-tick.C:
			fmt.Fprint(w, ": ping\n\n")
		}
	}
}

// eventsStart is the rowid the stream starts after.
func (s *Server) eventsStart(r *http.Request) int64 {
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	if id, err := strconv.ParseInt(r.Header.Get("Last-Event-ID"), 10, 64); err == nil && id > after {
		after = id
	}
	if after <= 0 {
		after, _ = s.r.LastArrival(r.Context())
	}
	return after
}

// sendArrived writes one event with the posts arrived after the rowid
// after, if any, and returns the rowid the next event starts after.
func (s *Server) sendArrived(w http.ResponseWriter, r *http.Request, after int64) (int64, error) {
	last, err := s.r.LastArrival(r.Context())
	if err != nil || last <= after {
		return after, err
	}
	posts, err := s.r.ArrivedAfter(r.Context(), after, pageSize)
	if err != nil {
		return after, err
	}
	if len(posts) == 0 {
		return last, nil
	}
	last = max(last, posts[0].RowID)
	var buf bytes.Buffer
	for _, p := range posts {
		if err := s.pages["timeline"].ExecuteTemplate(&buf, "post", item(token(r), s.cfg.Site != nil, s.view(p))); err != nil {
			return after, err
		}
	}
	fmt.Fprintf(w, "id: %d\nevent: posts\n", last)
	for _, line := range strings.Split(buf.String(), "\n") {
		fmt.Fprintf(w, "data: %s\n", line)
	}
	_, err = fmt.Fprint(w, "\n")
	return last, err
}
