// Package sitebench measures feedpub's build against Hugo building the
// same posts with a minimal layout, and against `cp -r` of feedpub's
// output (the cost of writing the files at all).
package sitebench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// words make up the generated posts' paragraphs.
var words = strings.Fields(`feeds hubs readers static sites git repository atom rss
json websub push poll thread reply mention search timeline gopher river news today
small web open decentralized author follow publish build deploy markdown`)

// post is one generated post.
type post struct {
	Key       string
	Published time.Time
	Tags      []string
	Body      string
	ReplyTo   int // -1: not a reply
}

// genPost makes post i: a paragraph of about 40 words with a link, two
// tags, a mention every 5th post and a reply to Bob every 7th.
func genPost(i int) post {
	var b strings.Builder
	fmt.Fprintf(&b, "Post %d. ", i)
	for w := range 40 {
		b.WriteString(words[(i*7+w*13)%len(words)])
		if w == 20 {
			fmt.Fprintf(&b, " [a link](https://example.org/%d)", i)
		}
		b.WriteByte(' ')
	}
	if i%5 == 0 {
		b.WriteString("What do you think, @bob? ")
	}
	b.WriteString("*Thanks* for reading.\n")
	p := post{Key: fmt.Sprintf("p%07d", i), Published: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour),
		Tags: []string{words[i%len(words)], fmt.Sprintf("t%d", i%10)}, Body: b.String(), ReplyTo: -1}
	if i%7 == 0 {
		p.ReplyTo = i
	}
	return p
}

// feedpubFile is the post as feedpub reads it.
func (p post) feedpubFile() string {
	var b strings.Builder
	fmt.Fprintf(&b, "+++\nkey = %q\npublished = %s\ntags = [%q, %q]\n", p.Key, p.Published.Format(time.RFC3339), p.Tags[0], p.Tags[1])
	if p.ReplyTo >= 0 {
		fmt.Fprintf(&b, "\n[reply_to]\nref = \"tag:bob.example,2020:posts/b%d\"\nhref = \"https://bob.example/posts/b%d/\"\nsource = \"https://bob.example/feed.atom\"\n", p.ReplyTo, p.ReplyTo)
	}
	b.WriteString("+++\n" + p.Body)
	return b.String()
}

// hugoFile is the same post as Hugo content.
func (p post) hugoFile() string {
	return fmt.Sprintf("+++\ntitle = %q\ndate = %s\ntags = [%q, %q]\n+++\n%s", "Post "+p.Key, p.Published.Format(time.RFC3339), p.Tags[0], p.Tags[1], p.Body)
}

const feedpubConfig = `title = "Bench microblog"
author = "bench"
url = "https://bench.example/"
hubs = ["https://hub.example/"]

[following]
bob = "https://bob.example/feed.atom"
`

// writeFeedpubSite writes a feedpub site of n posts in dir.
func writeFeedpubSite(dir string, n int) error {
	if err := os.MkdirAll(filepath.Join(dir, "posts"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "feedpub.toml"), []byte(feedpubConfig), 0o644); err != nil {
		return err
	}
	for i := range n {
		if err := writeFeedpubPost(dir, genPost(i)); err != nil {
			return err
		}
	}
	return nil
}

func writeFeedpubPost(dir string, p post) error {
	name := filepath.Join(dir, "posts", p.Published.Format("2006-01-02")+"-"+p.Key+".md")
	return os.WriteFile(name, []byte(p.feedpubFile()), 0o644)
}

// Hugo's minimal site: a home page listing the newest 50 posts, a page per
// post, and the RSS feed of the home page (its built-in template).
const hugoConfig = `baseURL = "https://bench.example/"
title = "Bench microblog"
rssLimit = 50
disableKinds = ["taxonomy", "term", "section", "sitemap", "robotsTXT", "404"]
`

const hugoIndex = `<!doctype html><html><head><title>{{ .Site.Title }}</title>
<link rel="alternate" type="application/rss+xml" href="{{ "index.xml" | absURL }}"></head><body>
<h1>{{ .Site.Title }}</h1>
{{ range first 50 .Site.RegularPages.ByDate.Reverse }}<article><a href="{{ .Permalink }}">{{ .Date.Format "2006-01-02" }}</a>{{ .Content }}</article>
{{ end }}</body></html>
`

const hugoSingle = `<!doctype html><html><head><title>{{ .Title }}</title></head><body>
<article class="h-entry"><time>{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}</time>{{ .Content }}
{{ range .Params.tags }}<a class="p-category">#{{ . }}</a> {{ end }}</article></body></html>
`

// writeHugoSite writes the same n posts as a minimal Hugo site in dir.
func writeHugoSite(dir string, n int) error {
	files := map[string]string{"hugo.toml": hugoConfig, "layouts/index.html": hugoIndex,
		"layouts/_default/single.html": hugoSingle}
	for name, body := range files {
		if err := writeFile(filepath.Join(dir, name), body); err != nil {
			return err
		}
	}
	for i := range n {
		p := genPost(i)
		if err := writeFile(filepath.Join(dir, "content", "posts", p.Key+".md"), p.hugoFile()); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path, body string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(body), 0o644)
}
