package hub

import (
	"context"
	"sync"
	"time"

	"github.com/rookery-social/rookery/hub/store"
)

// distributor sends deliveries with bounded concurrency overall and per
// callback host. Deliveries reach it two ways: handed over by a fan-out
// (created already leased, so the hot path never claims them) or claimed
// in batches from the store (retries, and whatever a fan-out did not hand
// over). Those whose host is busy wait in memory; a claimed one whose
// host already has many waiting goes back to the store for later. A worker
// that finishes takes the next waiting delivery of its host, keeping its
// connection warm.
type distributor struct {
	h        *Hub
	mu       sync.Mutex
	running  map[string]int // per host
	queued   map[string][]queuedDelivery
	held     map[int64]bool // ids in memory, queued or running
	nClaimed int            // queued deliveries that came from a claim
	global   int
	stopping bool
	backlog  bool // claimed deliveries were put back since the last claim
	freed    chan struct{}
	idle     chan struct{} // signalled when the last running delivery ends
	workers  sync.WaitGroup
	shared   bool // the store is shared with other hub processes
}

type queuedDelivery struct {
	store.Delivery
	claimed bool
}

// maxHeld bounds the deliveries held in memory by hand-over.
const maxHeld = 100_000

func newDistributor(h *Hub) *distributor {
	return &distributor{
		h:       h,
		running: map[string]int{},
		queued:  map[string][]queuedDelivery{},
		held:    map[int64]bool{},
		freed:   make(chan struct{}, 1),
		idle:    make(chan struct{}, 1),
		shared:  isShared(h.store),
	}
}

// isShared reports whether st is shared by several hub processes.
func isShared(st store.Store) bool {
	_, ok := st.(store.SubscriptionWatcher)
	return ok
}

// capacity is how many claimed deliveries may be held in memory at once.
func (d *distributor) capacity() int { return 4 * d.h.cfg.DeliveryConcurrency }

// hostWaitMax is how many claimed deliveries may wait for one host: half
// of what may be held, so that a host with a backlog keeps its workers
// busy between two claims while other hosts' deliveries still find room.
func (d *distributor) hostWaitMax() int {
	return max(4*d.h.cfg.HostConcurrency, d.capacity()/2)
}

func (d *distributor) room() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.capacity() - d.global - d.nClaimed
}

// handoffRoom is how many new deliveries a fan-out may hand over. On a
// store shared by several hub processes it is only what this one can
// start soon, so that the others claim the rest of a large fan-out.
func (d *distributor) handoffRoom() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopping {
		return 0
	}
	if d.shared {
		return max(0, d.capacity()-len(d.held))
	}
	return max(0, maxHeld-len(d.held))
}

// run claims due deliveries while there is room, until loopCtx ends.
// Claimed deliveries whose host has too many waiting go back to the store,
// due at once; the next claim comes as soon as a host's queue drains, so
// a host with a backlog (such as every delivery of a fan-out interrupted
// by a crash) is served at the pace it answers, not one queue-full per
// idle interval.
func (d *distributor) run(loopCtx, workCtx context.Context) {
	more, refill := true, false
	for {
		room := d.room()
		if more && room >= d.capacity()/4 {
			n := room
			if refill { // one host's worth: most of a full batch would go back
				n = min(room, d.hostWaitMax()/2)
			}
			batch, err := d.claim(loopCtx, n)
			if loopCtx.Err() == nil {
				d.h.errs.claimDeliveries.report(err)
			}
			var back []store.Delivery
			for _, dl := range batch {
				if !d.admit(workCtx, dl, true) {
					back = append(back, dl)
				}
			}
			d.putBack(loopCtx, back)
			if more = len(batch) == n && len(back) == 0; more {
				refill = false
				continue
			}
		}
		if !d.sleep(loopCtx, &more, &refill) {
			d.stop()
			return
		}
	}
}

// claim leases up to n due deliveries.
func (d *distributor) claim(ctx context.Context, n int) ([]store.Delivery, error) {
	d.mu.Lock()
	d.backlog = false
	d.mu.Unlock()
	now := d.h.now()
	return d.h.store.ClaimDeliveries(ctx, now, now.Add(d.h.cfg.ClaimTimeout), n)
}

// putBack returns claimed deliveries that found their host's queue full to
// the store, due at once: they are claimed again when a queue drains (or
// at the next idle interval). It writes them before the next claim, so
// that this claim can find them.
func (d *distributor) putBack(ctx context.Context, ds []store.Delivery) {
	if len(ds) == 0 {
		return
	}
	now := d.h.now()
	rs := make([]store.DeliveryResult, len(ds))
	for i, dl := range ds {
		rs[i] = store.DeliveryResult{ID: dl.ID, ContentID: dl.ContentID, Outcome: store.OutcomeDeferred, RetryAt: now}
	}
	d.h.metrics.deferred.Add(float64(len(ds)))
	// On error they come back when their claim runs out.
	err := d.h.store.CompleteDeliveries(context.WithoutCancel(ctx), rs, now)
	d.h.errs.putBack.report(err, "count", len(ds))
	d.mu.Lock()
	d.backlog = true
	d.mu.Unlock()
}

