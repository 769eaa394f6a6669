package readerbench

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/aggregate/feedparse"
	"github.com/rookery-social/rookery/aggregate/store"
	"github.com/rookery-social/rookery/bench/internal/measure"
)

// perFeed is how many posts each feed of a listing database holds.
const perFeed = 1000

// feedURL is feed f of a listing database: on a closed loopback port, so
// that `reader serve` polling it makes no request beyond the machine.
func feedURL(f int) string { return fmt.Sprintf("http://127.0.0.1:1/f%d/feed.atom", f) }

// buildDB fills a reader database with n posts of n/1000 followed feeds
// through aggregate/store.SaveFeed, 1,000 entries per transaction, and
// returns the posts stored per second.
func buildDB(ctx context.Context, path string, n int) (float64, error) {
	st, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return 0, err
	}
	defer st.Close()
	start := time.Now()
	for f := 0; f*perFeed < n; f++ {
		feed, err := st.EnsureFeed(ctx, feedURL(f))
		if err != nil {
			return 0, err
		}
		if err := st.Follow(ctx, feed.ID, fmt.Sprintf("f%d", f)); err != nil {
			return 0, err
		}
		entries := make([]feedparse.Entry, 0, perFeed)
		for i := 0; i < perFeed && f*perFeed+i < n; i++ {
			entries = append(entries, listingEntry(f, i))
		}
		if _, err := st.SaveFeed(ctx, feed, nil, entries, start); err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

func listingEntry(f, i int) feedparse.Entry {
	t := text(f, i)
	id := fmt.Sprintf("tag:f%d.example,2026:posts/%d", f, i)
	e := feedparse.Entry{ID: id, Key: id, URL: fmt.Sprintf("http://127.0.0.1:1/f%d/posts/%d/", f, i),
		Text: t, HTML: "<p>" + t + "</p>", Author: fmt.Sprintf("author %d", f),
		Published: epoch.Add(-time.Duration((i*7919+f*104729)%1_000_000) * time.Second), Tags: []string{"go"},
		Digest: id}
	if i%50 == 0 {
		e.Mentions = []string{feedURL(3)}
	}
	return e
}

// query is one timed listing.
type query struct {
	name string
	run  func(context.Context, *aggregate.Reader) (int, error)
}

var queries = []query{
	{"timeline, newest 50", func(ctx context.Context, r *aggregate.Reader) (int, error) {
		ps, err := r.Timeline(ctx, aggregate.TimelineOptions{Limit: 50})
		return len(ps), err
	}},
	{"search a common word (\"gopher\"), newest 20", func(ctx context.Context, r *aggregate.Reader) (int, error) {
		ps, err := r.Search(ctx, aggregate.SearchOptions{Query: "gopher", Limit: 20})
		return len(ps), err
	}},
	{"search a rare word (1 post in 1,000), newest 20", func(ctx context.Context, r *aggregate.Reader) (int, error) {
		ps, err := r.Search(ctx, aggregate.SearchOptions{Query: "rare42", Limit: 20})
		return len(ps), err
	}},
	{"search two words (\"gopher feed\"), newest 20", func(ctx context.Context, r *aggregate.Reader) (int, error) {
		ps, err := r.Search(ctx, aggregate.SearchOptions{Query: "gopher feed", Limit: 20})
		return len(ps), err
	}},
}

// latencies times each query q times through aggregate.Reader (what the
// reader commands call) on the database at path, after 3 warm-up calls.
func latencies(ctx context.Context, path string, n, q int) ([]measure.Figure, error) {
	r, err := aggregate.Open(ctx, path, aggregate.Options{})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	label := measure.Count(n) + " posts: "
	var figs []measure.Figure
	for _, qu := range queries {
		var ms []float64
		for i := range q + 3 {
			start := time.Now()
			got, err := qu.run(ctx, r)
			if err != nil {
				return nil, err
			}
			if got == 0 {
				return nil, fmt.Errorf("readerbench: %s found nothing in %d posts", qu.name, n)
			}
			if i >= 3 {
				ms = append(ms, float64(time.Since(start))/float64(time.Millisecond))
			}
		}
		f := measure.Latency(section, label+qu.name, ms)
		if n >= 1_000_000 {
			f = f.Below(10, "p50 < 10 ms")
		}
		figs = append(figs, f)
	}
	page, err := webPage(r, label, n, q)
	return append(figs, page), err
}

func fileMiB(path string) float64 {
	var n int64
	for _, s := range []string{"", "-wal"} {
		if fi, err := os.Stat(path + s); err == nil {
			n += fi.Size()
		}
	}
	return float64(n) / (1 << 20)
}
