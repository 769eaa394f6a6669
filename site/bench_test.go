package site_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rookery-social/rookery/site"
)

// benchSite writes a site of n posts with some Markdown, tags and mentions.
func benchSite(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	os.MkdirAll(filepath.Join(dir, "posts"), 0o755)
	os.WriteFile(filepath.Join(dir, "feedpub.toml"), []byte("title = \"Bench\"\nauthor = \"B\"\nurl = \"https://bench.example/\"\nhubs = [\"https://hub.example/\"]\n[following]\nbob = \"https://bob.example/feed.atom\"\n"), 0o644)
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		writeBenchPost(dir, i, start.Add(time.Duration(i)*time.Hour))
	}
	return dir
}

func writeBenchPost(dir string, i int, ts time.Time) {
	key := fmt.Sprintf("k%06d", i)
	body := fmt.Sprintf("+++\nkey = %q\npublished = %s\ntags = [\"go\", \"t%d\"]\n+++\nPost **%d** talks with @bob about [a link](https://example.org/%d) and `code`.\n\n- one\n- two\n", key, ts.Format(time.RFC3339), i%10, i, i)
	os.WriteFile(filepath.Join(dir, "posts", key+".md"), []byte(body), 0o644)
}

func buildOrFail(b *testing.B, o site.Options) *site.Result {
	res, err := site.Build(o)
	if err != nil {
		b.Fatal(err)
	}
	return res
}

// BenchmarkBuild measures a full build, an unchanged rebuild and a rebuild
// after one new post, at 1,000 posts (ROOKERY_BENCH_POSTS=10000 for more).
func BenchmarkBuild(b *testing.B) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("ROOKERY_BENCH_POSTS")); err == nil && v > 0 {
		n = v
	}
	dir := benchSite(b, n)
	b.Run("full", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			buildOrFail(b, site.Options{Dir: dir, Out: filepath.Join(b.TempDir(), "out")})
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		buildOrFail(b, site.Options{Dir: dir})
		for b.Loop() {
			if res := buildOrFail(b, site.Options{Dir: dir}); len(res.Written) != 0 {
				b.Fatalf("unchanged build wrote %v", res.Written)
			}
		}
	})
	b.Run("one-new-post", func(b *testing.B) {
		buildOrFail(b, site.Options{Dir: dir})
		start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			writeBenchPost(dir, n+i, start.Add(time.Duration(i)*time.Minute))
			b.StartTimer()
			buildOrFail(b, site.Options{Dir: dir})
		}
	})
}
