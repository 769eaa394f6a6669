package hub

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/rookery-social/rookery/hub/store"
	"github.com/rookery-social/rookery/internal/websub"
)

var landing = template.Must(template.New("landing").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Rookery WebSub hub</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<h1>Rookery WebSub hub</h1>
<p>This is a public <a href="https://www.w3.org/TR/websub/">W3C WebSub</a> hub at <code>{{.URL}}</code>.
Publishers ping it when a feed changes; it fetches the feed and pushes the new content
to every subscriber, signed when the subscriber gave a secret, and retried until it arrives.</p>
<h2>Publish</h2>
<p>Advertise the hub in your feed (<code>&lt;link rel="hub" href="{{.URL}}"/&gt;</code>), then ping it after each update:</p>
<pre>curl -d hub.mode=publish -d hub.url=https://example.org/feed.atom {{.URL}}</pre>
<h2>Subscribe</h2>
<pre>curl -d hub.mode=subscribe -d hub.topic=https://example.org/feed.atom \
     -d hub.callback=https://reader.example.net/websub/123 \
     -d hub.secret=$(openssl rand -hex 32) {{.URL}}</pre>
<p>The hub answers 202 and then verifies your intent with a GET to the callback;
echo <code>hub.challenge</code> to confirm. Leases default to {{.LeaseDefault}}
(between {{.LeaseMin}} and {{.LeaseMax}}); renew before they end.</p>
<h2>rssCloud</h2>
<p>The hub also speaks <a href="http://home.rssboard.org/rsscloud-interface">rssCloud</a> (REST, http-post and https-post):
feeds advertise <code>&lt;cloud domain="…" port="…" path="/pleaseNotify" registerProcedure="" protocol="http-post"/&gt;</code>,
readers register with <code>POST {{.URL}}pleaseNotify</code> (for 25 hours; renew every 24),
publishers ping <code>POST {{.URL}}ping</code>. A ping, like a WebSub publish, notifies the subscribers of both kinds.</p>
<pre>curl -d url=https://example.org/feed.rss {{.URL}}ping</pre>
<p>Something wrong? See the state of a subscription and its last deliveries:</p>
<pre>curl '{{.URL}}subscription?hub.topic=https://example.org/feed.atom&amp;hub.callback=https://reader.example.net/websub/123'</pre>
{{if .Tracking}}<h2>Track</h2>
<p>Every entry this hub fetches can be followed by tag, by mention of a feed or by words,
whoever wrote it: <code>{{.URL}}track?q=%23golang</code>, <code>{{.URL}}track?q=%40https://example.org/feed.atom</code>,
<code>{{.URL}}track?q=static+site</code> are Atom feeds, and topics to subscribe to (use the feed's rel=self as hub.topic).</p>
<pre>curl '{{.URL}}track?q=%23golang'</pre>
{{end}}<h2>Now</h2>
<table>
<tr><td>Active subscriptions</td><td>{{.Counts.ActiveSubscriptions}}</td></tr>
<tr><td>of which rssCloud</td><td>{{.Counts.RSSCloudActive}}</td></tr>
<tr><td>Topics</td><td>{{.Counts.Topics}}</td></tr>
<tr><td>Pending verifications</td><td>{{.Counts.PendingVerifications}}</td></tr>
<tr><td>Pending deliveries</td><td>{{.Counts.PendingDeliveries}}</td></tr>
<tr><td>Delivered (last {{.Keep}})</td><td>{{.Counts.DeliveredTotal}}</td></tr>
<tr><td>Failed for good (last {{.Keep}})</td><td>{{.Counts.FailedTotal}}</td></tr>
</table>
<p><a href="/metrics">Metrics</a> · <a href="/healthz">Health</a></p>
</body></html>
`))

func (h *Hub) handleLanding(w http.ResponseWriter, r *http.Request) {
	counts, err := h.counts.get(r.Context())
	if err != nil {
		h.log.Error("hub: counts", "err", err)
		http.Error(w, "hub: store unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	err = landing.Execute(w, map[string]any{
		"URL": h.cfg.PublicURL, "Counts": counts, "Keep": human(h.cfg.Keep), "Tracking": h.track != nil,
		"LeaseDefault": human(h.cfg.LeaseDefault), "LeaseMin": human(h.cfg.LeaseMin), "LeaseMax": human(h.cfg.LeaseMax),
	})
	if err != nil {
		h.log.Error("hub: landing page", "err", err)
	}
}

// human renders whole days as "N days".
func human(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		if d == 24*time.Hour {
			return "1 day"
		}
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

// subscriptionView is the JSON of GET /subscription. It never holds the
// secret, only whether there is one.
type subscriptionView struct {
	Topic         string             `json:"topic"`
	Callback      string             `json:"callback"`
	State         string             `json:"state"`
	Protocol      string             `json:"protocol,omitempty"` // websub or rsscloud
	Signed        bool               `json:"signed"`
	LeaseSeconds  int64              `json:"lease_seconds,omitempty"`
	LeaseExpires  *time.Time         `json:"lease_expires,omitempty"`
	Since         *time.Time         `json:"since,omitempty"`
	Verifications []verificationView `json:"verifications"`
	Deliveries    []deliveryView     `json:"deliveries"`
}

type verificationView struct {
	Mode         string     `json:"mode"`
	State        string     `json:"state"`
	Result       string     `json:"result,omitempty"`
	LeaseSeconds int64      `json:"lease_seconds,omitempty"`
	Requested    time.Time  `json:"requested"`
	Finished     *time.Time `json:"finished,omitempty"`
}

type deliveryView struct {
	ID          int64      `json:"id"`
	Content     int64      `json:"content_version"`
	State       string     `json:"state"`
	Attempts    int        `json:"attempts"`
	LastStatus  int        `json:"last_status,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
	Queued      time.Time  `json:"queued"`
	NextAttempt *time.Time `json:"next_attempt,omitempty"`
	Finished    *time.Time `json:"finished,omitempty"`
}

var deliveryStates = map[int]string{
	store.DeliveryPending: "pending", store.DeliveryDone: "delivered",
	store.DeliveryFailed: "failed", store.DeliveryCancelled: "cancelled",
}

// handleSubscription shows one subscription: its state, lease, recent
// verifications and last deliveries.
func (h *Hub) handleSubscription(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	topic := cmp.Or(q.Get(websub.ParamTopic), q.Get("url"))            // rssCloud: the feed's url
	callback := cmp.Or(q.Get(websub.ParamCallback), q.Get("callback")) // rssCloud: scheme://domain:port/path
	if topic == "" || callback == "" {
		http.Error(w, "hub: give hub.topic and hub.callback, e.g. /subscription?hub.topic=URL&hub.callback=URL (rssCloud: ?url=FEED&callback=http://DOMAIN:PORT/PATH)", http.StatusBadRequest)
		return
	}
	view, err := h.subscriptionView(r, topic, callback)
	if err != nil {
		h.log.Error("hub: subscription page", "err", err)
		http.Error(w, "hub: store unavailable", http.StatusServiceUnavailable)
		return
	}
	status := http.StatusOK
	if view.State == "none" && len(view.Verifications) == 0 {
		status = http.StatusNotFound
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(view)
}

func (h *Hub) subscriptionView(r *http.Request, topic, callback string) (subscriptionView, error) {
	ctx := r.Context()
	v := subscriptionView{Topic: topic, Callback: callback, State: "none",
		Verifications: []verificationView{}, Deliveries: []deliveryView{}}
	vs, err := h.store.Verifications(ctx, topic, callback, 5)
	if err != nil {
		return v, err
	}
	for _, x := range vs {
		v.Verifications = append(v.Verifications, verificationView{Mode: x.Mode, State: x.State, Result: x.Result,
			LeaseSeconds: x.LeaseSeconds, Requested: x.CreatedAt, Finished: optTime(x.FinishedAt)})
	}
	sub, err := h.store.Subscription(ctx, topic, callback)
	if errors.Is(err, store.ErrNotFound) {
		return v, nil
	}
	if err != nil {
		return v, err
	}
	v.State, v.Signed, v.LeaseSeconds, v.Protocol = sub.State, sub.HasSecret, sub.LeaseSeconds, sub.Protocol
	v.LeaseExpires, v.Since = optTime(sub.ExpiresAt), optTime(sub.CreatedAt)
	if sub.State == store.StateActive && !h.now().Before(sub.ExpiresAt) {
		v.State = store.StateExpired
	}
	ds, err := h.store.RecentDeliveries(ctx, sub.ID, 20)
	if err != nil {
		return v, err
	}
	for _, d := range ds {
		dv := deliveryView{ID: d.ID, Content: d.ContentID, State: deliveryStates[d.State], Attempts: d.Attempts,
			LastStatus: d.LastStatus, LastError: d.LastError, Queued: d.CreatedAt, Finished: optTime(d.FinishedAt)}
		if d.State == store.DeliveryPending {
			dv.NextAttempt = optTime(d.NextAt)
		}
		v.Deliveries = append(v.Deliveries, dv)
	}
	return v, nil
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