// sleep waits for new work, a freed slot or the idle interval. A freed
// slot means a host's queue drained, or is half empty: with deliveries put
// back, or more due in the store, refill at once.
func (d *distributor) sleep(ctx context.Context, more, refill *bool) bool {
	t := time.NewTimer(d.h.cfg.IdleInterval)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-d.h.deliverWake:
		*more, *refill = true, false
	case <-t.C:
		*more, *refill = true, false
	case <-d.freed:
		// Claim again if the last claim was full (the store may hold
		// more: a fan-out hands over only what fits, the rest waits in
		// the store) or deliveries were put back.
		d.mu.Lock()
		*more = *more || d.backlog
		d.mu.Unlock()
		*refill = true
	}
	return true
}

// hand takes deliveries a fan-out created already leased. It never waits.
func (d *distributor) hand(ctx context.Context, ds []store.Delivery) {
	for _, dl := range ds {
		d.admit(ctx, dl, false)
	}
}

// admit starts a delivery or queues it for its busy host. It reports
// false for a claimed delivery whose host already has hostWaitMax waiting:
// the caller puts it back in the store.
func (d *distributor) admit(ctx context.Context, dl store.Delivery, claimed bool) bool {
	host := store.CallbackHost(dl.Callback)
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.held[dl.ID]: // a lease ran out while it waited here; now renewed
	case d.stopping && !claimed:
		// Created leased: it comes back when the lease ends, or at the
		// next start. Handing it back here could block a fan-out's
		// transaction on the full results queue.
	case d.stopping:
		return false
	case d.running[host] < d.h.cfg.HostConcurrency && d.global < d.h.cfg.DeliveryConcurrency:
		d.held[dl.ID] = true
		d.running[host]++
		d.global++
		d.workers.Add(1)
		go d.work(ctx, host, dl)
	case !claimed || len(d.queued[host]) < d.hostWaitMax():
		d.held[dl.ID] = true
		d.queued[host] = append(d.queued[host], queuedDelivery{dl, claimed})
		if claimed {
			d.nClaimed++
		}
	default:
		return false
	}
	return true
}

// work sends deliveries for host until none waits that it may take.
func (d *distributor) work(ctx context.Context, host string, dl store.Delivery) {
	defer d.workers.Done()
	for {
		d.h.results <- d.h.deliver(ctx, dl)
		var ok bool
		if host, dl, ok = d.next(host, dl.ID); !ok {
			wake(d.freed)
			return
		}
	}
}

// next picks the delivery a finishing worker takes: one more for its host,
// else one for another host with room; else it frees its slots.
func (d *distributor) next(host string, done int64) (string, store.Delivery, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.held, done)
	if !d.stopping {
		if dl, ok := d.pop(host); ok {
			if d.backlog && len(d.queued[host]) == d.hostWaitMax()/2 {
				wake(d.freed) // refill before the queue runs dry
			}
			return host, dl, true
		}
	}
	d.running[host]--
	if d.running[host] == 0 {
		delete(d.running, host)
	}
	if !d.stopping {
		for other := range d.queued {
			if d.running[other] < d.h.cfg.HostConcurrency {
				dl, _ := d.pop(other)
				d.running[other]++
				return other, dl, true
			}
		}
	}
	d.global--
	if d.global == 0 {
		wake(d.idle)
	}
	return "", store.Delivery{}, false
}

// busy reports whether deliveries are running or waiting in memory.
func (d *distributor) busy() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.global > 0 || len(d.held) > 0
}

// awaitIdle returns once no delivery is running or waiting in memory, at
// deadline, or when ctx ends, whichever comes first. Work that can wait
// (tracked topics) runs after the deliveries in hand, so that on a small
// machine it does not take their CPU.
func (d *distributor) awaitIdle(ctx context.Context, deadline time.Time) {
	if !d.busy() {
		return
	}
	t := time.NewTimer(deadline.Sub(d.h.now()))
	defer t.Stop()
	for d.busy() {
		select {
		case <-d.idle:
		case <-t.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// pop takes the first queued delivery of host; d.mu is held.
func (d *distributor) pop(host string) (store.Delivery, bool) {
	q := d.queued[host]
	if len(q) == 0 {
		return store.Delivery{}, false
	}
	first := q[0]
	if len(q) == 1 {
		delete(d.queued, host)
	} else {
		d.queued[host] = q[1:]
	}
	if first.claimed {
		d.nClaimed--
	}
	return first.Delivery, true
}

// stop hands the queued deliveries back to the store, due at once.
func (d *distributor) stop() {
	d.mu.Lock()
	d.stopping = true
	var back []store.Delivery
	for host, q := range d.queued {
		for _, x := range q {
			back = append(back, x.Delivery)
			delete(d.held, x.ID)
		}
		delete(d.queued, host)
	}
	d.nClaimed = 0
	d.mu.Unlock()
	for _, dl := range back {
		d.h.results <- store.DeliveryResult{ID: dl.ID, ContentID: dl.ContentID, Outcome: store.OutcomeDeferred, RetryAt: d.h.now()}
	}
}

// wait returns when every running delivery has finished.
func (d *distributor) wait() { d.workers.Wait() }
