package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"

	"github.com/rookery-social/rookery/hub/store"
	"github.com/rookery-social/rookery/hub/track"
	"github.com/rookery-social/rookery/internal/safehttp"
)

// fetchLoop claims fetch jobs (from publish pings and the poll schedule) and
// runs them, at most FetchConcurrency at a time.
func (h *Hub) fetchLoop(loopCtx, workCtx context.Context) {
	slots := make(chan struct{}, h.cfg.FetchConcurrency)
	for {
		free := cap(slots) - len(slots)
		var jobs []store.FetchJob
		if free > 0 {
			now := h.now()
			var err error
			jobs, err = h.store.ClaimFetches(loopCtx, now, now.Add(h.cfg.ClaimTimeout), free)
			if loopCtx.Err() == nil {
				h.errs.claimFetches.report(err)
			}
		}
		for _, j := range jobs {
			slots <- struct{}{}
			h.work.Add(1)
			go func() {
				defer func() { <-slots; h.work.Done(); wake(h.fetchWake) }()
				h.fetch(workCtx, j)
			}()
		}
		if len(jobs) == free && free > 0 {
			continue
		}
		if !h.idle(loopCtx, h.fetchWake) {
			return
		}
	}
}

// fetch fetches one topic and, when its content changed, stores it and
// queues its deliveries. This is the one place where new content of a
// topic arrives: the OnContent hook runs here.
func (h *Hub) fetch(ctx context.Context, job store.FetchJob) {
	mark := h.waiters.mark()
	res := store.FetchResult{Status: "tracked topic: made by the hub, not fetched"}
	if _, ok, _ := track.FromURL(h.cfg.PublicURL, job.Topic); !ok {
		res = h.fetchTopic(ctx, job)
	}
	h.metrics.fetches.WithLabelValues(fetchLabel(res)).Inc()
	now := h.now()
	handoff := store.Handoff{Max: h.dist.handoffRoom(), Until: now.Add(h.cfg.ClaimTimeout),
		Hand: func(c store.Content, ds []store.Delivery) {
			h.contents.put(c)
			h.dist.hand(ctx, ds)
		}}
	out, err := h.store.FinishFetch(context.WithoutCancel(ctx), job, res, handoff, now)
	if err != nil {
		h.log.Error("hub: recording fetch", "topic", job.Topic, "err", err)
		return
	}
	h.waiters.done(job.Topic, mark, res)
	if res.Err != "" {
		h.log.Info("hub: topic fetch failed", "topic", job.Topic, "err", res.Err, "give_up", res.GiveUp)
		return
	}
	if out.ContentID == 0 {
		return
	}
	h.log.Info("hub: new content", "topic", job.Topic, "bytes", len(res.Body), "deliveries", out.Deliveries)
	wake(h.deliverWake) // for any deliveries not handed over
	h.newContent(ctx, out.ContentID)
}

// newContent is the hook point after "new content fetched for topic T".
func (h *Hub) newContent(ctx context.Context, contentID int64) {
	if h.cfg.OnContent == nil && h.track == nil {
		return
	}
	c, err := h.contents.get(ctx, contentID)
	if err != nil {
		h.log.Error("hub: loading new content", "err", err)
		return
	}
	if h.track != nil {
		h.track.enqueue(ctx, c)
	}
	if h.cfg.OnContent != nil {
		h.cfg.OnContent(ctx, c)
	}
}

func fetchLabel(res store.FetchResult) string {
	switch {
	case res.Err != "":
		return "error"
	case res.Changed:
		return "changed"
	default:
		return "unchanged"
	}
}

// fetchTopic does a conditional GET of the topic within the size and time
// limits and says whether its body changed (by SHA-256 of the bytes).
func (h *Hub) fetchTopic(ctx context.Context, job store.FetchJob) store.FetchResult {
	hdr := http.Header{"User-Agent": {userAgent}}
	if job.ContentHash != "" && job.ETag != "" {
		hdr.Set("If-None-Match", job.ETag)
	}
	if job.ContentHash != "" && job.LastModified != "" {
		hdr.Set("If-Modified-Since", job.LastModified)
	}
	resp, body, err := safehttp.Get(ctx, h.fetchClient, job.Topic, hdr, h.cfg.MaxTopicBytes)
	if err != nil {
		return h.fetchFailed(job, err.Error(), permanent(err))
	}
	res := store.FetchResult{
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		Status:       resp.Status,
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		res.ETag, res.LastModified = keep(res.ETag, job.ETag), keep(res.LastModified, job.LastModified)
		return res
	case resp.StatusCode != http.StatusOK:
		return h.fetchFailed(job, fmt.Sprintf("topic answered %s", resp.Status), missing(resp.StatusCode))
	}
	sum := sha256.Sum256(body)
	res.Hash = hex.EncodeToString(sum[:])
	res.Changed = res.Hash != job.ContentHash
	res.Body, res.ContentType = body, resp.Header.Get("Content-Type")
	return res
}

func keep(v, old string) string {
	if v == "" {
		return old
	}
	return v
}

func (h *Hub) fetchFailed(job store.FetchJob, msg string, giveUp bool) store.FetchResult {
	return store.FetchResult{
		Err:     msg,
		GiveUp:  giveUp || job.Attempts+1 >= h.cfg.FetchAttempts,
		RetryAt: h.now().Add(h.backoff(job.Attempts)),
	}
}

// missing reports a topic that says it is not there (404, 410): retrying
// would only hammer its server, so it is fetched again only on the next
// ping or poll. Pings that arrive meanwhile are coalesced by the store
// into one more fetch after the one running.
func missing(status int) bool {
	return status == http.StatusNotFound || status == http.StatusGone
}

// permanent reports errors that a retry would not cure.
func permanent(err error) bool {
	return errors.Is(err, safehttp.ErrTooLarge) || errors.Is(err, safehttp.ErrForbiddenAddress) ||
		errors.Is(err, safehttp.ErrScheme)
}
