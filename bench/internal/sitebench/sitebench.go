package sitebench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/rookery-social/rookery/bench/internal/measure"
	"github.com/rookery-social/rookery/bench/internal/proc"
)

const section = "feedpub build"

// Config says what to measure.
type Config struct {
	Posts []int  // site sizes
	Runs  int    // rounds per figure
	Bin   string // directory of the built feedpub
	Hugo  string // the hugo binary; "" skips the Hugo reference
	Work  string
	// Memory, when set, is a directory on a memory file system (tmpfs)
	// where the full builds are measured a second time: there writing
	// files costs little, so the figures compare the programs' own work.
	Memory string
	Log    io.Writer
}

// Run takes the build figures at every size.
func Run(ctx context.Context, cfg Config) ([]measure.Figure, []string, error) {
	var figs []measure.Figure
	for _, n := range cfg.Posts {
		f, err := size(ctx, cfg, n)
		figs = append(figs, f...)
		if err != nil {
			return figs, nil, err
		}
	}
	note := "feedpub build: the built `feedpub build --dir SITE` binary, timed from exec to exit; a full build starts with no `public/` and no `.feedpub/` build state. " +
		"Hugo " + hugoVersion(ctx, cfg.Hugo) + " builds the same posts (same Markdown, dates and tags) with a minimal layout written by the bench: a home page listing the newest 50 posts, one page per post, and its built-in RSS of the home page " +
		"(taxonomies, sections and sitemap disabled), into a fresh destination each time. Hugo has no incremental build outside `hugo server`, so its figure stands for both. " +
		"`cp -r` copies feedpub's output tree to a fresh directory: the cost of writing the files at all."
	if cfg.Memory != "" {
		note += " The rows \"in memory (tmpfs)\" repeat the full builds with both sites and their output in a directory of " + cfg.Memory +
			", a memory file system, where creating files costs little: they compare the two programs' own work, while the other rows include this machine's disk."
	}
	return figs, []string{note}, nil
}

func hugoVersion(ctx context.Context, hugo string) string {
	if hugo == "" {
		return "(not installed: skipped)"
	}
	out, err := proc.Runner{}.Run(ctx, hugo, "version")
	if err != nil || len(out) < 20 {
		return ""
	}
	return "(`" + out[:min(len(out)-1, 40)] + "…`)"
}

func size(ctx context.Context, cfg Config, n int) ([]measure.Figure, error) {
	base := filepath.Join(cfg.Work, fmt.Sprintf("site-%d", n))
	site, hsite := filepath.Join(base, "feedpub"), filepath.Join(base, "hugo")
	if err := writeFeedpubSite(site, n); err != nil {
		return nil, fmt.Errorf("sitebench: %w", err)
	}
	if cfg.Hugo != "" {
		if err := writeHugoSite(hsite, n); err != nil {
			return nil, fmt.Errorf("sitebench: %w", err)
		}
	}
	r := proc.Runner{Bin: cfg.Bin, Env: proc.Env(base), Dir: base}
	rounds, err := fullRounds(ctx, r, cfg, site, hsite, base)
	if err != nil {
		return nil, err
	}
	incr, err := incremental(ctx, r, site, n, cfg.Runs)
	if err != nil {
		return nil, err
	}
	label := measure.Count(n) + " posts"
	fmt.Fprintf(cfg.Log, "site: %s: full %.0f ms, one new post %.1f ms\n", label, measure.Summarize(rounds.full).Median, measure.Summarize(incr).Median)
	figs := rounds.figures(label, cfg.Hugo != "")
	incrFig := measure.FromSummary(section, label+": feedpub build after one new post", "ms", measure.Summarize(incr))
	if n >= 10_000 {
		incrFig = incrFig.Below(50, "< 50 ms")
	}
	figs = slices.Insert(figs, 1, incrFig)
	if n >= 1000 && cfg.Hugo != "" {
		figs[len(figs)-1] = figs[len(figs)-1].AtLeast(10, "≥ 10×")
	}
	if cfg.Memory == "" {
		return figs, nil
	}
	mem, err := inMemory(ctx, cfg, n)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(cfg.Log, "site: %s in memory: full %.0f ms\n", label, measure.Summarize(mem.full).Median)
	return append(figs, mem.figures(label+", in memory (tmpfs)", cfg.Hugo != "")...), nil
}

// inMemory writes both sites of n posts under cfg.Memory and times their
// full builds there; the directory is removed after.
func inMemory(ctx context.Context, cfg Config, n int) (series, error) {
	base, err := os.MkdirTemp(cfg.Memory, "rookery-bench-site-")
	if err != nil {
		return series{}, fmt.Errorf("sitebench: %w", err)
	}
	defer os.RemoveAll(base)
	site, hsite := filepath.Join(base, "feedpub"), filepath.Join(base, "hugo")
	if err := writeFeedpubSite(site, n); err != nil {
		return series{}, fmt.Errorf("sitebench: %w", err)
	}
	if cfg.Hugo != "" {
		if err := writeHugoSite(hsite, n); err != nil {
			return series{}, fmt.Errorf("sitebench: %w", err)
		}
	}
	return fullRounds(ctx, proc.Runner{Bin: cfg.Bin, Env: proc.Env(base), Dir: base}, cfg, site, hsite, base)
}

