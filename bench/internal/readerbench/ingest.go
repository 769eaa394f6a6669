package readerbench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/bench/internal/measure"
)

type doc struct {
	url, contentType string
	body             []byte
}

func ingestDocs(feeds, entries int) []doc {
	var docs []doc
	for f := range feeds {
		docs = append(docs,
			doc{fmt.Sprintf("https://atom%d.example/feed.atom", f), "application/atom+xml", atomFeed(f, entries)},
			doc{fmt.Sprintf("https://rss%d.example/feed.rss", f), "application/rss+xml", rssFeed(f, entries)})
	}
	return docs
}

// ingest compares aggregate's Ingest (parse, sanitize, store in a fresh
// database) with gofeed's raw parse of the same documents, round by round.
func ingest(ctx context.Context, cfg Config) ([]measure.Figure, error) {
	docs := ingestDocs(cfg.Feeds, cfg.Entries)
	total := float64(len(docs) * cfg.Entries)
	var ours, raw []float64
	for round := range cfg.Runs {
		d, err := ingestRound(ctx, filepath.Join(cfg.Work, fmt.Sprintf("ingest-%d.db", round)), docs, cfg.Entries)
		if err != nil {
			return nil, err
		}
		g, err := gofeedRound(docs)
		if err != nil {
			return nil, err
		}
		ours, raw = append(ours, total/d.Seconds()), append(raw, total/g.Seconds())
	}
	name := fmt.Sprintf("ingest %d Atom + %d RSS feeds × %s entries, fresh DB", cfg.Feeds, cfg.Feeds, measure.Count(cfg.Entries))
	ratio := measure.FromSummary(section, name+": ingest rate / gofeed parse rate", "×", measure.Summarize(measure.Ratios(ours, raw)))
	if cfg.Entries >= 1000 {
		ratio = ratio.AtLeast(0.5, "≥ 0.50")
	}
	fmt.Fprintf(cfg.Log, "reader: ingest ratio %.2f\n", ratio.Value)
	return []measure.Figure{
		measure.FromSummary(section, name+": aggregate.Ingest (parse + store)", "entries/s", measure.Summarize(ours)),
		measure.FromSummary(section, name+": gofeed raw parse of the same bytes", "entries/s", measure.Summarize(raw)),
		ratio,
	}, nil
}

func ingestRound(ctx context.Context, dbPath string, docs []doc, entries int) (time.Duration, error) {
	r, err := aggregate.Open(ctx, dbPath, aggregate.Options{})
	if err != nil {
		return 0, err
	}
	defer removeDB(dbPath)
	defer r.Close()
	start := time.Now()
	for _, d := range docs {
		res, err := r.Ingest(ctx, d.url, d.contentType, d.body)
		if err != nil {
			return 0, err
		}
		if res.Stored != entries {
			return 0, fmt.Errorf("readerbench: ingest of %s stored %d entries, want %d", d.url, res.Stored, entries)
		}
	}
	return time.Since(start), nil
}

func gofeedRound(docs []doc) (time.Duration, error) {
	start := time.Now()
	for _, d := range docs {
		if _, err := gofeed.NewParser().Parse(bytes.NewReader(d.body)); err != nil {
			return 0, fmt.Errorf("readerbench: gofeed: %w", err)
		}
	}
	return time.Since(start), nil
}

func removeDB(path string) {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
}
