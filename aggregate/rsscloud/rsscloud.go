// Package rsscloud is the reader daemon's rssCloud subscriber: a followed
// feed that advertises an RSS 2.0 <cloud> and no WebSub hub is registered
// with its cloud (pleaseNotify, with the daemon's own domain), registered
// again every 24 hours (the cloud keeps a registration 25), and fetched
// with a conditional GET whenever the cloud notifies it. Feeds with a
// WebSub hub are left to package subscriber.
//
// The notify endpoint is {BaseURL}/rsscloud/notify: a GET with url and
// challenge is the cloud checking the registration (answered only for a
// feed registered or being registered), a POST of url=FEED a notification.
package rsscloud

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/rookery-social/rookery/aggregate/store"
	"github.com/rookery-social/rookery/internal/safehttp"
	"github.com/rookery-social/rookery/internal/sqlitedb"
	"github.com/rookery-social/rookery/internal/websub"
)

// Timing rules.
const (
	RenewEvery      = 24 * time.Hour // register again this often
	Lease           = 25 * time.Hour // how long a cloud keeps a registration
	rediscoverEvery = 24 * time.Hour // look again at a feed that had no cloud
	challengeWait   = 2 * time.Minute
	maxBackoff      = 6 * time.Hour
	maxFetchBytes   = 8 << 20
	// NotifyPath is where clouds reach the daemon, under its base URL.
	NotifyPath = "/rsscloud/notify"
)

// Registration states.
const (
	StateNone    = ""        // the feed offers no usable cloud (or has a hub)
	StatePending = "pending" // pleaseNotify not answered yet, or to be sent
	StateActive  = "active"
	StateFailed  = "failed" // the cloud refused; retried with backoff
)

// Store is what the subscriber needs of the reader's core.
type Store interface {
	// SubscribableFeeds lists the followed feeds.
	SubscribableFeeds(ctx context.Context) ([]store.Feed, error)
	// SetMode records whether feedURL arrives by push or is polled.
	SetMode(ctx context.Context, feedURL, mode string) error
}

