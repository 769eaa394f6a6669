package hub

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/rookery-social/rookery/internal/safehttp"
	"github.com/rookery-social/rookery/internal/websub"
)

// maxURLBytes bounds topic and callback URLs.
const maxURLBytes = 2048

// maxPublishTopics bounds the topics of one publish request.
const maxPublishTopics = 20

// request is a parsed POST to the hub. Unknown parameters are ignored.
type request struct {
	Mode         string
	Topic        string
	Callback     string
	LeaseSeconds int64 // 0: none requested
	Secret       []byte
	Topics       []string // publish: hub.url and hub.topic values
}

// errBadRequest marks a request the hub cannot handle (answered 400).
var errBadRequest = errors.New("hub: bad request")

func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errBadRequest}, args...)...)
}

// parseRequest reads the form of a POST to the hub.
func parseRequest(form url.Values) (request, error) {
	r := request{Mode: form.Get(websub.ParamMode)}
	switch r.Mode {
	case websub.ModeSubscribe, websub.ModeUnsubscribe:
		return parseSubscription(r, form)
	case websub.ModePublish:
		return parsePublish(r, form)
	case "":
		return r, badRequest("missing hub.mode: use subscribe, unsubscribe or publish")
	default:
		return r, badRequest("unknown hub.mode %q: use subscribe, unsubscribe or publish", trim(r.Mode))
	}
}

func parseSubscription(r request, form url.Values) (request, error) {
	var err error
	if r.Callback, err = checkURL(websub.ParamCallback, form.Get(websub.ParamCallback)); err != nil {
		return r, err
	}
	if r.Topic, err = checkURL(websub.ParamTopic, form.Get(websub.ParamTopic)); err != nil {
		return r, err
	}
	if v := form.Get(websub.ParamLeaseSeconds); v != "" {
		n, perr := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if errors.Is(perr, strconv.ErrRange) && n > 0 {
			perr = nil // more than anyone grants: clamped to the maximum
		}
		if perr != nil || n < 0 {
			return r, badRequest("hub.lease_seconds %q is not a non-negative whole number of seconds", trim(v))
		}
		r.LeaseSeconds = n
	}
	if s := form.Get(websub.ParamSecret); s != "" {
		if len(s) > websub.MaxSecretBytes {
			return r, badRequest("hub.secret is %d bytes: it must be less than 200 bytes", len(s))
		}
		r.Secret = []byte(s)
	}
	return r, nil
}

func parsePublish(r request, form url.Values) (request, error) {
	for _, v := range append(form[websub.ParamURL], form[websub.ParamTopic]...) {
		u, err := checkURL("hub.url", v)
		if err != nil {
			return r, err
		}
		if !slices.Contains(r.Topics, u) {
			r.Topics = append(r.Topics, u)
		}
	}
	if len(r.Topics) == 0 {
		return r, badRequest("publish needs hub.url (or hub.topic): the URL of the topic that changed")
	}
	if len(r.Topics) > maxPublishTopics {
		return r, badRequest("publish names %d topics: at most %d per request", len(r.Topics), maxPublishTopics)
	}
	return r, nil
}

// checkURL validates a topic or callback URL and returns it unchanged
// (WebSub compares topic URLs as strings).
func checkURL(param, raw string) (string, error) {
	if raw == "" {
		return "", badRequest("missing %s", param)
	}
	if len(raw) > maxURLBytes {
		return "", badRequest("%s is %d bytes long: at most %d", param, len(raw), maxURLBytes)
	}
	var ue *url.Error
	if _, err := url.Parse(raw); errors.As(err, &ue) {
		return "", badRequest("%s %q is not a valid URL: %v", param, trim(raw), ue.Err)
	}
	u, err := safehttp.ParseURL(raw)
	if err != nil {
		return "", badRequest("%s %q must be an absolute http or https URL", param, trim(raw))
	}
	if u.Fragment != "" || u.User != nil {
		return "", badRequest("%s %q must not carry a #fragment or user:password@", param, trim(raw))
	}
	return raw, nil
}

// trim shortens a value quoted in an error message.
func trim(s string) string {
	const n = 100
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
