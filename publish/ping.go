package publish

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/rookery-social/rookery/internal/websub"
)

// PingOptions configure Ping.
type PingOptions struct {
	Client *http.Client     // nil means NewClient()
	Log    io.Writer        // progress; nil means none
	Now    func() time.Time // when a Webmention is recorded as sent; nil means time.Now
}

func (o *PingOptions) defaults() {
	if o.Client == nil {
		o.Client = NewClient()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
}

// Ping tells every configured hub that the site's feeds changed, then sends
// the Webmentions of the main feed's posts that were not sent yet.
func Ping(ctx context.Context, dir string, o PingOptions) error {
	o.defaults()
	s, err := LoadSite(dir)
	if err != nil {
		return err
	}
	err = PingHubs(ctx, o.Client, s.Config, o.Log)
	return errors.Join(err, SendWebmentions(ctx, o.Client, dir, s.WebmentionEntries(), o.Log, o.Now))
}

// PingHubs sends hub.mode=publish with one hub.url per feed to every hub,
// and an rssCloud ping of feed.rss to every rssCloud hub (a hub that is
// both gets the rssCloud ping for feed.rss and a WebSub publish for the
// other feeds, so that feed.rss is fetched once). A hub that does not
// answer 2xx, or an rssCloud reply saying success="false", is an error
// showing what it said.
func PingHubs(ctx context.Context, client *http.Client, c *Config, log io.Writer) error {
	if len(c.Hubs) == 0 && len(c.RSSCloud) == 0 {
		fmt.Fprintln(log, "no hubs configured (add hubs = [\"https://hub.example/\"] to feedpub.toml); nothing to ping")
		return nil
	}
	var errs []error
	for _, hub := range c.RSSCloud {
		if err := PingRSSCloud(ctx, client, hub, c.RSSURL()); err != nil {
			errs = append(errs, fmt.Errorf("rssCloud hub %s refused the ping: %w", hub, err))
			continue
		}
		fmt.Fprintf(log, "pinged %sping (rssCloud)\n", hub)
	}
	for _, hub := range c.Hubs {
		feeds := c.FeedURLs()
		if slices.Contains(c.RSSCloud, strings.TrimSuffix(hub, "/")+"/") {
			feeds = slices.DeleteFunc(feeds, func(f string) bool { return f == c.RSSURL() })
		}
		form := url.Values{websub.ParamMode: {websub.ModePublish}, websub.ParamURL: feeds}
		if err := postForm(ctx, client, hub, form); err != nil {
			errs = append(errs, fmt.Errorf("hub %s refused the ping: %w", hub, err))
			continue
		}
		fmt.Fprintf(log, "pinged %s\n", hub)
	}
	return errors.Join(errs...)
}

// PingRSSCloud sends an rssCloud ping (url=FEED, form-encoded) to the
// rssCloud server at base + "ping" and reads its reply
// (<result success="…" msg="…"/>).
func PingRSSCloud(ctx context.Context, client *http.Client, base, feed string) error {
	body, err := postFormReply(ctx, client, strings.TrimSuffix(base, "/")+"/ping", url.Values{"url": {feed}}, 4096)
	if err != nil {
		return err
	}
	var reply struct {
		Success string `xml:"success,attr"`
		Msg     string `xml:"msg,attr"`
	}
	if err := xml.Unmarshal(body, &reply); err != nil {
		return fmt.Errorf("the reply is not an rssCloud <result/>: %s", printable(string(body)))
	}
	if reply.Success != "true" {
		return errors.New(printable(reply.Msg))
	}
	return nil
}

// postForm POSTs form to endpoint; a non-2xx answer is an error carrying
// the status and the start of the body.
func postForm(ctx context.Context, client *http.Client, endpoint string, form url.Values) error {
	_, err := postFormReply(ctx, client, endpoint, form, 512)
	return err
}

// postFormReply is postForm that returns the first max bytes of the body
// of a 2xx answer.
func postFormReply(ctx context.Context, client *http.Client, endpoint string, form url.Values, max int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", UserAgent)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, max))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, printable(string(body)))
	}
	return body, nil
}

// printable keeps a remote answer safe to print on a terminal.
func printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if s == "" {
		return "(empty body)"
	}
	return s
}
