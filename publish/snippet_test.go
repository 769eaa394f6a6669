package publish

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// snippetOracle is the definition snippet is held to: all the text,
// strings.Fields joined by spaces, then cut.
func snippetOracle(doc ast.Node, src []byte, max int) string {
	var b strings.Builder
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Text:
			b.Write(n.Segment.Value(src))
			if n.SoftLineBreak() || n.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(n.Value)
		case *ast.AutoLink:
			b.Write(n.Label(src))
		case *ast.Paragraph, *ast.Heading, *ast.ListItem:
			b.WriteByte(' ')
		}
		return ast.WalkContinue, nil
	})
	s := strings.Join(strings.Fields(b.String()), " ")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)[:max-1]
	return strings.TrimRight(string(r), " ") + "…"
}

func TestSnippetMatchesDefinition(t *testing.T) {
	md := goldmark.New(goldmark.WithExtensions(extension.GFM))
	pieces := []string{"word", "é", " ", "  ", "\n", "\n\n", "\t", "*em*", "**b**", "[l](https://x.example/)",
		"https://auto.example/", "`code`", "# h", "- item", "\u00a0", "\u2003", "\xff", "😀", "> q", "a\\\nb"}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 3000 {
		var b strings.Builder
		for range rng.IntN(60) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		src := []byte(b.String())
		doc := md.Parser().Parse(text.NewReader(src))
		for _, max := range []int{1, 5, 80} {
			if got, want := snippet(doc, src, max), snippetOracle(doc, src, max); got != want {
				t.Fatalf("snippet(%q, %d) = %q, want %q", src, max, got, want)
			}
		}
	}
}
