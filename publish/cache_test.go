package publish_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/rookery-social/rookery/publish"
)

func TestEntryCache(t *testing.T) {
	dir := writeSite(t, richSite+post("draft", "2026-02-05T00:00:00Z", "draft = true\n", "not yet"))
	var cache publish.EntryCache
	first, err := publish.LoadSiteCached(dir, &cache)
	if err != nil {
		t.Fatal(err)
	}
	if !cache.Changed() || len(cache.Files) != 3 || len(first.Entries) != 2 {
		t.Fatalf("first load: changed %v, %d files cached, %d entries", cache.Changed(), len(cache.Files), len(first.Entries))
	}
	// The binary form round-trips every field.
	data, err := cache.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back publish.EntryCache
	if err := back.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Files, cache.Files) || back.Config != cache.Config {
		for p, f := range cache.Files {
			if !reflect.DeepEqual(back.Files[p], f) {
				t.Errorf("%s:\n got %+v %+v\nwant %+v %+v", p, back.Files[p], back.Files[p].Entry, f, f.Entry)
			}
		}
		t.Fatal("cache does not round-trip")
	}
	if err := back.UnmarshalBinary(data[:len(data)/2]); err == nil {
		t.Error("a truncated cache was accepted")
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
	addFiles(t, dir, config("https://alice.example/", "[following]\nbob = \"https://bob.example/other.atom\"\n"))
	fourth, err := publish.LoadSiteCached(dir, &cache)
	if err != nil || fourth.Entries[0] == third.Entries[0] {
		t.Fatalf("a config change must re-render: %v", err)
	}
}
