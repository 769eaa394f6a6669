package hub

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rookery-social/rookery/hub/store"
	"github.com/rookery-social/rookery/hub/track"
	"github.com/rookery-social/rookery/internal/safehttp"
)

// RSSCloudLease is how long an rssCloud registration lasts: 25 hours, so a
// subscriber that registers again every 24 hours is never dropped.
const RSSCloudLease = 25 * time.Hour

// rssCloud messages, in the words rssCloud clients know.
const (
	cloudRegistered = "Thanks for the registration. It worked. When the resource updates we'll notify you. " +
		"Don't forget to re-register after 24 hours, your subscription will expire in 25. Keep on truckin!"
	cloudPinged = "Thanks for the ping."
)

// cloudReply is the answer to pleaseNotify (<notifyResult/>) and ping
// (<result/>): success and a message, as XML or, when asked, JSON.
type cloudReply struct {
	Success bool   `json:"success"`
	Msg     string `json:"msg"`
}

func cloudFail(format string, args ...any) cloudReply {
	return cloudReply{Msg: fmt.Sprintf(format, args...)}
}

// writeCloud writes reply as the rssCloud REST interface does: XML by
// default, JSON when the request accepts application/json.
func writeCloud(w http.ResponseWriter, r *http.Request, status int, element string, reply cloudReply) {
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(reply)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	var msg strings.Builder
	xml.EscapeText(&msg, []byte(reply.Msg))
	fmt.Fprintf(w, "<?xml version=\"1.0\"?>\n<%s success=\"%t\" msg=\"%s\"/>\n", element, reply.Success, msg.String())
}

// readCloudForm applies the rate limit and the body limit and parses the
// form of an rssCloud request. A refusal comes with its HTTP status.
func (h *Hub) readCloudForm(w http.ResponseWriter, r *http.Request) (url.Values, int, error) {
	if !h.limiter.Allow(r.RemoteAddr) {
		w.Header().Set("Retry-After", "1")
		return nil, http.StatusTooManyRequests, replyf("Too many requests from your address: slow down and retry later.")
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return nil, http.StatusUnsupportedMediaType,
			replyf("Send the request as a form: Content-Type: application/x-www-form-urlencoded.")
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxRequestBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, http.StatusRequestEntityTooLarge, replyf("The request body is over %d bytes.", h.cfg.MaxRequestBytes)
		}
		return nil, http.StatusBadRequest, replyf("The form could not be read: %v.", err)
	}
	return r.Form, http.StatusOK, nil
}

// cloudRequest is a parsed pleaseNotify.
type cloudRequest struct {
	Callback  string   // where notifications go: scheme://domain:port/path
	Challenge bool     // a domain was given: verify with a GET and a challenge
	URLs      []string // the feeds to watch
}

// parsePleaseNotify reads a pleaseNotify form. Without a domain the
// callback is on the address the request came from.
func parsePleaseNotify(form url.Values, remoteAddr string) (cloudRequest, error) {
	var req cloudRequest
	var missing []string
	for _, p := range []string{"port", "path", "protocol"} {
		if strings.TrimSpace(form.Get(p)) == "" {
			missing = append(missing, p)
		}
	}
	urls := cloudURLs(form)
	if len(urls) == 0 {
		missing = append(missing, "url1")
	}
	if len(missing) > 0 {
		return req, replyf("The following parameters were missing from the request body: %s.", strings.Join(missing, ", "))
	}
	protocol := form.Get("protocol")
	switch protocol {
	case "http-post", "https-post":
	case "xml-rpc", "soap":
		return req, replyf("Can't accept the subscription because the protocol, %s, is not supported by this hub: use http-post or https-post.", trim(protocol))
	default:
		return req, replyf("Can't accept the subscription because the protocol, %s, is unsupported: use http-post or https-post.", trim(protocol))
	}
	port, err := strconv.Atoi(strings.TrimSpace(form.Get("port")))
	if err != nil || port < 1 || port > 65535 {
		return req, replyf("The port, %s, is not a port number (1 to 65535).", trim(form.Get("port")))
	}
	host := strings.TrimSpace(form.Get("domain"))
	req.Challenge = host != ""
	if host == "" {
		if host, err = requester(remoteAddr); err != nil {
			return req, err
		}
	}
	if req.Callback, err = cloudCallback(protocol, host, port, form.Get("path")); err != nil {
		return req, err
	}
	if len(urls) > maxPublishTopics {
		return req, replyf("The request names %d resources: at most %d.", len(urls), maxPublishTopics)
	}
	for _, u := range urls {
		if _, err := checkURL("url", u); err != nil {
			return req, replyf("The resource %q is not an absolute http or https URL without #fragment or user:password@.", trim(u))
		}
		if !slices.Contains(req.URLs, u) {
			req.URLs = append(req.URLs, u)
		}
	}
	return req, nil
}

