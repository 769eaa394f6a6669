package measure

import (
	"math"
	"strings"
	"testing"
)

func TestSummarizeMedianQuartilesAndRange(t *testing.T) {
	s := Summarize([]float64{5, 1, 4, 2, 3})
	if s.N != 5 || s.Median != 3 || s.Min != 1 || s.Max != 5 || s.Q1 != 2 || s.Q3 != 4 {
		t.Errorf("Summarize = %+v, want median 3, range 1–5, IQR 2–4", s)
	}
	if s := Summarize([]float64{1, 2, 3, 4}); s.Median != 2.5 {
		t.Errorf("median of 1..4 = %v, want 2.5", s.Median)
	}
	if s := Summarize(nil); !math.IsNaN(s.Median) {
		t.Errorf("median of nothing = %v, want NaN", s.Median)
	}
}

func TestLatencyIsP50WithP99AndMax(t *testing.T) {
	ms := make([]float64, 100)
	for i := range ms {
		ms[i] = float64(100 - i) // 100..1, unsorted
	}
	f := Latency("s", "n", ms)
	if f.Value != 50.5 || f.Hi != 100 || f.Lo < 99 || f.Lo > 100 {
		t.Errorf("Latency = p50 %v, p99 %v, max %v; want 50.5, 99.01, 100", f.Value, f.Lo, f.Hi)
	}
}

func TestTargetsJudgeTheMedian(t *testing.T) {
	f := FromSummary("Hub", "ratio", "×", Summarize([]float64{0.7, 0.8, 0.9}))
	if f.AtLeast(0.75, "≥ 0.75").Status != Meets || f.AtLeast(0.85, "≥ 0.85").Status != Short {
		t.Error("AtLeast does not judge the median 0.8")
	}
	if f.Below(0.81, "< 0.81").Status != Meets || f.Below(0.8, "< 0.8").Status != Short {
		t.Error("Below does not judge the median 0.8 strictly")
	}
	if f.AtMost(0.8, "≤ 0.8").Status != Meets || f.AtMost(0.79, "≤ 0.79").Status != Short {
		t.Error("AtMost does not judge the median 0.8, bound included")
	}
}

func TestSaneRejectsMissingNumbers(t *testing.T) {
	if err := Single("s", "n", "ms", 3).Sane(); err != nil {
		t.Errorf("3 ms: %v", err)
	}
	for _, v := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if Single("s", "n", "ms", v).Sane() == nil {
			t.Errorf("%v ms passed as sane", v)
		}
	}
}

func TestFormat(t *testing.T) {
	cases := [][2]string{
		{Format(12345.4, "deliveries/s"), "12,345 deliveries/s"},
		{Format(0.8412, "×"), "0.84×"},
		{Format(166.2, "ms"), "166 ms"},
		{Format(13.26, "ms"), "13.3 ms"},
		{Format(0.544, "ms"), "0.54 ms"},
		{Format(1000000, ""), "1,000,000"},
		{Count(100000), "100,000"},
	}
	for _, c := range cases {
		if got, want := c[0], c[1]; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestMarkdownHasMachineTargetsAndRows(t *testing.T) {
	r := &Report{Machine: Machine{CPUs: 2, CPU: "cpu", Go: "go1.26", Preset: "quick", Command: "bench/run.sh --quick"},
		Figures: []Figure{FromSummary("Hub", "ratio", "×", Summarize([]float64{0.8})).AtLeast(0.75, "≥ 0.75")}}
	var b strings.Builder
	if err := r.WriteMarkdown(&b, "# T\n"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CPUs (`nproc`): 2", "`bench/run.sh --quick`", "## Targets at a glance", "| Hub | ratio | 0.80× | ≥ 0.75 | ✅ meets |", "## Hub"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}
