package publish_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rookery-social/rookery/publish"
)

// BenchmarkEntryCache measures saving and loading the entry cache of
// 10,000 posts, which every incremental build does.
func BenchmarkEntryCache(b *testing.B) {
	dir := b.TempDir()
	os.MkdirAll(filepath.Join(dir, "posts"), 0o755)
	os.WriteFile(filepath.Join(dir, "feedpub.toml"), []byte("title = \"B\"\nauthor = \"B\"\nurl = \"https://b.example/\"\n"), 0o644)
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 10000 {
		body := fmt.Sprintf("+++\nkey = \"k%06d\"\npublished = %s\ntags = [\"go\"]\n+++\nPost **%d** with [a link](https://example.org/%d).\n", i, start.Add(time.Duration(i)*time.Hour).Format(time.RFC3339), i, i)
		os.WriteFile(filepath.Join(dir, "posts", fmt.Sprintf("k%06d.md", i)), []byte(body), 0o644)
	}
	var c publish.EntryCache
	if _, err := publish.LoadSiteCached(dir, &c); err != nil {
		b.Fatal(err)
	}
	data, _ := c.AppendBinary(nil)
	b.Run("marshal", func(b *testing.B) {
		for b.Loop() {
			c.AppendBinary(nil)
		}
	})
	b.Run("unmarshal", func(b *testing.B) {
		for b.Loop() {
			var d publish.EntryCache
			if err := d.UnmarshalString(string(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("load-unchanged", func(b *testing.B) {
		for b.Loop() {
			if _, err := publish.LoadSiteCached(dir, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
