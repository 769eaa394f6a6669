package schedule

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	at := time.Date(2031, 1, 1, 10, 7, 30, 0, time.UTC)
	for spec, want := range map[string]time.Time{
		"15m":          at.Add(15 * time.Minute),
		"@every 1h":    at.Add(time.Hour),
		"@hourly":      time.Date(2031, 1, 1, 11, 0, 0, 0, time.UTC),
		"*/15 * * * *": time.Date(2031, 1, 1, 10, 15, 0, 0, time.UTC),
		"30 4 * * *":   time.Date(2031, 1, 1, 4+24, 30, 0, 0, time.UTC),
	} {
		s, err := Parse("poll schedule", spec)
		if err != nil {
			t.Errorf("%q: %v", spec, err)
			continue
		}
		if got := s.Next(at); !got.Equal(want) {
			t.Errorf("%q: next after %v is %v, want %v", spec, at, got, want)
		}
	}
}

func TestParseErrorsNameTheSetting(t *testing.T) {
	for spec, want := range map[string]string{
		"-5m":        "a duration must be positive",
		"0s":         "a duration must be positive",
		"every hour": "neither a duration",
		"* * *":      "neither a duration",
		"61 * * * *": "neither a duration",
	} {
		_, err := Parse("hub poll schedule", spec)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "hub poll schedule") {
			t.Errorf("%q: %v, want an error naming the setting and saying %q", spec, err, want)
		}
	}
}
