package hub

import (
	"errors"
	"net/url"
	"testing"

	"github.com/rookery-social/rookery/internal/safehttp"
	"github.com/rookery-social/rookery/internal/websub"
)

// FuzzParseRequest feeds arbitrary form bodies to the request parser: it
// must never panic, and whatever it accepts must be safe to act on.
func FuzzParseRequest(f *testing.F) {
	for _, seed := range []string{
		"hub.mode=subscribe&hub.topic=https://a.example/feed&hub.callback=https://b.example/cb?x=1&hub.lease_seconds=86400&hub.secret=abc",
		"hub.mode=unsubscribe&hub.topic=http://a/&hub.callback=http://b/",
		"hub.mode=publish&hub.url=https://a.example/feed&hub.url=https://a.example/feed2&hub.topic=http://c/",
		"hub.mode=subscribe&hub.topic=ftp://a/&hub.callback=http://b/",
		"hub.mode=subscribe&hub.topic=http://a/&hub.callback=http://b/&hub.lease_seconds=99999999999999999999",
		"hub.mode=subscribe&hub.topic=http://%zz/&hub.callback=http://b/",
		"hub.mode=publish",
		"hub.mode=%00&hub.topic=\xff",
		"",
	} {
		f.Add(seed)
	}
	cfg, _ := DefaultConfig().withDefaults()
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		req, err := parseRequest(form)
		if err != nil {
			if !errors.Is(err, errBadRequest) {
				t.Fatalf("error %v is not a bad-request error", err)
			}
			return
		}
		switch req.Mode {
		case websub.ModeSubscribe, websub.ModeUnsubscribe:
			mustBeHTTP(t, req.Topic)
			mustBeHTTP(t, req.Callback)
			if len(req.Secret) >= 200 {
				t.Fatalf("accepted a %d-byte secret", len(req.Secret))
			}
			lease := cfg.clampLease(req.LeaseSeconds)
			if lease < int64(cfg.LeaseMin.Seconds()) || lease > int64(cfg.LeaseMax.Seconds()) {
				t.Fatalf("lease %d outside the bounds", lease)
			}
		case websub.ModePublish:
			if len(req.Topics) == 0 || len(req.Topics) > maxPublishTopics {
				t.Fatalf("publish with %d topics", len(req.Topics))
			}
			for _, u := range req.Topics {
				mustBeHTTP(t, u)
			}
		default:
			t.Fatalf("accepted mode %q", req.Mode)
		}
	})
}

func mustBeHTTP(t *testing.T, raw string) {
	t.Helper()
	if _, err := safehttp.ParseURL(raw); err != nil {
		t.Fatalf("accepted URL %q: %v", raw, err)
	}
}