// cloudURLs collects the url1…urlN parameters (any name starting with
// "url", in name order).
func cloudURLs(form url.Values) []string {
	var keys []string
	for k := range form {
		if strings.HasPrefix(strings.ToLower(k), "url") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []string
	for _, k := range keys {
		for _, v := range form[k] {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// requester is the IP address a request came from, as a URL host.
func requester(remoteAddr string) (string, error) {
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return "", replyf("The address of your request, %s, is unknown: give a domain.", remoteAddr)
	}
	return ap.Addr().Unmap().String(), nil
}

// cloudCallback builds and checks the notification URL. https-post, and
// http-post on port 443, are notified over HTTPS.
func cloudCallback(protocol, host string, port int, path string) (string, error) {
	scheme := "http"
	if protocol == "https-post" || port == 443 {
		scheme = "https"
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	h := strings.Trim(host, "[]")
	if strings.ContainsAny(h, "/?#@\\ ") || (strings.Contains(h, ":") && !isIP(h)) {
		return "", replyf("The domain, %s, is not a host name.", trim(host))
	}
	hostport := net.JoinHostPort(h, strconv.Itoa(port))
	cb := scheme + "://" + hostport + path
	u, err := checkURL("path", cb)
	if err != nil {
		return "", replyf("The notification address %s is not a valid URL: check domain, port and path.", trim(cb))
	}
	if p, _ := url.Parse(u); p == nil || p.Host != hostport {
		return "", replyf("The notification address %s is not a valid URL: check domain, port and path.", trim(cb))
	}
	return u, nil
}

func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// handlePleaseNotify registers an rssCloud subscriber for each feed named:
// the feed must be a feed the hub can read, and the subscriber's endpoint
// must answer (a GET echoing a challenge when a domain was given, else a
// 2xx to a test notification at the requesting address). The answer comes
// once everything is checked.
func (h *Hub) handlePleaseNotify(w http.ResponseWriter, r *http.Request) {
	const element = "notifyResult"
	form, status, err := h.readCloudForm(w, r)
	if err != nil {
		h.countCloud(store.ModePleaseNotify, false)
		writeCloud(w, r, status, element, cloudFail("%s", err.Error()))
		return
	}
	req, err := parsePleaseNotify(form, r.RemoteAddr)
	if err != nil {
		h.countCloud(store.ModePleaseNotify, false)
		writeCloud(w, r, http.StatusOK, element, cloudFail("%s", err.Error()))
		return
	}
	reply := cloudReply{Success: true, Msg: cloudRegistered}
	var failed []string
	for _, topic := range req.URLs {
		if msg := h.register(r.Context(), req, topic); msg != "" {
			failed = append(failed, msg)
		}
	}
	if len(failed) > 0 {
		reply = cloudReply{Msg: strings.Join(failed, " ")}
		if len(failed) < len(req.URLs) {
			reply.Msg += " The other resources were registered."
		}
	}
	h.countCloud(store.ModePleaseNotify, reply.Success)
	writeCloud(w, r, http.StatusOK, element, reply)
}

// register checks and records one registration and returns why it
// failed, or "".
func (h *Hub) register(ctx context.Context, req cloudRequest, topic string) string {
	select {
	case h.cloudSlots <- struct{}{}:
		defer func() { <-h.cloudSlots }()
	case <-ctx.Done():
		return "The subscription was cancelled: the request ended."
	}
	v := store.Verification{Mode: store.ModePleaseNotify, Topic: topic, Callback: req.Callback,
		LeaseSeconds: int64(RSSCloudLease / time.Second), CreatedAt: h.now()}
	log := h.log.With("mode", v.Mode, "topic", topic, "callback", req.Callback)
	state, msg := store.VerifyVerified, ""
	if reason := h.cloudRefusal(ctx, v); reason != "" {
		state, msg = store.VerifyDenied, "The subscription was refused: "+reason+"."
		v.Result = reason
	} else if err := h.readFeed(ctx, topic); err != nil {
		state, msg = store.VerifyDenied, fmt.Sprintf("The subscription was cancelled because there was an error reading the resource at URL %s: %v.", topic, err)
		v.Result = err.Error()
	} else if err := h.testHandler(ctx, req, topic); err != nil {
		state, msg = store.VerifyFailed, fmt.Sprintf("The subscription was cancelled because the call failed when we tested the handler at %s: %v.", req.Callback, err)
		v.Result = err.Error()
	}
	v.State = state
	h.metrics.verifications.WithLabelValues(v.Mode, state).Inc()
	if _, err := h.store.RecordVerification(context.WithoutCancel(ctx), v, h.now()); err != nil {
		log.Error("hub: recording rssCloud registration", "err", err)
		return "The subscription could not be recorded: try again later."
	}
	log.Info("hub: rssCloud registration", "result", state, "reason", v.Result)
	return msg
}

// cloudRefusal says why a registration is refused, or "": the same rules
// as a WebSub subscription (a public topic, the per-host cap), and no
// tracked topics (they are delivered as documents, only over WebSub).
func (h *Hub) cloudRefusal(ctx context.Context, v store.Verification) string {
	if _, ok, _ := track.FromURL(h.cfg.PublicURL, v.Topic); ok {
		return "tracked topics are served over WebSub only"
	}
	v.Mode = "subscribe"
	return h.refusal(ctx, v)
}

// readFeed GETs a feed and checks that it is one (RSS, Atom, RDF or JSON
// Feed).
func (h *Hub) readFeed(ctx context.Context, topic string) error {
	hdr := http.Header{"User-Agent": {userAgent}}
	resp, body, err := safehttp.Get(ctx, h.fetchClient, topic, hdr, h.cfg.MaxTopicBytes)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("it answered %s", resp.Status)
	}
	return isFeed(body)
}

// isFeed checks that body is an RSS, Atom, RDF or JSON Feed document.
func isFeed(body []byte) error {
	trimmed := strings.TrimLeft(string(body[:min(len(body), 512)]), " \t\r\n\ufeff")
	if strings.HasPrefix(trimmed, "{") {
		var doc struct {
			Version string `json:"version"`
		}
		if json.Unmarshal(body, &doc) == nil && strings.HasPrefix(doc.Version, "https://jsonfeed.org/version/") {
			return nil
		}
		return errors.New("it is JSON but not a JSON Feed")
	}
	d := xml.NewDecoder(strings.NewReader(string(body)))
	d.Strict = false
	for range 64 {
		tok, err := d.Token()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch strings.ToLower(se.Name.Local) {
			case "rss", "feed", "rdf":
				return nil
			}
			return fmt.Errorf("it is not a feed: its root element is <%s>, want <rss>, <feed> or <rdf:RDF>", se.Name.Local)
		}
	}
	return errors.New("it is not a feed (RSS, Atom or JSON Feed)")
}

// testHandler checks the subscriber's endpoint: with a domain, a GET with
// url and challenge that must echo the challenge; without, a test notify.
func (h *Hub) testHandler(ctx context.Context, req cloudRequest, topic string) error {
	if !req.Challenge {
		status, err := h.sendNotify(ctx, h.verifyClient, req.Callback, topic)
		if err != nil {
			return err
		}
		if status < 200 || status > 299 {
			return fmt.Errorf("it answered %d to a test notification", status)
		}
		return nil
	}
	challenge, err := newChallenge()
	if err != nil {
		return err
	}
	q := url.Values{"url": {topic}, "challenge": {challenge}}
	resp, body, err := h.get(ctx, withQuery(req.Callback, q), int64(len(challenge)))
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("it answered %d, want 2xx with the challenge", resp.StatusCode)
	}
	if string(body) != challenge {
		return errors.New("it did not echo the challenge")
	}
	return nil
}

// sendNotify POSTs url=topic to an rssCloud subscriber and returns the
// status it answered.
func (h *Hub) sendNotify(ctx context.Context, client *http.Client, callback, topic string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.DeliveryTimeout)
	defer cancel()
	body := url.Values{"url": {topic}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, callback, strings.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("hub: notify request: %w", err)
	}
	req.Header["User-Agent"] = []string{userAgent}
	req.Header["Content-Type"] = []string{"application/x-www-form-urlencoded"}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	safehttp.ReadAll(resp.Body, 64<<10)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// handleCloudPing is rssCloud's ping: the feed is fetched once (through
// the durable fetch queue, as a WebSub publish) and, when it changed,
// every subscriber of it, WebSub and rssCloud, is told. The answer waits
// for that fetch, so that a feed that cannot be read is reported.
func (h *Hub) handleCloudPing(w http.ResponseWriter, r *http.Request) {
	const element = "result"
	form, status, err := h.readCloudForm(w, r)
	reply := cloudReply{Success: true, Msg: cloudPinged}
	switch {
	case err != nil:
		reply = cloudFail("%s", err.Error())
	case strings.TrimSpace(form.Get("url")) == "":
		reply = cloudFail("The following parameters were missing from the request body: url.")
	default:
		reply, status = h.cloudPing(r.Context(), strings.TrimSpace(form.Get("url")))
	}
	h.countCloud("ping", reply.Success)
	writeCloud(w, r, status, element, reply)
}

func (h *Hub) cloudPing(ctx context.Context, topic string) (cloudReply, int) {
	if _, err := checkURL("url", topic); err != nil {
		return cloudFail("The url %q is not an absolute http or https URL without #fragment or user:password@.", trim(topic)), http.StatusOK
	}
	if _, ok, _ := track.FromURL(h.cfg.PublicURL, topic); ok {
		return cloudFail("The url %s is a tracked topic of this hub: it is never fetched.", topic), http.StatusOK
	}
	wt := h.waiters.add(topic)
	defer h.waiters.remove(topic, wt)
	claimer, canClaim := h.store.(store.FetchClaimer)
	var queued bool
	var err error
	if canClaim {
		now := h.now()
		var job store.FetchJob
		var claimed bool
		job, queued, claimed, err = claimer.RequestClaimedFetch(ctx, topic, now, now.Add(h.cfg.ClaimTimeout))
		if claimed { // fetched here: the answer does not depend on which worker (or hub instance) is free
			h.fetch(context.WithoutCancel(ctx), job)
		}
	}
	if err == nil && !queued {
		queued, err = h.requestFetch(ctx, topic, h.now())
	}
	if err != nil {
		h.log.Error("hub: queueing fetch", "topic", topic, "err", err)
		return cloudFail("The ping could not be queued: try again later."), http.StatusServiceUnavailable
	}
	if !queued { // nobody to tell: only check the feed for the publisher
		if err := h.readFeed(ctx, topic); err != nil {
			return cloudFail("The ping was cancelled because there was an error reading the resource at URL %s: %v.", topic, err), http.StatusOK
		}
		return cloudReply{Success: true, Msg: cloudPinged}, http.StatusOK
	}
	limit := h.cfg.FetchTimeout + 5*time.Second
	if canClaim {
		limit = cloudPingWait
	}
	wake(h.fetchWake)
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if canClaim && h.fetchHere(ctx, claimer, topic) {
			canClaim = false // done here: its outcome is in wt.ch, unless it could not be recorded
		}
		select {
		case out := <-wt.ch:
			return cloudOutcome(topic, out)
		case <-deadline.C:
			return cloudReply{Success: true, Msg: cloudPinged + " The resource is queued and will be fetched shortly."}, http.StatusOK
		case <-ctx.Done():
			return cloudReply{Success: true, Msg: cloudPinged}, http.StatusOK
		case <-tick.C:
		}
	}
}

