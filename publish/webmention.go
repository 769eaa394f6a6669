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

// WebmentionsOf lists the Webmentions a post calls for: its parent, then
// each person it mentions.
func WebmentionsOf(e *Entry) []Webmention {
	e.Full()
	var out []Webmention
	if r := e.ReplyTo; r != nil && r.Href != "" {
		out = append(out, Webmention{Source: e.Permalink, Target: r.Href, Fallback: r.Source})
	}
	for _, m := range e.Mentions {
		out = append(out, Webmention{Source: e.Permalink, Target: m.URL})
	}
	return out
}

// SendWebmentions sends the not-yet-sent Webmentions of entries and records
// each success in DIR/.feedpub/sent.json. A target without an endpoint, or
// that cannot be fetched, is skipped with a note; a refused Webmention is an
// error. Both are tried again next time. now stamps each success.
func SendWebmentions(ctx context.Context, client *http.Client, dir string, entries []*Entry, log io.Writer, now func() time.Time) error {
	sent, err := loadSent(dir)
	if err != nil {
		return err
	}
	var errs []error
	for i := len(entries) - 1; i >= 0; i-- { // oldest first
		for _, wm := range WebmentionsOf(entries[i]) {
			key := wm.Source + " " + wm.Target
			if _, done := sent[key]; done {
				continue
			}
			ok, err := SendWebmention(ctx, client, wm)
			switch {
			case errors.Is(err, ErrDiscovery):
				fmt.Fprintf(log, "cannot look for a Webmention endpoint at %s; skipped: %v\n", wm.Target, err)
			case err != nil:
				errs = append(errs, err)
			case !ok:
				fmt.Fprintf(log, "no Webmention endpoint at %s; skipped\n", wm.Target)
			default:
				fmt.Fprintf(log, "sent Webmention %s -> %s\n", wm.Source, wm.Target)
				sent[key] = now().UTC().Format(time.RFC3339)
				if err := saveSent(dir, sent); err != nil {
					return err
				}
			}
		}
	}
	return errors.Join(errs...)
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
