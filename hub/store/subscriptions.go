package store

import (
	"strings"
	"time"
)

// CallbackHost is the host[:port] of a callback URL, the unit of the per-host
// limits. Callbacks are validated absolute URLs without user info, so the
// host is what lies between "://" and the path; it is on the delivery hot
// path, hence no url.Parse.
func CallbackHost(callback string) string {
	_, rest, ok := strings.Cut(callback, "://")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return strings.ToLower(rest)
}

// subscriptionTerms are the expiry (ms) and protocol of the subscription
// that the verified v makes at now.
func subscriptionTerms(v Verification, now time.Time) (expires int64, protocol string) {
	protocol = ProtocolWebSub
	if v.Mode == ModePleaseNotify {
		protocol = ProtocolRSSCloud
	}
	return ms(now.Add(time.Duration(v.LeaseSeconds) * time.Second)), protocol
}

// ids are the ids of xs.
func ids[T any](xs []T, id func(T) int64) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}
