package aggregate_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/aggregate/feedparse"
)

var benchFeeds = []string{"atom-xml-base-daringfireball.xml", "rss20-long-118-items-japantimes.xml", "jsonfeed11-authors-blog.json"}

// BenchmarkGofeedParse is the baseline: gofeed alone on the sample feeds.
func BenchmarkGofeedParse(b *testing.B) {
	docs := loadBench(b)
	m := startMeter(b)
	for i := 0; i < b.N; i++ {
		for _, d := range docs {
			f, err := gofeed.NewParser().Parse(bytes.NewReader(d))
			if err != nil {
				b.Fatal(err)
			}
			m.entries += len(f.Items)
		}
	}
	m.report()
}

// BenchmarkParse is our parse: encodings, gofeed, sanitizing, extraction.
func BenchmarkParse(b *testing.B) {
	docs := loadBench(b)
	p := feedparse.NewParser(0)
	m := startMeter(b)
	for i := 0; i < b.N; i++ {
		for _, d := range docs {
			f, err := p.Parse(d, nil, "https://example.com/feed")
			if err != nil {
				b.Fatal(err)
			}
			m.entries += len(f.Entries)
		}
	}
	m.report()
}

// BenchmarkIngest is parse and store, each iteration a new feed URL so that
// every entry is inserted.
func BenchmarkIngest(b *testing.B) {
	docs := loadBench(b)
	r, err := aggregate.Open(context.Background(), filepath.Join(b.TempDir(), "r.db"), aggregate.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	m := startMeter(b)
	for i := 0; i < b.N; i++ {
		for j, d := range docs {
			res, err := r.Ingest(context.Background(), fmt.Sprintf("https://example.com/%d/%d", i, j), "", d)
			if err != nil {
				b.Fatal(err)
			}
			m.entries += res.Stored
		}
	}
	m.report()
}

// BenchmarkGofeedParseShort and BenchmarkIngestShort compare on a Rookery
// feed of 50 short posts, the reader's usual diet.
func BenchmarkGofeedParseShort(b *testing.B) {
	doc := shortFeed()
	m := startMeter(b)
	for i := 0; i < b.N; i++ {
		f, err := gofeed.NewParser().Parse(bytes.NewReader(doc))
		if err != nil {
			b.Fatal(err)
		}
		m.entries += len(f.Items)
	}
	m.report()
}

func BenchmarkIngestShort(b *testing.B) {
	doc := shortFeed()
	r, err := aggregate.Open(context.Background(), filepath.Join(b.TempDir(), "r.db"), aggregate.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	m := startMeter(b)
	for i := 0; i < b.N; i++ {
		res, err := r.Ingest(context.Background(), fmt.Sprintf("https://example.com/%d", i), "", doc)
		if err != nil {
			b.Fatal(err)
		}
		m.entries += res.Stored
	}
	m.report()
}

// BenchmarkRepollShort ingests the same document again: the common case of
// a poll or push that brings nothing new.
func BenchmarkRepollShort(b *testing.B) {
	doc := shortFeed()
	r, err := aggregate.Open(context.Background(), filepath.Join(b.TempDir(), "r.db"), aggregate.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Ingest(context.Background(), "https://example.com/feed", "", doc); err != nil {
		b.Fatal(err)
	}
	m := startMeter(b)
	for i := 0; i < b.N; i++ {
		res, err := r.Ingest(context.Background(), "https://example.com/feed", "", doc)
		if err != nil {
			b.Fatal(err)
		}
		if res.Stored != 0 {
			b.Fatalf("repoll stored %d posts, want 0", res.Stored)
		}
		m.entries += len(res.Posts)
	}
	m.report()
}

func shortFeed() []byte {
	var entries []entry
	for i := 0; i < 50; i++ {
		entries = append(entries, entry{id: fmt.Sprintf("tag:a.example,2026:posts/k%d", i), link: fmt.Sprintf("https://a.example/posts/k%d/", i),
			content:   fmt.Sprintf(`<p>Short post number %d about <a href="https://go.dev/">Go</a> and feeds, with <a class="h-card u-mention" href="https://b.example/feed.atom">@bob</a>.</p>`, i),
			mentioned: []string{"https://b.example/feed.atom"}, tags: []string{"go"}, published: "2026-01-02T03:04:05Z"})
	}
	return []byte(atomFeed("https://a.example/feed.atom", "A", `<link rel="hub" href="https://hub.example/"/>`, entries...))
}

func loadBench(b *testing.B) [][]byte {
	var docs [][]byte
	for _, f := range benchFeeds {
		d, err := os.ReadFile(filepath.Join("testdata", "feeds", f))
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, d)
	}
	return docs
}

// meter reports entries/s (wall clock) and the process's CPU time per
// operation, which a shared, busy machine disturbs less than wall time.
type meter struct {
	b       *testing.B
	entries int
	start   time.Time
	cpu     time.Duration
}

func startMeter(b *testing.B) *meter {
	b.ResetTimer()
	return &meter{b: b, start: time.Now(), cpu: cpuTime()}
}

func (m *meter) report() {
	m.b.StopTimer()
	wall := time.Since(m.start)
	m.b.ReportMetric(float64(m.entries)/wall.Seconds(), "entries/s")
	m.b.ReportMetric(float64(cpuTime()-m.cpu)/float64(m.b.N), "cpu-ns/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
