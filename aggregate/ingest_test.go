package aggregate_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rookery-social/rookery/aggregate"
)

// TestPushedEntriesBelongToTheSubscribedFeed: a document delivered on
// feed A's own subscription is A's, even when its entries' atom:source
// names another followed feed B: nothing is filed under B.
func TestPushedEntriesBelongToTheSubscribedFeed(t *testing.T) {
	ctx := context.Background()
	r, _ := openReader(t, aggregate.Options{})
	s := newServer(t)
	a, b := s.URL+"/a.atom", s.URL+"/b.atom"
	for _, u := range []string{a, b} {
		s.serve(strings.TrimPrefix(u, s.URL), "application/atom+xml", `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>x</title><id>`+u+`</id><updated>2031-01-01T00:00:00Z</updated><link rel="self" href="`+u+`"/></feed>`)
		if _, err := r.Follow(ctx, u, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	doc := `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>` + a + `</id>
<updated>2031-01-01T00:00:00Z</updated><link rel="self" href="` + a + `"/>
<entry><id>tag:b,2031:1</id><title>claims b</title><updated>2031-01-01T00:00:00Z</updated><content>said by B?</content>
<source><id>` + b + `</id><title>B</title><link rel="self" href="` + b + `"/></source></entry></feed>`
	if _, err := r.Ingest(ctx, a, "application/atom+xml", []byte(doc)); err != nil {
		t.Fatal(err)
	}
	for feed, want := range map[string]int{a: 1, b: 0} {
		ps, err := r.Timeline(ctx, aggregate.TimelineOptions{From: feed})
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != want {
			t.Errorf("%s has %d posts, want %d", feed, len(ps), want)
		}
	}
}
