package publish

import (
	"math/rand/v2"
	"reflect"
	"regexp"
	"testing"
)

// mentionOracle is the rule of mentions as a regular expression (what
// the scanner replaced); the tests hold the scanner to it.
var mentionOracle = regexp.MustCompile(`(^|[^A-Za-z0-9_@/.])@([A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?)`)

func oracleSpans(text []byte) [][2]int {
	var spans [][2]int
	for _, loc := range mentionOracle.FindAllSubmatchIndex(text, -1) {
		spans = append(spans, [2]int{loc[4], loc[5]})
	}
	return spans
}

func nicksOf(text string) []string {
	var out []string
	for _, sp := range nickSpans([]byte(text)) {
		out = append(out, text[sp[0]:sp[1]])
	}
	return out
}

func TestNickSpans(t *testing.T) {
	for text, want := range map[string][]string{
		"hi @bob":                      {"bob"},
		"@bob, @carol.":                {"bob", "carol"},
		"mail bob@example.org":         nil,
		"see example.org/@bob":         nil,
		"@@bob":                        nil,
		"(@bob) «@élan» @a-b-- @x.y.z": {"bob", "a-b", "x.y.z"},
		"—@bob":                        {"bob"},
		"@-bob @.x @_x_ @9":            {"_x_", "9"},
		"@":                            nil,
		"a@b @c@d @e":                  {"c", "e"},
	} {
		if got := nicksOf(text); !reflect.DeepEqual(got, want) {
			t.Errorf("mentions in %q = %q, want %q", text, got, want)
		}
	}
}

// TestNickSpansMatchRule compares the scanner with the regular expression
// on random texts drawn from the characters that matter.
func TestNickSpansMatchRule(t *testing.T) {
	alphabet := []string{"@", "@", "a", "Z", "0", "_", ".", "-", "/", " ", ",", "é", "\n"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b []byte
		for range rng.IntN(16) {
			b = append(b, alphabet[rng.IntN(len(alphabet))]...)
		}
		if got, want := nickSpans(b), oracleSpans(b); !reflect.DeepEqual(got, want) {
			t.Fatalf("nickSpans(%q) = %v, the rule says %v", b, got, want)
		}
	}
}

func FuzzNickSpans(f *testing.F) {
	f.Add("hi @bob and bob@example.org, @a-b.")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := nickSpans([]byte(s)), oracleSpans([]byte(s)); !reflect.DeepEqual(got, want) {
			t.Fatalf("nickSpans(%q) = %v, the rule says %v", s, got, want)
		}
	})
}
