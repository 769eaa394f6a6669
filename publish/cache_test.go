package publish_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/testsite"
	"github.com/rookery-social/rookery/publish"
)

func TestEntryCache(t *testing.T) {
	dir := testsite.Write(t, richSite+testsite.Post("draft", "2026-02-05T00:00:00Z", "draft = true\n", "not yet"))
	var cache publish.EntryCache
	first, err := publish.LoadSiteCached(dir, &cache)
	if err != nil {
		t.Fatal(err)
	}
	if !cache.Changed() || len(cache.Files) != 3 || len(first.Entries) != 2 {
		t.Fatalf("first load: changed %v, %d files cached, %d entries", cache.Changed(), len(cache.Files), len(first.Entries))
	}
	// The binary form round-trips every field.
	data, err := cache.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	var back publish.EntryCache
	if err := back.UnmarshalString(string(data)); err != nil {
		t.Fatal(err)
	}
	if len(back.Files) != len(cache.Files) || back.Config != cache.Config {
		t.Fatalf("cache does not round-trip: %d files, want %d", len(back.Files), len(cache.Files))
	}
	for p, f := range cache.Files {
		if !sameCachedFile(back.Files[p], f) {
			t.Errorf("%s:\n got %+v %+v\nwant %+v %+v", p, back.Files[p], back.Files[p].Entry, f, f.Entry)
		}
	}
	if err := back.UnmarshalString(string(data[:len(data)/2])); err == nil {
		t.Error("a truncated cache was accepted")
	}
	for _, i := range []int{len(data) / 3, len(data) - 10} {
		bad := slices.Clone(data)
		bad[i] ^= 0x20
		if err := back.UnmarshalString(string(bad)); err == nil {
			t.Errorf("a cache with byte %d of %d changed was accepted", i, len(data))
		}
	}
	// Unchanged files come from the cache; an edited one is read again.
	second, err := publish.LoadSiteCached(dir, &cache)
	if err != nil || cache.Changed() || second.Entries[0] != first.Entries[0] {
		t.Fatalf("unchanged reload: err %v, changed %v, same entry %v", err, cache.Changed(), second.Entries[0] == first.Entries[0])
	}
	path := filepath.Join(dir, "posts", "2026-02-01-aaa.md")
	os.WriteFile(path, []byte("+++\nkey = \"aaa\"\npublished = 2026-02-01T10:00:00Z\n+++\nEdited text.\n"), 0o644)
	os.Chtimes(path, time.Now(), time.Now().Add(time.Second))
	third, err := publish.LoadSiteCached(dir, &cache)
	if err != nil || !cache.Changed() || third.Entries[1].HTML != "<p>Edited text.</p>\n" {
		t.Fatalf("edited reload: err %v, changed %v, html %q", err, cache.Changed(), third.Entries[1].HTML)
	}
	// A configuration change invalidates everything.
	testsite.Add(t, dir, testsite.Config("https://alice.example/", "[following]\nbob = \"https://bob.example/other.atom\"\n"))
	fourth, err := publish.LoadSiteCached(dir, &cache)
	if err != nil || fourth.Entries[0] == third.Entries[0] {
		t.Fatalf("a config change must re-render: %v", err)
	}
}

// sameCachedFile compares two cached files field by field, the entries'
// fields once decoded (Entry.Full).
func sameCachedFile(a, b publish.CachedFile) bool {
	if a.Size != b.Size || a.ModTime != b.ModTime || (a.Entry == nil) != (b.Entry == nil) {
		return false
	}
	if a.Entry == nil {
		return true
	}
	x, y := a.Entry.Full(), b.Entry.Full()
	return reflect.DeepEqual(*x.Post, *y.Post) && x.ID == y.ID && x.Permalink == y.Permalink &&
		x.Title == y.Title && x.HTML == y.HTML && x.Hash == y.Hash && reflect.DeepEqual(x.Mentions, y.Mentions)
}

// Entries taken from a decoded cache are decoded in full where they are
// used: each document and the Webmentions rendered from a fresh copy of
// the cache, before anything else touched its entries, are those of the
// parsed posts.
func TestCachedEntriesRenderInFull(t *testing.T) {
	dir := testsite.Write(t, richSite)
	var cache publish.EntryCache
	parsed, err := publish.LoadSiteCached(dir, &cache)
	if err != nil {
		t.Fatal(err)
	}
	data, err := cache.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	cached := func() *publish.Site {
		var back publish.EntryCache
		if err := back.UnmarshalString(string(data)); err != nil {
			t.Fatal(err)
		}
		s, err := publish.LoadSiteCached(dir, &back)
		if err != nil || back.Changed() {
			t.Fatalf("cached load: %v, changed %v", err, back.Changed())
		}
		return s
	}
	main, _ := parsed.Pages()
	for name, render := range map[string]func(*publish.Site, publish.Page) ([]byte, error){
		"atom": (*publish.Site).AtomDocument, "rss": (*publish.Site).RSSDocument, "json": (*publish.Site).JSONDocument,
	} {
		want, err := render(parsed, main)
		if err != nil {
			t.Fatal(err)
		}
		s := cached()
		m, _ := s.Pages()
		if got, err := render(s, m); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s from cached entries (%v):\n%s\nwant\n%s", name, err, got, want)
		}
	}
	s := cached()
	mentions := 0
	for i, e := range s.Entries {
		want := publish.WebmentionsOf(parsed.Entries[i], "")
		mentions += len(want)
		if got := publish.WebmentionsOf(e, ""); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Webmentions from the cached entry %v, want %v", e.Key, got, want)
		}
	}
	if mentions == 0 {
		t.Error("the site has no Webmentions to compare")
	}
}
