package publish_test

import (
	"testing"

	"github.com/rookery-social/rookery/publish"
)

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
