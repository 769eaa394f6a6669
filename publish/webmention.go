package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rookery-social/rookery/internal/htmlx"
	"github.com/rookery-social/rookery/internal/websub"
)

// SentFile records the Webmentions already sent, relative to the site
// directory, so that ping and publish never send the same one twice.
const SentFile = ".feedpub/sent.json"

// Webmention is one notification: source links to target.
type Webmention struct {
	Source string // our post's permalink
	Target string // the replied-to permalink or the mentioned person's feed URL
	// Fallback is where else to look for the endpoint when Target
	// advertises none: the replied-to post's feed.
	Fallback string
}

// WebmentionsOf lists the Webmentions a post calls for (W3C Webmention
// §3.1.1): its parent, the post it reposts, quotes or likes, each person
// it mentions, and every other link of its text that leaves the site
// (BASE_URL is base), each target once. A deleted post calls for none of
// its own; SendWebmentions sends again to where it was sent before.
func WebmentionsOf(e *Entry, base string) []Webmention {
	e.Full()
	if e.IsDeleted() {
		return nil
	}
	var out []Webmention
	seen := map[string]bool{}
	add := func(target, fallback string) {
		if target != "" && !seen[target] && (base == "" || !strings.HasPrefix(target, base)) {
			seen[target] = true
			out = append(out, Webmention{Source: e.Permalink, Target: target, Fallback: fallback})
		}
	}
	if r := e.ReplyTo; r != nil {
		add(r.Href, r.Source)
	}
	for _, c := range e.cites() {
		add(c.cite.Href, c.cite.Source)
	}
	for _, m := range e.Mentions {
		add(m.URL, "")
	}
	for _, l := range htmlLinks(e.HTML) {
		add(l, "")
	}
	return out
}

// htmlLinks lists the absolute http(s) URLs a fragment links to.
func htmlLinks(fragment string) []string {
	var out []string
	for u := range htmlx.Refs([]byte(fragment), nil) {
		if s := u.String(); isHTTPURL(s) {
			out = append(out, s)
		}
	}
	return out
}

// WebmentionEntries are the entries whose Webmentions ping and publish
// send: the main feed's (deleted ones included) and the likes of
// likes.atom.
func (s *Site) WebmentionEntries() []*Entry {
	main, _ := s.Pages()
	likes := s.Likes
	if len(likes) > s.Config.FeedSize {
		likes = likes[:s.Config.FeedSize]
	}
	out := append(main.Entries[:len(main.Entries):len(main.Entries)], likes...)
	SortEntries(out)
	return out
}

// SendWebmentions sends the Webmentions of entries not yet sent for their
// current version and records each success in DIR/.feedpub/sent.json with
// when it was sent. An edited post is
// sent again to its old and new targets (W3C Webmention §3.1.4), a deleted
// one to every target it was sent to (§3.1.5): the receivers fetch the
// source again and update or remove what they stored. A target without
// an endpoint, or that cannot be fetched, is skipped with a note; a
// refused Webmention is an error. Both are tried again next time.
// now stamps each success (the entry's updated when that is later).
func SendWebmentions(ctx context.Context, client *http.Client, dir string, entries []*Entry, log io.Writer, now func() time.Time) error {
	cfg, err := LoadConfig(dir)
	if err != nil {
		return err
	}
	sent, err := loadSent(dir)
	if err != nil {
		return err
	}
	before := sentTargets(sent)
	var errs []error
	for i := len(entries) - 1; i >= 0; i-- { // oldest first
		e := entries[i].Full()
		for _, wm := range withOldTargets(WebmentionsOf(e, cfg.URL), e.Permalink, before) {
			key := wm.Source + " " + wm.Target
			if !sentBefore(sent[key], e.Updated) {
				continue
			}
			ok, err := sendOne(ctx, client, wm, log)
			if err != nil {
				errs = append(errs, err)
			}
			if !ok {
				continue
			}
			sent[key] = latest(now(), e.Updated).UTC().Format(time.RFC3339Nano)
			if err := saveSent(dir, sent); err != nil {
				return err
			}
		}
	}
	return errors.Join(errs...)
}

