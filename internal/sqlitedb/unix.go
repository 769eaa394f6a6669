package sqlitedb

import "time"

// Instants are stored as INTEGER Unix seconds, 0 meaning "never" (the zero
// time.Time). ToUnix and FromUnix convert both ways.

// ToUnix is t in Unix seconds, or 0 for the zero time.
func ToUnix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// FromUnix is the UTC time of s Unix seconds, or the zero time for 0.
func FromUnix(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}
