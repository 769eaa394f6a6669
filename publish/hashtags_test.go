package publish_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/rookery-social/rookery/internal/testsite"
	"github.com/rookery-social/rookery/publish"
)

// `feedpub post` adds the text's #hashtags to the post's tags: lowercased,
// after the --tag ones, each once, and never from code, URLs or headings.
func TestCreatePostHashtags(t *testing.T) {
	cases := map[string]struct {
		text string
		tags []string
		want []string
	}{
		"inline tags, deduplicated and lowercased": {"Hello #Go and #go again, #Rust.", nil, []string{"go", "rust"}},
		"after --tag, without repeating them":      {"More #go and #new", []string{"Go"}, []string{"go", "new"}},
		"not in code":                              {"Use `#notatag` here\n\n```\n#nope\n```\n\n    #indented\n", nil, nil},
		"not in URLs": {"See https://example.org/page#frag, <https://x.example/#top> and " +
			"[a link](https://y.example/#z) or example.org/#bare", nil, nil},
		"not glued to a word, an entity or a number": {"a#b c&#35;d issue #42 foo.#bar", nil, nil},
		"a heading is not a tag":                     {"# Title\n\nbody #tag", nil, []string{"tag"}},
		"after punctuation, in emphasis":             {"(#paren) **#bold** *#em* \"#quoted\" no_#under", nil, []string{"paren", "bold", "em", "quoted"}},
		"underscores, digits and other scripts":      {"#go_lang #web3 #Café #日本", nil, []string{"go_lang", "web3", "café", "日本"}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := testsite.Write(t, testsite.Config("https://alice.example/", ""))
			path, err := publish.CreatePost(context.Background(), dir, publish.PostOptions{Now: fakeNow(), Text: c.text, Tags: c.tags})
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			p, err := publish.ParsePost(path, data)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.Tags, c.want) {
				t.Errorf("tags %q, want %q; file:\n%s", p.Tags, c.want, data)
			}
			if !strings.Contains(string(p.Body), strings.TrimSpace(c.text)) {
				t.Errorf("the text was changed: %q", p.Body)
			}
		})
	}
}