// sendOne sends wm and logs what came of it; it reports whether it was
// sent. A target without an endpoint, or that cannot be fetched, is
// skipped with a note, not an error.
func sendOne(ctx context.Context, client *http.Client, wm Webmention, log io.Writer) (bool, error) {
	ok, err := SendWebmention(ctx, client, wm)
	switch {
	case errors.Is(err, ErrDiscovery):
		fmt.Fprintf(log, "cannot look for a Webmention endpoint at %s; skipped: %v\n", wm.Target, err)
		return false, nil
	case err != nil:
		return false, err
	case !ok:
		fmt.Fprintf(log, "no Webmention endpoint at %s; skipped\n", wm.Target)
		return false, nil
	}
	fmt.Fprintf(log, "sent Webmention %s -> %s\n", wm.Source, wm.Target)
	return true, nil
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// sentBefore reports whether a Webmention recorded as rec must be sent
// again for the version updated: never sent, or sent before the post's
// last edit or deletion. rec is when it was sent (never before the
// version then current).
func sentBefore(rec string, updated time.Time) bool {
	if rec == "" {
		return true
	}
	t, err := time.Parse(time.RFC3339Nano, rec)
	return err != nil || t.Before(updated)
}

// sentTargets maps each source to the targets Webmentions were sent to.
func sentTargets(sent map[string]string) map[string][]string {
	out := map[string][]string{}
	for _, key := range sortedKeys(sent) {
		if source, target, ok := strings.Cut(key, " "); ok {
			out[source] = append(out[source], target)
		}
	}
	return out
}

// withOldTargets adds to wms the targets source was sent to before and no
// longer links to.
func withOldTargets(wms []Webmention, source string, before map[string][]string) []Webmention {
	have := map[string]bool{}
	for _, wm := range wms {
		have[wm.Target] = true
	}
	for _, t := range before[source] {
		if !have[t] {
			wms = append(wms, Webmention{Source: source, Target: t})
		}
	}
	return wms
}

// ErrDiscovery marks a Webmention target that could not be fetched to look
// for its endpoint.
var ErrDiscovery = errors.New("Webmention endpoint discovery failed")

// SendWebmention discovers target's endpoint and notifies it. It reports
// false, nil when the target advertises no endpoint.
func SendWebmention(ctx context.Context, client *http.Client, wm Webmention) (bool, error) {
	endpoint, err := DiscoverWebmention(ctx, client, wm.Target)
	if endpoint == "" && wm.Fallback != "" && wm.Fallback != wm.Target {
		if fb, ferr := DiscoverWebmention(ctx, client, wm.Fallback); ferr == nil && fb != "" {
			endpoint, err = fb, nil
		}
	}
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrDiscovery, err)
	}
	if endpoint == "" {
		return false, nil
	}
	form := url.Values{"source": {wm.Source}, "target": {wm.Target}}
	if err := postForm(ctx, client, endpoint, form); err != nil {
		return false, fmt.Errorf("Webmention endpoint %s refused %s -> %s: %w", endpoint, wm.Source, wm.Target, err)
	}
	return true, nil
}

// DiscoverWebmention finds target's Webmention endpoint as the W3C
// Recommendation says: the first HTTP Link header with rel=webmention, else
// the first <link> or <a> element with rel=webmention in document order; a
// relative URL is resolved against the target's final URL (after
// redirects). When target is an Atom or RSS feed (a mentioned person's
// identity), its feed-level atom:link rel=webmention counts too. It returns
// "" when there is none.
func DiscoverWebmention(ctx context.Context, client *http.Client, target string) (string, error) {
	r, err := get(ctx, client, target, "text/html, */*;q=0.5")
	if err != nil {
		return "", err
	}
	if r.Status < 200 || r.Status > 299 {
		return "", fmt.Errorf("Webmention target %s: HTTP %d", target, r.Status)
	}
	base, _ := url.Parse(r.URL)
	if links := websub.LinksWithRel(websub.ParseLinks(r.Header), "webmention"); len(links) > 0 {
		return resolveRef(base, links[0]), nil
	}
	if !isHTML(r) {
		return resolveIfSet(base, feedWebmention(r.Body)), nil
	}
	for _, l := range htmlx.Rels(r.Body, base) {
		if l.Rel == "webmention" && (l.Element == "link" || l.Element == "a") {
			return l.URL, nil // href="" is the target itself
		}
	}
	return "", nil
}

// feedWebmention returns the href of the first feed-level link
// rel=webmention of an Atom feed or RSS channel (atom:link), not one inside
// an entry or item.
func feedWebmention(body []byte) string {
	if links := websub.LinksWithRel(websub.FeedLinks(body), "webmention"); len(links) > 0 {
		return links[0]
	}
	return ""
}

func resolveIfSet(base *url.URL, ref string) string {
	if ref == "" {
		return ""
	}
	return resolveRef(base, ref)
}

func loadSent(dir string) (map[string]string, error) {
	data, err := os.ReadFile(filepath.Join(dir, SentFile))
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the sent Webmentions: %w", err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("reading the sent Webmentions: %s is corrupt (%v); delete it to resend every Webmention", filepath.Join(dir, SentFile), err)
	}
	return m, nil
}

func saveSent(dir string, m map[string]string) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("saving the sent Webmentions: %w", err)
	}
	path := filepath.Join(dir, SentFile)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("saving the sent Webmentions: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("saving the sent Webmentions: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("saving the sent Webmentions: %w", err)
	}
	return nil
}
