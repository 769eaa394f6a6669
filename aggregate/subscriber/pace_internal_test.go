package subscriber

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, c := range map[string]struct {
		header http.Header
		want   time.Duration
		ok     bool
	}{
		"seconds":         {http.Header{"Retry-After": {"120"}}, 2 * time.Minute, true},
		"zero":            {http.Header{"Retry-After": {"0"}}, 0, true},
		"date":            {http.Header{"Retry-After": {"Wed, 01 Jan 2031 00:00:30 GMT"}}, 30 * time.Second, true},
		"date by the hub": {http.Header{"Retry-After": {"Wed, 01 Jan 2031 10:00:30 GMT"}, "Date": {"Wed, 01 Jan 2031 10:00:00 GMT"}}, 30 * time.Second, true},
		"past date":       {http.Header{"Retry-After": {"Tue, 31 Dec 2030 00:00:00 GMT"}}, 0, true},
		"a year":          {http.Header{"Retry-After": {"31536000"}}, maxWait, true},
		"overflow":        {http.Header{"Retry-After": {"99999999999999999999"}}, 0, false},
		"negative":        {http.Header{"Retry-After": {"-5"}}, 0, false},
		"words":           {http.Header{"Retry-After": {"soon"}}, 0, false},
		"none":            {http.Header{}, 0, false},
	} {
		got, ok := retryAfter(c.header, now)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: retryAfter = %v, %v; want %v, %v", name, got, ok, c.want, c.ok)
		}
	}
}
