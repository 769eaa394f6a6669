package hub

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/rookery-social/rookery/hub/store"
)

// metrics are the hub's Prometheus series, on a registry of its own.
type metrics struct {
	reg           *prometheus.Registry
	requests      *prometheus.CounterVec
	verifications *prometheus.CounterVec
	fetches       *prometheus.CounterVec
	deliveries    *prometheus.CounterVec
	deferred      prometheus.Counter
	cloudRequests *prometheus.CounterVec
	cloudNotifies *prometheus.CounterVec
	latency       prometheus.Histogram
}

func newMetrics(h *Hub) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hub_requests_total", Help: "POST requests to the hub by hub.mode and HTTP status.",
		}, []string{"mode", "code"}),
		verifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hub_verifications_total", Help: "Verifications of intent by mode and result (verified, failed, denied).",
		}, []string{"mode", "result"}),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hub_topic_fetches_total", Help: "Topic fetches by result (changed, unchanged, error).",
		}, []string{"result"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hub_deliveries_total", Help: "Delivery attempts by result (ok, retrying, failed, gone, cancelled).",
		}, []string{"result"}),
		deferred: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hub_deliveries_deferred_total", Help: "Deliveries put back because their callback host was at its concurrency limit.",
		}),
		cloudRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hub_rsscloud_requests_total", Help: "rssCloud requests by procedure (pleaseNotify, ping) and result (success, failure).",
		}, []string{"procedure", "result"}),
		cloudNotifies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hub_rsscloud_notifications_total", Help: "rssCloud notify attempts by result (ok, retrying, failed, gone, cancelled).",
		}, []string{"result"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "hub_delivery_duration_seconds", Help: "Time to POST one delivery and read the answer.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
	}
	m.reg.MustRegister(m.requests, m.verifications, m.fetches, m.deliveries, m.deferred, m.latency,
		m.cloudRequests, m.cloudNotifies,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.reg.MustRegister(gauge(h, "hub_subscriptions_active", "Active subscriptions.",
		func(c store.Counts) int64 { return c.ActiveSubscriptions }))
	m.reg.MustRegister(gauge(h, "hub_rsscloud_subscriptions_active", "Active rssCloud registrations (counted in hub_subscriptions_active too).",
		func(c store.Counts) int64 { return c.RSSCloudActive }))
	m.reg.MustRegister(gauge(h, "hub_topics_active", "Topics with at least one active subscription.",
		func(c store.Counts) int64 { return c.Topics }))
	m.reg.MustRegister(gauge(h, "hub_verifications_pending", "Verifications of intent not yet done.",
		func(c store.Counts) int64 { return c.PendingVerifications }))
	m.reg.MustRegister(gauge(h, "hub_deliveries_pending", "Deliveries waiting to be sent or retried.",
		func(c store.Counts) int64 { return c.PendingDeliveries }))
	return m
}

// gauge reads one figure of the store's counts at scrape time.
func gauge(h *Hub, name, help string, pick func(store.Counts) int64) prometheus.GaugeFunc {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := h.counts.get(ctx)
		if err != nil {
			return -1
		}
		return float64(pick(c))
	})
}

// countsTTL is how long the store's counts are reused: the landing page
// and /metrics are public, and counting is not free.
const countsTTL = time.Second

// countsCache reuses the store's counts for countsTTL.
type countsCache struct {
	st   store.Store
	now  func() time.Time
	mu   sync.Mutex
	at   time.Time
	last store.Counts
}

func (c *countsCache) get(ctx context.Context) (store.Counts, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if now.Sub(c.at) < countsTTL {
		return c.last, nil
	}
	counts, err := c.st.Counts(ctx, now)
	if err != nil {
		return counts, err
	}
	c.last, c.at = counts, now
	return counts, nil
}

var outcomeLabels = map[store.Outcome]string{
	store.OutcomeDone:   "ok",
	store.OutcomeRetry:  "retrying",
	store.OutcomeFailed: "failed",
	store.OutcomeGone:   "gone",
	store.OutcomeCancel: "cancelled",
}

func (m *metrics) countDelivery(r store.DeliveryResult) {
	if l, ok := outcomeLabels[r.Outcome]; ok {
		m.deliveries.WithLabelValues(l).Inc()
	}
}
