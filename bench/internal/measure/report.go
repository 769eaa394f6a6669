package measure

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strings"
	"time"
)

// Machine describes where the figures were taken.
type Machine struct {
	CPUs    int
	CPU     string
	MemGiB  float64
	Go      string
	OS      string
	Date    time.Time
	Preset  string
	Command string
	Code    string // the commit measured, when known
}

// ThisMachine reads the machine's description from /proc.
func ThisMachine(preset, command string) Machine {
	return Machine{CPUs: runtime.NumCPU(), CPU: procField("/proc/cpuinfo", "model name"),
		MemGiB: memGiB(), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH,
		Date: time.Now().UTC(), Preset: preset, Command: command}
}

// procField is the value of the first "key : value" line of a /proc file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func memGiB() float64 {
	var kb float64
	fmt.Sscanf(procField("/proc/meminfo", "MemTotal"), "%f", &kb)
	return kb / (1 << 20)
}

// Report is the whole suite's outcome.
type Report struct {
	Machine Machine
	Figures []Figure
	// Notes are paragraphs printed after the table (methods, profiles).
	Notes []string
}

// WriteMarkdown writes the report as the body of BENCHMARKS.md.
func (r *Report) WriteMarkdown(w io.Writer, intro string) error {
	b := &strings.Builder{}
	b.WriteString(intro)
	m := r.Machine
	fmt.Fprintf(b, "\n## Machine and run\n\n- Date: %s\n- CPUs (`nproc`): %d — %s\n- Memory: %.1f GiB\n- Go: %s (%s)\n- Code measured: %s\n- Preset: `%s`\n- Reproduce: `%s`\n",
		m.Date.Format("2006-01-02 15:04 UTC"), m.CPUs, m.CPU, m.MemGiB, m.Go, m.OS, dash(m.Code), m.Preset, m.Command)
	writeTargets(b, r.Figures)
	section := ""
	for _, f := range r.Figures {
		if f.Section != section {
			section = f.Section
			fmt.Fprintf(b, "\n## %s\n\n| measurement | median (latency: p50) | spread | target | status |\n|---|---:|---|---|---|\n", section)
		}
		spread := spreadText(f)
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", f.Name, Format(f.Value, f.Unit), spread, dash(f.Target), statusText(f.Status))
		if f.Note != "" {
			fmt.Fprintf(b, "| ↳ *%s* | | | | |\n", f.Note)
		}
	}
	for _, n := range r.Notes {
		b.WriteString("\n" + n + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeTargets writes the figures that have a target, at a glance.
func writeTargets(b *strings.Builder, figs []Figure) {
	b.WriteString("\n## Targets at a glance\n\n| group | measurement | median (latency: p50) | target | status |\n|---|---|---:|---|---|\n")
	for _, f := range figs {
		if f.Target != "" {
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", f.Section, f.Name, Format(f.Value, f.Unit), f.Target, statusText(f.Status))
		}
	}
}

// spreadText says how widely the rounds (or calls) varied.
func spreadText(f Figure) string {
	switch {
	case f.Spread == "single measurement":
		return "— (single measurement)"
	case f.Q1 == 0 && f.Q3 == 0: // a latency distribution
		return fmt.Sprintf("p99 %s, max %s (%s)", Format(f.Lo, f.Unit), Format(f.Hi, f.Unit), f.Spread)
	}
	return fmt.Sprintf("IQR %s – %s; min–max %s – %s (%s)", number(f.Q1, f.Unit), number(f.Q3, f.Unit),
		number(f.Lo, f.Unit), Format(f.Hi, f.Unit), f.Spread)
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func statusText(s string) string {
	switch s {
	case Meets:
		return "✅ meets"
	case Short:
		return "❌ short"
	}
	return "info"
}

// Format prints a value with its unit and a precision that suits its size.
func Format(v float64, unit string) string {
	s := number(v, unit)
	if unit == "×" || unit == "" || s == "n/a" {
		return s
	}
	return s + " " + unit
}

// number prints a value without its unit (but a ratio's ×).
func number(v float64, unit string) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	var s string
	switch a := math.Abs(v); {
	case unit == "×" || unit == "%":
		s = fmt.Sprintf("%.2f", v)
	case a >= 1000:
		s = groupThousands(int64(math.Round(v)))
	case a >= 100:
		s = fmt.Sprintf("%.0f", v)
	case a >= 10:
		s = fmt.Sprintf("%.1f", v)
	default:
		s = fmt.Sprintf("%.2f", v)
	}
	if unit == "×" {
		return s + "×"
	}
	return s
}

// Count prints a whole number with thousands separators: 10,000.
func Count(n int) string { return groupThousands(int64(n)) }

func groupThousands(n int64) string {
	s := fmt.Sprint(n)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
