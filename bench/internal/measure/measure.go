// Package measure holds the benchmark suite's figures: samples summarized
// as a median with its spread, percentiles, ratios, and the target each
// figure is judged against. It does no measuring itself.
package measure

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Summary is a set of samples reduced to its median and spread.
type Summary struct {
	N                int
	Median, Min, Max float64
	Q1, Q3           float64 // the interquartile range
}

// Summarize reduces samples (at least one) to their median, min and max.
func Summarize(samples []float64) Summary {
	if len(samples) == 0 {
		nan := math.NaN()
		return Summary{Median: nan, Min: nan, Max: nan, Q1: nan, Q3: nan}
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	return Summary{N: len(s), Median: Percentile(s, 50), Min: s[0], Max: s[len(s)-1],
		Q1: Percentile(s, 25), Q3: Percentile(s, 75)}
}

// Percentile is the p-th percentile (0–100) of sorted samples, by linear
// interpolation between the closest ranks.
func Percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	pos := p / 100 * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	return sorted[lo] + (sorted[hi]-sorted[lo])*(pos-float64(lo))
}

// Millis converts durations to milliseconds.
func Millis(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = float64(d) / float64(time.Millisecond)
	}
	return out
}

// Ratios divides a[i] by b[i]: paired samples taken in the same round.
func Ratios(a, b []float64) []float64 {
	n := min(len(a), len(b))
	out := make([]float64, n)
	for i := range n {
		out[i] = a[i] / b[i]
	}
	return out
}

// Status of a figure against its target.
const (
	Meets = "meets"
	Short = "SHORT"
	Info  = ""
)

// Figure is one reported number: a median over several runs and its
// spread (or, for latencies, p50 with the p99 and max beside it).
type Figure struct {
	Section string  // e.g. "Hub fan-out"
	Name    string  // what was measured, with its size
	Unit    string  // "ms", "deliveries/s", "×", "MiB"...
	Value   float64 // the median (p50 for latency distributions)
	Lo, Hi  float64 // the spread: min–max of the runs (or p99–max, see Spread)
	Q1, Q3  float64 // the interquartile range of the runs; zero for latencies
	Spread  string  // how Lo and Hi read, e.g. "min–max of 5" or "p99, max of 100"
	Target  string  // e.g. "≥ 0.75"; empty when none
	Status  string  // Meets, Short or Info
	Note    string
}

// FromSummary makes a figure of a summary of runs.
func FromSummary(section, name, unit string, s Summary) Figure {
	return Figure{Section: section, Name: name, Unit: unit, Value: s.Median, Lo: s.Min, Hi: s.Max,
		Q1: s.Q1, Q3: s.Q3, Spread: fmt.Sprintf("%d rounds", s.N)}
}

// Single makes a figure of one measurement, which has no spread.
func Single(section, name, unit string, v float64) Figure {
	return Figure{Section: section, Name: name, Unit: unit, Value: v, Lo: v, Hi: v, Spread: "single measurement"}
}

// Latency makes a figure of a distribution of latencies in milliseconds:
// its p50, with p99 and max as the spread.
func Latency(section, name string, ms []float64) Figure {
	s := slices.Clone(ms)
	slices.Sort(s)
	f := Figure{Section: section, Name: name, Unit: "ms", Value: Percentile(s, 50),
		Spread: fmt.Sprintf("%d calls", len(s))}
	if len(s) > 0 {
		f.Lo, f.Hi = Percentile(s, 99), s[len(s)-1]
	}
	return f
}

// AtLeast judges the figure against a lower bound.
func (f Figure) AtLeast(target float64, text string) Figure {
	f.Target = text
	f.Status = judge(f.Value >= target)
	return f
}

// Below judges the figure against an upper bound.
func (f Figure) Below(target float64, text string) Figure {
	f.Target = text
	f.Status = judge(f.Value < target)
	return f
}

// AtMost judges the figure against an upper bound it may reach.
func (f Figure) AtMost(target float64, text string) Figure {
	f.Target = text
	f.Status = judge(f.Value <= target)
	return f
}

// Noted adds a note to the figure.
func (f Figure) Noted(note string) Figure {
	f.Note = note
	return f
}

func judge(ok bool) string {
	if ok {
		return Meets
	}
	return Short
}

// Sane reports whether the figure holds a usable number: finite, positive
// and a spread that contains it (for summaries).
func (f Figure) Sane() error {
	for _, v := range []float64{f.Value, f.Lo, f.Hi} {
		if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
			return fmt.Errorf("measure: %s / %s: value %v, spread %v–%v is not a positive number", f.Section, f.Name, f.Value, f.Lo, f.Hi)
		}
	}
	return nil
}
