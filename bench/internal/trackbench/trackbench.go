// Package trackbench measures the hub's tracked topics (hub/track): the
// cost of matching one fetched entry against few and many tracked queries
// (the index against a naive scan of every query), and whether the hub's
// fan-out of a publish slows down when many tracked queries are
// registered in it.
package trackbench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/rookery-social/rookery/bench/internal/hubbench"
	"github.com/rookery-social/rookery/bench/internal/measure"
	"github.com/rookery-social/rookery/hub/track"
)

// section names the figures in the report.
const section = "Tracked topics"

// few is the small number of tracked queries the many are compared with:
// the popular ones.
var few = len(popular)

// Config says what to measure.
type Config struct {
	Queries     int // tracked queries of the "many" side (10,000 in the issue)
	Entries     int // fetched entries matched in each round
	Passes      int // passes over the entries per timed match
	Subscribers int // ordinary subscribers of the fan-out comparison
	Runs        int // rounds of the match comparison
	FanOutRuns  int // rounds of the fan-out comparison
	Work        string
	Log         io.Writer
}

// Run takes every tracked-topics figure.
func Run(ctx context.Context, cfg Config) ([]measure.Figure, []string, error) {
	v := vocabFor(cfg.Queries)
	qs, err := queries(cfg.Queries, v, false, popular)
	if err != nil {
		return nil, nil, err
	}
	same, err := queries(cfg.Queries, v, true, popular)
	if err != nil {
		return nil, nil, err
	}
	figs, counts, err := matching(cfg, v, qs, same)
	if err != nil {
		return figs, nil, err
	}
	registered := append(slices.Clone(qs[:len(qs)-len(hubbench.HotQueries)]), hubbench.HotQueries...)
	fan, err := hubbench.TrackedFanOut(ctx, hubbench.TrackedConfig{Section: section, Subscribers: cfg.Subscribers,
		Queries: registered, Hot: len(hubbench.HotQueries), Runs: cfg.FanOutRuns, Work: cfg.Work, Log: cfg.Log})
	figs = append(figs, fan...)
	if err != nil {
		return figs, nil, err
	}
	return figs, []string{note(cfg, v, counts)}, nil
}

// counts are what the index did per entry, at few and at many queries.
type counts struct{ checkedFew, checkedSame, checkedMany, matchedFew, matchedSame, matchedMany float64 }

func note(cfg Config, v vocabulary, c counts) string {
	return fmt.Sprintf("Tracked topics: queries are generated, distinct, a third each `#tag`, `@FEED_URL` and one or two plain words, "+
		"terms drawn uniformly from %s tags, %s feeds and %s words, after %d popular ones (%q: the most common tags, feeds and words of the entries), which are the %d-query set. "+
		"*Same matches*: those %d and %s others drawn alike from as many tags, feeds and words that the entries never use, so each entry matches exactly what it matches with %d "+
		"(the index's own cost of holding many queries); *more matches*: the %s drawn from the entries' vocabulary, so each entry matches more of them. "+
		"Entries (%s, in Atom documents of %d) have a title and two sentences of Zipf-distributed words from the same vocabulary, a #hashtag, two categories, "+
		"a link to a feed and, for 3 in 10, a thr:in-reply-to a post of a feed. "+
		"Matching is `hub/track.Index.Match` (what the hub's tracker runs on each fetched entry) with the entries' terms computed beforehand, "+
		"timed over %d passes per round; the naive scan calls every query's `Matches` on each entry; \"parse + terms + match\" adds `track.Extract` of the documents. "+
		"Each round times the three indexes in rotating order. Per entry, the index checked %.2f candidate queries and found %.2f matches at %d queries, "+
		"%.2f and %.2f at %s with the same matches, %.2f and %.2f at %s with more matches: beyond a lookup per term of the entry, the work is one check per candidate. "+
		"Fan-out: four in-process hubs (as in the Hub section: `hub.DefaultConfig()`, SQLite WAL, signed deliveries to %s subscribers) "+
		"measured round by round in rotating order: tracking off; tracking on with no tracked query; tracking on with only the %d queries %q, which match every publish; "+
		"and tracking on with %s tracked queries (those %d among them). Each tracked query has one verified subscription stored through "+
		"`hub/store.FinishVerification` of its track topic (`/track?q=…`), which the hub loads into its index when it starts. "+
		"The matching queries make each publish also match, keep and deliver tracked documents (to separate callback servers; the round waits for them after the timing stops), "+
		"so the ratio to the hub with only those isolates the number of queries from that work. Timed from the publish ping to the last ordinary delivery.",
		measure.Count(v.tags), measure.Count(v.feeds), measure.Count(v.words), few, popular, few,
		few, measure.Count(cfg.Queries-few), few, measure.Count(cfg.Queries),
		measure.Count(cfg.Entries), entriesPerFeed, cfg.Passes,
		c.checkedFew, c.matchedFew, few, c.checkedSame, c.matchedSame, measure.Count(cfg.Queries),
		c.checkedMany, c.matchedMany, measure.Count(cfg.Queries),
		measure.Count(cfg.Subscribers), len(hubbench.HotQueries), hubbench.HotQueries, measure.Count(cfg.Queries), len(hubbench.HotQueries))
}

