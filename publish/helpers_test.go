package publish_test

import (
	"testing"
	"time"

	"github.com/rookery-social/rookery/publish"
)

// fakeNow is the tests' clock, fixed far from today, so that a code path
// that reads the wall clock instead shows at once.
func fakeNow() time.Time { return time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC) }

func loadSite(t *testing.T, dir string) *publish.Site {
	t.Helper()
	s, err := publish.LoadSite(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// docs renders the site's feed documents by path.
func docs(t *testing.T, s *publish.Site) map[string][]byte {
	t.Helper()
	ds, err := s.FeedDocuments()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, d := range ds {
		out[d.Path] = d.Data
	}
	return out
}
