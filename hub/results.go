package hub

import (
	"context"
	"time"

	"github.com/rookery-social/rookery/hub/store"
)

// commitResults writes delivery results in batches: whatever arrives within
// CommitInterval (up to 512) goes in one transaction.
func (h *Hub) commitResults() {
	defer h.committer.Done()
	batch := make([]store.DeliveryResult, 0, 512)
	for r := range h.results {
		batch = append(batch[:0], r)
		batch = h.collect(batch)
		h.writeResults(batch)
	}
}

func (h *Hub) collect(batch []store.DeliveryResult) []store.DeliveryResult {
	t := time.NewTimer(h.cfg.CommitInterval)
	defer t.Stop()
	for len(batch) < cap(batch) {
		select {
		case r, ok := <-h.results:
			if !ok {
				return batch
			}
			batch = append(batch, r)
		case <-t.C:
			return batch
		}
	}
	return batch
}

func (h *Hub) writeResults(batch []store.DeliveryResult) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := h.store.CompleteDeliveries(ctx, batch, h.now())
	h.errs.results.report(err, "count", len(batch))
	if err != nil {
		return // the claims lapse and the deliveries run again: at-least-once
	}
	for _, r := range batch {
		h.metrics.countDelivery(r)
	}
	if hasFreshWork(batch) {
		wake(h.deliverWake)
	}
}

func hasFreshWork(batch []store.DeliveryResult) bool {
	for _, r := range batch {
		if r.Outcome == store.OutcomeDeferred {
			return true
		}
	}
	return false
}