// indexOf builds the index of qs.
func indexOf(qs []string) ([]track.Query, *track.Index, error) {
	parsed := make([]track.Query, len(qs))
	for i, s := range qs {
		q, err := track.Parse(s)
		if err != nil {
			return nil, nil, fmt.Errorf("trackbench: %w", err)
		}
		parsed[i] = q
	}
	ix := track.NewIndex()
	ix.Set(parsed)
	return parsed, ix, nil
}

// matching compares the index at few queries with two indexes of many,
// round by round: same (the few and others the entries never match, so
// the matches per entry are the same) and dense (all drawn from the
// entries' vocabulary, so entries match more of them).
func matching(cfg Config, v vocabulary, dense, same []string) ([]measure.Figure, counts, error) {
	docs, origins := feeds(cfg.Entries, v, time.Now().UTC())
	entries, err := extract(docs, origins)
	if err != nil {
		return nil, counts{}, err
	}
	_, fewIx, err := indexOf(dense[:few])
	if err != nil {
		return nil, counts{}, err
	}
	_, sameIx, err := indexOf(same)
	if err != nil {
		return nil, counts{}, err
	}
	denseQs, denseIx, err := indexOf(dense)
	if err != nil {
		return nil, counts{}, err
	}
	var c counts
	c.checkedFew, c.matchedFew = census(fewIx, entries) // also computes the entries' terms
	c.checkedSame, c.matchedSame = census(sameIx, entries)
	c.checkedMany, c.matchedMany = census(denseIx, entries)
	if c.matchedMany == 0 || c.matchedFew == 0 || c.matchedSame != c.matchedFew {
		return nil, c, fmt.Errorf("trackbench: the workload is wrong: %.2f, %.2f and %.2f matches per entry", c.matchedFew, c.matchedSame, c.matchedMany)
	}
	ixs := []*track.Index{fewIx, sameIx, denseIx}
	match := make([][]float64, len(ixs))
	full := make([][]float64, len(ixs))
	var naive []float64
	for round := range cfg.Runs + 1 {
		mt, ft := make([]float64, len(ixs)), make([]float64, len(ixs))
		for k := range ixs {
			i := (k + round) % len(ixs) // rotate which index goes first
			mt[i] = timeMatch(ixs[i], entries, cfg.Passes)
			if ft[i], err = timeFull(ixs[i], docs, origins); err != nil {
				return nil, c, err
			}
		}
		nt := timeNaive(denseQs, entries)
		if round == 0 { // warm-up
			continue
		}
		for i := range ixs {
			match[i], full[i] = append(match[i], mt[i]), append(full[i], ft[i])
		}
		naive = append(naive, nt)
	}
	return matchFigures(cfg, match, full, naive), c, nil
}

