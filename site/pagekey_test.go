package site

import (
	"testing"
	"time"

	"github.com/rookery-social/rookery/publish"
)

// An archive page's key changes with what shows on it — its entries, its
// date, whether a newer archive follows — and not with which archive is
// the newest, so that opening a new archive re-renders only the previous
// one, not all of them.
func TestPageKey(t *testing.T) {
	e := &publish.Entry{Post: &publish.Post{Path: "posts/a.md"}, Hash: "h1"}
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	page := func(number, last int, updated time.Time, es ...*publish.Entry) publish.Page {
		return publish.Page{Number: number, Last: last, Updated: updated, Entries: es}
	}
	base := pageKey(page(3, 5, at, e))
	if pageKey(page(3, 6, at, e)) != base {
		t.Error("a full archive's key changed when a newer archive opened")
	}
	edited := &publish.Entry{Post: e.Post, Hash: "h2"}
	for name, p := range map[string]publish.Page{
		"entry edited":    page(3, 5, at, edited),
		"entry added":     page(3, 5, at, e, edited),
		"date":            page(3, 5, at.Add(time.Second), e),
		"number":          page(2, 5, at, e),
		"newest":          page(3, 3, at, e),
		"no entries":      page(3, 5, at),
		"newest, follows": page(5, 5, at, e),
	} {
		if pageKey(p) == base {
			t.Errorf("%s: the key did not change", name)
		}
	}
	if pageKey(page(5, 5, at, e)) == pageKey(page(5, 6, at, e)) {
		t.Error("the key of the newest archive did not change when a newer one opened (it gains a next-archive link)")
	}
}
