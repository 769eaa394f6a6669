package suite

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/rookery-social/rookery/bench/internal/measure"
)

const intro = `# Rookery benchmarks

Each program against what people would use instead, measured in one run
on one machine by ` + "`bench/run.sh`" + ` (which writes this file). Shared machines
are noisy, so every comparison is a ratio of paired rounds taken in the same
run, each figure the median of several rounds with its spread (the
interquartile range and min–max of the rounds), or for latencies the p50
with the p99 and max of all calls.
Status is judged on the median. Nothing here is tuned for the bench: the
programs run with their default settings unless a line says otherwise.
`

// WriteFile writes the report as BENCHMARKS.md at path, with the notes of
// profiles (a hand-written Markdown file, when notesPath exists) at the end.
func WriteFile(path string, rep *measure.Report, notesPath string) error {
	var b strings.Builder
	if err := rep.WriteMarkdown(&b, intro); err != nil {
		return err
	}
	b.WriteString(sizesNote(rep.Machine.Preset))
	if notes, err := os.ReadFile(notesPath); err == nil {
		b.WriteString("\n" + string(notes))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("suite: %w", err)
	}
	return nil
}

func sizesNote(preset string) string {
	p, ok := Presets[preset]
	if !ok {
		return ""
	}
	return fmt.Sprintf("\n## Sizes of this run (preset `%s`)\n\n- rounds per figure: %d\n- hub fan-out: %v subscribers; store/memory/restart: %v subscriptions\n- hub on PostgreSQL: fan-out %v subscribers (%d rounds); %s subscriptions held on each backend\n- feedpub: %v posts\n- reader ingest: %d Atom + %d RSS feeds × %d entries; listings: %v posts, %d calls per query\n- end to end: %d publishes\n- tracked topics: %d rounds; %d vs %d queries over %d entries (%d passes per round); fan-out to %d subscribers with 0 vs %d tracked queries\n",
		p.Name, p.Runs, p.HubFanOuts, p.HubStoreSizes, p.PGFanOuts, p.PGFanOutRuns, measure.Count(p.PGHeld), p.SitePosts, p.IngestFeeds, p.IngestFeeds, p.IngestEntries, p.ListingPosts, p.ListingQueries, p.Publishes,
		p.TrackRuns, 10, p.TrackQueries, p.TrackEntries, p.TrackPasses, p.TrackFanOut, p.TrackQueries)
}

// Commit describes the checkout at root: the commit and its subject, and
// whether files were modified; empty when root is not a git checkout.
func Commit(ctx context.Context, root string) string {
	out, err := exec.CommandContext(ctx, "git", "-C", root, "log", "-1", "--format=%h %s").Output()
	if err != nil {
		return ""
	}
	desc := "`" + strings.TrimSpace(string(out)) + "`"
	// The report's own files (this file and the profile notes spliced
	// into it) are not code: changes to them alone leave the code as
	// committed.
	st, err := exec.CommandContext(ctx, "git", "-C", root, "status", "--porcelain", "--untracked-files=no",
		"--", ".", ":!BENCHMARKS.md", ":!bench/profiles.md").Output()
	if err == nil && len(st) > 0 {
		desc += " with uncommitted changes"
	}
	return desc
}

// ModuleRoot finds the directory holding go.mod at or above dir.
func ModuleRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("suite: no go.mod at or above %s: run from the repository", dir)
		}
	}
}
