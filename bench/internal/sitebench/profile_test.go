package sitebench

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rookery-social/rookery/site"
)

// benchPosts is the site size of the profiling benchmarks
// (SITEBENCH_POSTS, default 10,000).
func benchPosts() int {
	if n, err := strconv.Atoi(os.Getenv("SITEBENCH_POSTS")); err == nil && n > 0 {
		return n
	}
	return 10_000
}

// BenchmarkFullBuild is the full-build figure's workload in one process,
// for profiles: go test -run '^$' -bench FullBuild -cpuprofile cpu.out ./bench/internal/sitebench
func BenchmarkFullBuild(b *testing.B) {
	dir := b.TempDir()
	if err := writeFeedpubSite(dir, benchPosts()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		if err := removeAll(filepath.Join(dir, "public"), filepath.Join(dir, ".feedpub")); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := site.Build(site.Options{Dir: dir}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOneNewPost is the incremental figure's workload.
func BenchmarkOneNewPost(b *testing.B) {
	dir := b.TempDir()
	n := benchPosts()
	if err := writeFeedpubSite(dir, n); err != nil {
		b.Fatal(err)
	}
	if _, err := site.Build(site.Options{Dir: dir}); err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		p := genPost(n + i)
		p.Published = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
		if err := writeFeedpubPost(dir, p); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := site.Build(site.Options{Dir: dir}); err != nil {
			b.Fatal(err)
		}
	}
}
