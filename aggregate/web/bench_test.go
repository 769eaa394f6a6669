package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rookery-social/rookery/aggregate/web"
	"github.com/rookery-social/rookery/aggregate/web/webtest"
)

// BenchmarkTimelinePage renders the timeline page (the newest 50 posts)
// at the server; bench/'s reader group times it on 1,000,000 posts.
func BenchmarkTimelinePage(b *testing.B) {
	f := newFixture(b, web.Config{}, webtest.Posts(200)...)
	view, err := web.New(web.Config{Reader: f.r, ImageClient: http.DefaultClient})
	if err != nil {
		b.Fatal(err)
	}
	h := view.Handler()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}