// Config configures a Subscriber.
type Config struct {
	// BaseURL is the daemon's public base URL; the cloud notifies
	// BaseURL + NotifyPath.
	BaseURL string
	// Client makes cloud requests and discovery fetches (a safehttp client).
	Client *http.Client
	// Fetch does a conditional GET of a followed feed and stores it.
	Fetch func(ctx context.Context, feedURL string) error
	// Logger receives one line per event; default discards.
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Subscriber registers followed feeds with their clouds.
type Subscriber struct {
	db    *sql.DB
	store Store
	cfg   Config
	log   *slog.Logger

	mu     sync.Mutex
	queued map[string]bool // notified feeds waiting for their fetch
	wake   chan struct{}
}

// Registration is one feed's rssCloud state, as List reports it.
type Registration struct {
	FeedURL      string    `json:"feed_url"`
	Cloud        string    `json:"cloud"` // the pleaseNotify URL, "" when none
	State        string    `json:"state"`
	Registered   time.Time `json:"registered,omitzero"`
	Expires      time.Time `json:"expires,omitzero"`
	NextAction   time.Time `json:"next_action,omitzero"`
	LastNotify   time.Time `json:"last_notify,omitzero"`
	LastError    string    `json:"last_error,omitempty"`
	checked      time.Time
	attempts     int
	pendingUntil time.Time
}

var migrations = []string{`
CREATE TABLE rsscloud_feeds (
	feed_url TEXT PRIMARY KEY,
	cloud TEXT NOT NULL DEFAULT '',          -- pleaseNotify URL from <cloud>, '' when none
	checked_at INTEGER NOT NULL DEFAULT 0,   -- when the feed was last read for its <cloud>
	state TEXT NOT NULL DEFAULT '',
	registered_at INTEGER NOT NULL DEFAULT 0,
	expires_at INTEGER NOT NULL DEFAULT 0,
	next_at INTEGER NOT NULL DEFAULT 0,
	attempts INTEGER NOT NULL DEFAULT 0,
	pending_until INTEGER NOT NULL DEFAULT 0, -- challenges are answered until then
	last_notify_at INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT ''
);`}

// New migrates the subscriber's table in db and returns a Subscriber.
func New(db *sql.DB, st Store, cfg Config) (*Subscriber, error) {
	if _, err := safehttp.ParseURL(cfg.BaseURL); err != nil {
		return nil, fmt.Errorf("rsscloud: base URL %q: %w", cfg.BaseURL, err)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Client == nil || cfg.Fetch == nil {
		return nil, errors.New("rsscloud: a client and a fetch function are needed")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := sqlitedb.Migrate(context.Background(), db, "rsscloud", migrations); err != nil {
		return nil, fmt.Errorf("rsscloud: %w", err)
	}
	return &Subscriber{db: db, store: st, cfg: cfg, log: cfg.Logger.With("component", "rsscloud"),
		queued: map[string]bool{}, wake: make(chan struct{}, 1)}, nil
}

func (s *Subscriber) now() time.Time { return s.cfg.Now() }

// Sync registers every followed feed that offers a cloud and no hub and
// whose registration is due, forgets feeds no longer followed or that
// now have a hub, and puts lapsed registrations back to polling.
func (s *Subscriber) Sync(ctx context.Context) error {
	feeds, err := s.store.SubscribableFeeds(ctx)
	if err != nil {
		return fmt.Errorf("rsscloud: list followed feeds: %w", err)
	}
	regs, err := s.List(ctx)
	if err != nil {
		return err
	}
	known := map[string]Registration{}
	for _, r := range regs {
		known[r.FeedURL] = r
	}
	followed := map[string]bool{}
	var errs []error
	for _, f := range feeds {
		followed[f.URL] = true
		if len(f.Hubs) > 0 { // WebSub wins
			if _, ok := known[f.URL]; ok {
				errs = append(errs, s.forget(ctx, f.URL))
			}
			continue
		}
		errs = append(errs, s.syncFeed(ctx, f, known[f.URL]))
	}
	for _, r := range regs {
		if !followed[r.FeedURL] {
			errs = append(errs, s.forget(ctx, r.FeedURL))
		}
	}
	return errors.Join(errs...)
}

func (s *Subscriber) syncFeed(ctx context.Context, f store.Feed, r Registration) error {
	now := s.now()
	if r.FeedURL == "" || (r.Cloud == "" && now.Sub(r.checked) >= rediscoverEvery) {
		cloud, err := s.discover(ctx, f.URL)
		if err != nil {
			s.log.Info("cloud discovery failed", "feed", f.URL, "err", err)
		}
		r = Registration{FeedURL: f.URL, Cloud: cloud, checked: now, State: r.State}
		if cloud != "" && r.State == StateNone {
			r.State = StatePending
		}
		if err := s.save(ctx, r); err != nil {
			return err
		}
	}
	if r.Cloud == "" || r.NextAction.After(now) {
		return nil
	}
	if r.State == StateActive && !r.Expires.After(now) {
		s.log.Info("rssCloud registration lapsed, polling again", "feed", f.URL)
		if err := s.store.SetMode(ctx, f.URL, store.ModePoll); err != nil {
			return fmt.Errorf("rsscloud: %w", err)
		}
		r.State = StatePending
	}
	return s.register(ctx, r)
}

// register sends pleaseNotify for r and records the outcome.
func (s *Subscriber) register(ctx context.Context, r Registration) error {
	now := s.now()
	r.pendingUntil = now.Add(challengeWait)
	if err := s.save(ctx, r); err != nil { // the cloud checks before it answers
		return err
	}
	err := s.pleaseNotify(ctx, r.Cloud, r.FeedURL)
	now = s.now()
	r.pendingUntil = time.Time{}
	if err != nil {
		s.log.Warn("rssCloud registration failed", "feed", r.FeedURL, "cloud", r.Cloud, "err", err)
		r.attempts++
		r.LastError = err.Error()
		r.NextAction = now.Add(min(time.Minute<<min(r.attempts, 12), maxBackoff))
		if r.State != StateActive || !r.Expires.After(r.NextAction) {
			r.State = StateFailed
		}
		return errors.Join(err, s.save(ctx, r))
	}
	s.log.Info("rssCloud registration", "feed", r.FeedURL, "cloud", r.Cloud)
	r.State, r.attempts, r.LastError = StateActive, 0, ""
	r.Registered, r.Expires, r.NextAction = now, now.Add(Lease), now.Add(RenewEvery)
	if err := s.save(ctx, r); err != nil {
		return err
	}
	return s.store.SetMode(ctx, r.FeedURL, store.ModePush)
}

// pleaseNotify registers the daemon's notify endpoint for feedURL with the
// cloud, giving its domain (the cloud checks it with a challenge GET).
func (s *Subscriber) pleaseNotify(ctx context.Context, cloud, feedURL string) error {
	base, _ := url.Parse(s.cfg.BaseURL)
	port, protocol := base.Port(), "http-post"
	if base.Scheme == "https" {
		protocol = "https-post"
	}
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[base.Scheme]
	}
	form := url.Values{"domain": {base.Hostname()}, "port": {port}, "path": {base.EscapedPath() + NotifyPath},
		"registerProcedure": {""}, "protocol": {protocol}, "url1": {feedURL}}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cloud, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("rsscloud: pleaseNotify %s: %w", cloud, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := *s.cfg.Client
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("rsscloud: pleaseNotify %s: %w", cloud, err)
	}
	defer resp.Body.Close()
	body, _ := safehttp.ReadAll(resp.Body, 16<<10)
	var reply struct {
		Success string `xml:"success,attr"`
		Msg     string `xml:"msg,attr"`
	}
	if xml.Unmarshal(body, &reply) != nil {
		return fmt.Errorf("rsscloud: pleaseNotify %s answered %s without a <notifyResult/>", cloud, resp.Status)
	}
	if reply.Success != "true" {
		return fmt.Errorf("rsscloud: %s refused the registration: %s", cloud, reply.Msg)
	}
	return nil
}

// discover reads feedURL and returns its cloud's pleaseNotify URL, or ""
// when it has none usable or has a WebSub hub.
func (s *Subscriber) discover(ctx context.Context, feedURL string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	resp, body, err := safehttp.Get(ctx, s.cfg.Client, feedURL, http.Header{"Accept": {"application/rss+xml, application/xml;q=0.9"}}, maxFetchBytes)
	if err != nil {
		return "", fmt.Errorf("rsscloud: discover %s: %w", feedURL, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("rsscloud: discover %s: status %s", feedURL, resp.Status)
	}
	if len(websub.Discover(resp.Header, body, resp.Request.URL.String()).Hubs) > 0 {
		return "", nil
	}
	return CloudURL(body), nil
}

// CloudURL reads an RSS document's <cloud> and returns its pleaseNotify
// URL, or "" when there is none or it does not speak http-post. The
// scheme is https when the port is 443.
func CloudURL(doc []byte) string {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = false
	var path []string
	for range 10000 {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		switch t := tok.(type) {
		case xml.StartElement:
			path = append(path, t.Name.Local)
			if len(path) == 1 && t.Name.Local != "rss" {
				return ""
			}
			if len(path) == 3 && path[1] == "channel" && t.Name.Local == "cloud" {
				return cloudURL(t.Attr)
			}
			if len(path) == 3 && t.Name.Local == "item" {
				return "" // <cloud> comes before the items
			}
		case xml.EndElement:
			path = path[:len(path)-1]
		}
	}
	return ""
}

func cloudURL(attrs []xml.Attr) string {
	a := map[string]string{}
	for _, x := range attrs {
		a[x.Name.Local] = strings.TrimSpace(x.Value)
	}
	if p := a["protocol"]; p != "http-post" && p != "https-post" {
		return ""
	}
	if a["domain"] == "" || a["port"] == "" {
		return ""
	}
	scheme := "http"
	if a["port"] == "443" || a["protocol"] == "https-post" {
		scheme = "https"
	}
	path := a["path"]
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	u := scheme + "://" + a["domain"] + ":" + a["port"] + path
	if _, err := safehttp.ParseURL(u); err != nil {
		return ""
	}
	return u
}
