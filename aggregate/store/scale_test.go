package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rookery-social/rookery/aggregate/feedparse"
)

// BenchmarkListings measures timeline and search over a large store. Set
// READER_BENCH_POSTS (default 100000) for the size; the database is built
// once per run in a temporary directory.
func BenchmarkListings(b *testing.B) {
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("READER_BENCH_POSTS")); err == nil {
		n = v
	}
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "big.db"), testOptions())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	fill(b, s, n)
	f, _ := s.Filter(ctx)
	b.Run("timeline", func(b *testing.B) {
		latency(b, func() error {
			ps, err := s.Timeline(ctx, TimelineQuery{Limit: 50}, f)
			if err == nil && len(ps) != 50 {
				err = fmt.Errorf("timeline has %d posts, want 50", len(ps))
			}
			return err
		})
	})
	b.Run("timeline-from", func(b *testing.B) {
		latency(b, func() error {
			_, err := s.Timeline(ctx, TimelineQuery{Limit: 50, FeedID: 7}, f)
			return err
		})
	})
	for _, q := range []string{"common", "rare42", "common word"} {
		b.Run("search-"+q, func(b *testing.B) {
			latency(b, func() error {
				_, err := s.Search(ctx, SearchQuery{Text: q, Limit: 20}, f)
				return err
			})
		})
	}
	b.Run("mentions", func(b *testing.B) {
		latency(b, func() error {
			_, err := s.Mentions(ctx, MentionQuery{Me: "https://feed3.example/feed.atom", Limit: 50}, f)
			return err
		})
	})
}

// latency runs op b.N times and reports the median and 99th percentile.
func latency(b *testing.B, op func() error) {
	d := make([]time.Duration, 0, b.N)
	for i := 0; i < b.N; i++ {
		t := time.Now()
		if err := op(); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(t))
	}
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(d[len(d)*99/100].Nanoseconds()), "p99-ns")
}

func fill(b *testing.B, s *Store, n int) {
	ctx := context.Background()
	words := strings.Fields("common word gopher feed reader post reply thread search index walk river news today")
	const perFeed = 1000
	start, cpu := time.Now(), cpuTime()
	for feedNo := 0; feedNo*perFeed < n; feedNo++ {
		f, err := s.EnsureFeed(ctx, fmt.Sprintf("https://feed%d.example/feed.atom", feedNo))
		if err != nil {
			b.Fatal(err)
		}
		s.Follow(ctx, f.ID, fmt.Sprintf("f%d", feedNo))
		entries := make([]feedparse.Entry, 0, perFeed)
		for i := 0; i < perFeed && feedNo*perFeed+i < n; i++ {
			var text strings.Builder
			for w := 0; w < 30; w++ {
				text.WriteString(words[rand.IntN(len(words))] + " ")
			}
			if rand.IntN(1000) == 0 {
				text.WriteString("rare42")
			}
			id := fmt.Sprintf("tag:f%d,2026:posts/%d", feedNo, i)
			e := feedparse.Entry{ID: id, Key: id, URL: fmt.Sprintf("https://feed%d.example/posts/%d/", feedNo, i),
				Text: text.String(), HTML: "<p>" + text.String() + "</p>", Author: "a",
				Published: start.Add(-time.Duration(rand.IntN(1e6)) * time.Second), Tags: []string{"t"}}
			if i%50 == 0 {
				e.Mentions = []string{"https://feed3.example/feed.atom"}
			}
			entries = append(entries, e)
		}
		if _, err := s.SaveFeed(ctx, f, nil, entries, start); err != nil {
			b.Fatal(err)
		}
	}
	var stored int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM posts`).Scan(&stored); err != nil || stored != n {
		b.Fatalf("filled %d posts, want %d (%v)", stored, n, err)
	}
	b.Logf("filled %d posts in %s (CPU %s)", n, time.Since(start), cpuTime()-cpu)
}

// BenchmarkSaveIntoLargeStore stores a document of 100 new posts of a few
// hundred words each into a store already holding READER_BENCH_POSTS
// (default 100000) posts: the store's share of ingest at scale.
func BenchmarkSaveIntoLargeStore(b *testing.B) {
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("READER_BENCH_POSTS")); err == nil {
		n = v
	}
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "big.db"), testOptions())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	fill(b, s, n)
	words := strings.Fields("the reader stores every post of every feed it follows and indexes its words so that search finds them fast")
	now := fakeNow()
	var cpu time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		f, err := s.EnsureFeed(ctx, fmt.Sprintf("https://new%d.example/feed.atom", i))
		if err != nil {
			b.Fatal(err)
		}
		entries := make([]feedparse.Entry, 100)
		for j := range entries {
			var text strings.Builder
			for w := 0; w < 300; w++ {
				text.WriteString(words[rand.IntN(len(words))] + fmt.Sprint(rand.IntN(50)) + " ")
			}
			entries[j] = feedparse.Entry{ID: fmt.Sprintf("tag:new%d,2026:posts/%d", i, j), Key: fmt.Sprintf("tag:new%d,2026:posts/%d", i, j),
				URL: fmt.Sprintf("https://new%d.example/posts/%d/", i, j), Title: "post", Author: "a",
				Text: text.String(), HTML: "<p>" + text.String() + "</p>", Published: now.Add(-time.Duration(j) * time.Minute), Tags: []string{"t"}}
		}
		b.StartTimer()
		c := cpuTime()
		if _, err := s.SaveFeed(ctx, f, nil, entries, now); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - c
	}
	b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "posts/s")
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the process's CPU time, which a busy machine disturbs less
// than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