// series are the full-build rounds' figures, in milliseconds.
type series struct{ full, fullCPU, hugo, hugoCPU, cp, hugoCP []float64 }

func fullRounds(ctx context.Context, r proc.Runner, cfg Config, site, hsite, base string) (series, error) {
	var s series
	for range cfg.Runs {
		t, err := fullRound(ctx, r, cfg.Hugo, site, hsite, base)
		if err != nil {
			return s, err
		}
		s.full, s.hugo, s.cp = append(s.full, t.full), append(s.hugo, t.hugo), append(s.cp, t.cp)
		s.fullCPU, s.hugoCPU, s.hugoCP = append(s.fullCPU, t.fullCPU), append(s.hugoCPU, t.hugoCPU), append(s.hugoCP, t.hugoCP)
	}
	return s, nil
}

// figures are the full-build rows, labelled label; the speed-up against
// Hugo comes last.
func (s series) figures(label string, hugo bool) []measure.Figure {
	figs := []measure.Figure{
		measure.FromSummary(section, label+": feedpub full build", "ms", measure.Summarize(s.full)),
		measure.FromSummary(section, label+": feedpub full build, CPU time (user + sys)", "ms", measure.Summarize(s.fullCPU)),
		measure.FromSummary(section, label+": `cp -r` of feedpub's output", "ms", measure.Summarize(s.cp)),
		measure.FromSummary(section, label+": feedpub full build / `cp -r`", "×", measure.Summarize(measure.Ratios(s.full, s.cp))),
	}
	if !hugo {
		return figs
	}
	return append(figs,
		measure.FromSummary(section, label+": Hugo full build (minimal layout)", "ms", measure.Summarize(s.hugo)),
		measure.FromSummary(section, label+": Hugo full build, CPU time (user + sys)", "ms", measure.Summarize(s.hugoCPU)),
		measure.FromSummary(section, label+": `cp -r` of Hugo's output", "ms", measure.Summarize(s.hugoCP)),
		measure.FromSummary(section, label+": speed-up, Hugo time / feedpub full build time", "×", measure.Summarize(measure.Ratios(s.hugo, s.full))))
}

// times are one round's figures, in milliseconds.
type times struct{ full, fullCPU, hugo, hugoCPU, cp, hugoCP float64 }

// fullRound times one full feedpub build, one Hugo build and copies of
// both outputs.
func fullRound(ctx context.Context, r proc.Runner, hugoBin, site, hsite, base string) (t times, err error) {
	if err = removeAll(filepath.Join(site, "public"), filepath.Join(site, ".feedpub")); err != nil {
		return t, err
	}
	wall, cpu, err := r.Measure(ctx, "feedpub", "build", "--dir", site)
	if err != nil {
		return t, err
	}
	t.full, t.fullCPU = ms(wall), ms(cpu)
	if t.cp, err = copyTree(ctx, filepath.Join(site, "public"), filepath.Join(base, "copy")); err != nil {
		return t, err
	}
	if hugoBin == "" {
		return t, nil
	}
	out := filepath.Join(base, "hugo-out")
	if err = removeAll(out); err != nil {
		return t, err
	}
	if wall, cpu, err = (proc.Runner{Dir: hsite}).Measure(ctx, hugoBin, "--quiet", "--source", hsite, "--destination", out); err != nil {
		return t, err
	}
	t.hugo, t.hugoCPU = ms(wall), ms(cpu)
	t.hugoCP, err = copyTree(ctx, out, filepath.Join(base, "hugo-copy"))
	return t, err
}

// copyTree times `cp -r src dst` into a fresh dst.
func copyTree(ctx context.Context, src, dst string) (float64, error) {
	if err := removeAll(dst); err != nil {
		return 0, err
	}
	d, err := (proc.Runner{}).Timed(ctx, "cp", "-r", src, dst)
	return ms(d), err
}

// incremental adds one new post per round to a built site and times the
// build that follows.
func incremental(ctx context.Context, r proc.Runner, site string, n, runs int) ([]float64, error) {
	if _, err := r.Run(ctx, "feedpub", "build", "--dir", site); err != nil {
		return nil, err
	}
	var out []float64
	for i := range runs {
		p := genPost(n + i)
		p.Published = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
		if err := writeFeedpubPost(site, p); err != nil {
			return nil, fmt.Errorf("sitebench: %w", err)
		}
		d, err := r.Timed(ctx, "feedpub", "build", "--dir", site)
		if err != nil {
			return nil, err
		}
		out = append(out, ms(d))
	}
	return out, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func removeAll(paths ...string) error {
	for _, p := range paths {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("sitebench: %w", err)
		}
	}
	return nil
}
