package publish

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestQuoteRoundTrips checks that every string quote writes decodes back
// to itself as a TOML value, control characters and quotes included.
func TestQuoteRoundTrips(t *testing.T) {
	alphabet := []rune{'a', ' ', '"', '\'', '\\', '\n', '\t', '\r', 0, 0x1f, 0x7f, 'é', '😀', '#', '='}
	rng := rand.New(rand.NewPCG(3, 4))
	cases := []string{"", "plain", `say "hi"`, `back\slash`, "tags = [\"x\"]"}
	for range 2000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		cases = append(cases, b.String())
	}
	for _, s := range cases {
		var v struct {
			V string `toml:"v"`
		}
		doc := "v = " + quote(s) + "\n"
		if err := decodeStrict([]byte(doc), &v); err != nil {
			t.Fatalf("quote(%q) = %s: does not decode: %v", s, quote(s), err)
		}
		if v.V != s {
			t.Fatalf("quote(%q) = %s decodes to %q", s, quote(s), v.V)
		}
		if !utf8.ValidString(quote(s)) || strings.ContainsAny(quote(s), "\n\r\x00") {
			t.Fatalf("quote(%q) = %q is not one line of text", s, quote(s))
		}
	}
}