// census runs one pass and returns the candidates checked and the
// matches found per entry.
func census(ix *track.Index, entries []track.Entry) (checked, matched float64) {
	before := ix.Checked()
	n := 0
	for i := range entries {
		n += len(ix.Match(&entries[i]))
	}
	return float64(ix.Checked()-before) / float64(len(entries)), float64(n) / float64(len(entries))
}

// timeMatch is the time of Match per entry, in µs, over passes passes.
func timeMatch(ix *track.Index, entries []track.Entry, passes int) float64 {
	start := time.Now()
	for range passes {
		for i := range entries {
			ix.Match(&entries[i])
		}
	}
	return micros(time.Since(start), passes*len(entries))
}

// timeNaive is the time per entry, in µs, of checking every query.
func timeNaive(qs []track.Query, entries []track.Entry) float64 {
	start := time.Now()
	for i := range entries {
		for _, q := range qs {
			q.Matches(&entries[i])
		}
	}
	return micros(time.Since(start), len(entries))
}

// timeFull is the time per entry, in µs, of parsing the documents,
// computing the entries' terms and matching them.
func timeFull(ix *track.Index, docs [][]byte, origins []string) (float64, error) {
	start := time.Now()
	entries, err := extract(docs, origins)
	if err != nil {
		return 0, err
	}
	for i := range entries {
		ix.Match(&entries[i])
	}
	return micros(time.Since(start), len(entries)), nil
}

func micros(d time.Duration, n int) float64 {
	return float64(d.Nanoseconds()) / 1e3 / float64(n)
}

func matchFigures(cfg Config, match, full [][]float64, naive []float64) []measure.Figure {
	many := measure.Count(cfg.Queries)
	ratio := measure.FromSummary(section, fmt.Sprintf("match cost per entry: %s queries (same matches) / %d queries", many, few), "×",
		measure.Summarize(measure.Ratios(match[1], match[0]))).AtMost(1.5, "≤ 1.5")
	fmt.Fprintf(cfg.Log, "track: match %d vs %d queries: ratio %.2f\n", cfg.Queries, few, ratio.Value)
	return []measure.Figure{
		measure.FromSummary(section, fmt.Sprintf("match one fetched entry, %d tracked queries (index)", few), "µs", measure.Summarize(match[0])),
		measure.FromSummary(section, fmt.Sprintf("match one fetched entry, %s tracked queries, same matches per entry (index)", many), "µs", measure.Summarize(match[1])),
		ratio,
		measure.FromSummary(section, fmt.Sprintf("match one fetched entry, %s tracked queries from the entries' vocabulary, more matches per entry (index)", many), "µs", measure.Summarize(match[2])),
		measure.FromSummary(section, fmt.Sprintf("match cost per entry: %s queries (more matches) / %d queries", many, few), "×",
			measure.Summarize(measure.Ratios(match[2], match[0]))),
		measure.FromSummary(section, fmt.Sprintf("match one fetched entry, %s tracked queries (more matches), naive scan of every query", many), "µs", measure.Summarize(naive)),
		measure.FromSummary(section, fmt.Sprintf("%s queries (more matches): naive scan time / index time", many), "×", measure.Summarize(measure.Ratios(naive, match[2]))),
		measure.FromSummary(section, fmt.Sprintf("parse + terms + match per fetched entry, %d queries", few), "µs", measure.Summarize(full[0])),
		measure.FromSummary(section, fmt.Sprintf("parse + terms + match per fetched entry, %s queries (more matches)", many), "µs", measure.Summarize(full[2])),
		measure.FromSummary(section, fmt.Sprintf("parse + terms + match per entry: %s queries (more matches) / %d queries", many, few), "×",
			measure.Summarize(measure.Ratios(full[2], full[0]))),
	}
}
