package publish

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// hashtags returns the distinct #tags of a post's Markdown, lowercased
// and without '#', in order of appearance (the microblog convention). A
// tag is '#' followed by letters, digits and underscores, at least one of
// them a letter (so "#1" is not a tag), where the '#' starts the text or
// follows a space or punctuation other than "/#&:=?@.-_" (so the fragment
// of example.org/page#part is not a tag). Code spans, code blocks, raw
// HTML and URLs (autolinks and bare URLs, which GFM links) are skipped;
// "# Title" is a heading, not a tag.
func hashtags(body []byte) []string {
	doc := goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser().Parse(text.NewReader(body))
	var out []string
	seen := map[string]bool{}
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case ast.KindCodeSpan, ast.KindCodeBlock, ast.KindFencedCodeBlock, ast.KindHTMLBlock,
			ast.KindRawHTML, ast.KindAutoLink:
			return ast.WalkSkipChildren, nil
		}
		if t, ok := n.(*ast.Text); ok {
			for _, tag := range tagsIn(body, t.Segment.Start, t.Segment.Stop) {
				if !seen[tag] {
					seen[tag] = true
					out = append(out, tag)
				}
			}
		}
		return ast.WalkContinue, nil
	})
	return out
}

// tagsIn scans src[start:stop] for #tags. What precedes a '#' and what
// follows it are read from src itself, since the parser may split a text
// at characters such as '_'.
func tagsIn(src []byte, start, stop int) []string {
	var out []string
	for i := start; i < stop; i++ {
		if src[i] != '#' || !tagMayStartAfter(src, i) {
			continue
		}
		end, letter := i+1, false
		for end < len(src) {
			r, size := utf8.DecodeRune(src[end:])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' {
				break
			}
			letter = letter || unicode.IsLetter(r)
			end += size
		}
		if letter {
			out = append(out, strings.ToLower(string(src[i+1:end])))
		}
		i = end - 1
	}
	return out
}

// tagMayStartAfter reports whether a '#' at src[i] may start a tag, by
// what precedes it.
func tagMayStartAfter(src []byte, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRune(src[:i])
	if unicode.IsSpace(r) {
		return true
	}
	return (unicode.IsPunct(r) || unicode.IsSymbol(r)) && !strings.ContainsRune("/#&:=?@.-_", r)
}

// withHashtags adds text's #tags to tags (normalized, duplicates dropped).
func withHashtags(tags []string, body []byte) []string {
	return normalizeTags(append(append([]string(nil), tags...), hashtags(body)...))
}