// cloudPingWait bounds how long a ping waits for a fetch it could not
// claim (another worker, maybe of another hub instance, runs it).
const cloudPingWait = 3 * time.Second

// fetchHere claims the due fetch job of topic and runs it in the request,
// so that the answer does not depend on which worker (or hub instance) is
// free; it reports whether it did.
func (h *Hub) fetchHere(ctx context.Context, c store.FetchClaimer, topic string) bool {
	now := h.now()
	job, claimed, err := c.ClaimFetch(ctx, topic, now, now.Add(h.cfg.ClaimTimeout))
	if err != nil {
		h.log.Error("hub: claiming the fetch of a ping", "topic", topic, "err", err)
	}
	if claimed {
		h.fetch(context.WithoutCancel(ctx), job)
	}
	return claimed
}

// cloudOutcome is the ping's answer once its fetch is done.
func cloudOutcome(topic string, out fetchOutcome) (cloudReply, int) {
	if out.err != "" {
		return cloudFail("The ping was cancelled because there was an error reading the resource at URL %s: %s.", topic, out.err), http.StatusOK
	}
	if out.notFeed != nil {
		return cloudFail("The resource at URL %s was fetched, but %v.", topic, out.notFeed), http.StatusOK
	}
	return cloudReply{Success: true, Msg: cloudPinged}, http.StatusOK
}

func (h *Hub) countCloud(procedure string, ok bool) {
	result := "failure"
	if ok {
		result = "success"
	}
	h.metrics.cloudRequests.WithLabelValues(procedure, result).Inc()
}

// reply is a message for an rssCloud client, sent as the msg of the
// protocol's reply: a sentence, capitalized and ending with a period, as
// the reference server's are (so not a Go error string).
type reply string

func (r reply) Error() string { return string(r) }

// replyf formats a reply.
func replyf(format string, args ...any) error { return reply(fmt.Sprintf(format, args...)) }
