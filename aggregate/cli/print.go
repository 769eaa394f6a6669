package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/aggregate/sanitize"
)

// safe makes a remote string safe to print on one line.
func safe(s string) string { return sanitize.Line(s) }

// json prints v as indented JSON with every string (keys and values)
// cleaned as the terminal output is (sanitize.Terminal): remote text must
// not carry escapes that `jq -r` would turn back into control sequences.
func (a *App) json(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("unable to write JSON: %w", err)
	}
	b, err = cleanJSON(b)
	if err != nil {
		return fmt.Errorf("unable to write JSON: %w", err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return fmt.Errorf("unable to write JSON: %w", err)
	}
	out.WriteByte('\n')
	_, err = a.Stdout.Write(out.Bytes())
	return err
}

// cleanJSON rewrites every string literal of the JSON document doc (keys
// and values, in place, so that field order is kept) through
// sanitize.Terminal.
func cleanJSON(doc []byte) ([]byte, error) {
	out := make([]byte, 0, len(doc))
	for i := 0; i < len(doc); i++ {
		if doc[i] != '"' {
			out = append(out, doc[i])
			continue
		}
		end := stringEnd(doc, i)
		var s string
		if err := json.Unmarshal(doc[i:end], &s); err != nil {
			return nil, err
		}
		q, err := json.Marshal(sanitize.Terminal(s))
		if err != nil {
			return nil, err
		}
		out = append(out, q...)
		i = end - 1
	}
	return out, nil
}

// stringEnd is the index just past the string literal starting at doc[i].
func stringEnd(doc []byte, i int) int {
	for j := i + 1; j < len(doc); j++ {
		switch doc[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(doc)
}

// posts prints a listing, as JSON or as text (empty says so on stderr).
func (a *App) posts(c *Call, posts []aggregate.Post, empty string) error {
	if c.JSON {
		return a.json(posts)
	}
	if len(posts) == 0 && empty != "" {
		fmt.Fprintln(a.Stderr, empty)
	}
	for i, p := range posts {
		if i > 0 {
			fmt.Fprintln(a.Stdout)
		}
		a.printPost(p)
	}
	return nil
}

const maxTextLines = 12

func (a *App) printPost(p aggregate.Post) {
	indent := strings.Repeat("    ", p.Depth)
	if line := repostLine(p); line != "" {
		fmt.Fprintf(a.Stdout, "%s%s\n", indent, line)
	}
	if p.Kind == aggregate.KindRepost && p.Original != nil && p.Original.Deleted {
		fmt.Fprintf(a.Stdout, "%s  (%s)\n%s  %s\n", indent, aggregate.DeletedText, indent, safe(link(*p.Original)))
		return
	}
	if p.Kind == aggregate.KindRepost && p.Original != nil {
		o := *p.Original
		o.Depth, o.Original, o.RepostedBy = p.Depth, nil, nil
		a.printPost(o)
		return
	}
	defer a.printCited(p, indent)
	who := "@" + p.Nick
	if p.Nick == "" {
		who = p.FeedTitle
		if who == "" {
			who = p.Feed
		}
	}
	if p.Author != "" && p.Author != who {
		who += " (" + p.Author + ")"
	}
	fmt.Fprintf(a.Stdout, "%s%s · %s\n", indent, safe(who), shortTime(p.Published))
	if p.Title != "" && !repeatsBody(p.Title, p.Text) {
		fmt.Fprintf(a.Stdout, "%s  %s\n", indent, safe(p.Title))
	}
	body := p.Text
	switch {
	case p.Snippet != "":
		body = p.Snippet
	case p.HTML != "":
		body = sanitize.TextWithLinks(p.HTML)
	}
	for i, line := range strings.Split(sanitize.Terminal(body), "\n") {
		if i == maxTextLines {
			fmt.Fprintf(a.Stdout, "%s  …\n", indent)
			break
		}
		if line = strings.TrimSpace(line); line == "" {
			fmt.Fprintln(a.Stdout)
			continue
		}
		fmt.Fprintf(a.Stdout, "%s  %s\n", indent, line)
	}
	if len(p.Tags) > 0 {
		fmt.Fprintf(a.Stdout, "%s  #%s\n", indent, safe(strings.Join(p.Tags, " #")))
	}
	for _, en := range p.Enclosures {
		fmt.Fprintf(a.Stdout, "%s  [%s] %s\n", indent, safe(en.Type), safe(en.URL))
	}
	if r := replyLine(p); r != "" && p.Depth == 0 {
		fmt.Fprintf(a.Stdout, "%s  ↳ in reply to %s\n", indent, safe(r))
	}
	fmt.Fprintf(a.Stdout, "%s  %s\n", indent, safe(link(p)))
}

// repeatsBody reports whether a title only repeats the first words of the
// text (as a title derived from the body does, maybe cut short with "…"),
// spacing aside.
func repeatsBody(title, text string) bool {
	t := strings.Join(strings.Fields(title), " ")
	t = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(t, "…"), "..."))
	return t != "" && strings.HasPrefix(strings.Join(strings.Fields(text), " "), t)
}

// replyLine names the post p replies to: its author and URL when it is
// stored, else its URL, else the feed it is in; the tag URI only beside
// one of those.
func replyLine(p aggregate.Post) string {
	switch {
	case p.Parent != nil:
		return p.Parent.Author + " " + p.Parent.URL
	case p.ReplyHref != "":
		return p.ReplyHref
	case p.ReplySource != "":
		return "a post of " + p.ReplySource + " (" + p.InReplyTo + ")"
	case p.InReplyTo != "":
		return "a post not stored here (" + p.InReplyTo + "; `reader thread` fetches what it can)"
	}
	return ""
}

func link(p aggregate.Post) string {
	if p.URL != "" {
		return p.URL
	}
	return p.ID
}

func shortTime(rfc string) string {
	t, err := time.Parse(time.RFC3339, rfc)
	if err != nil {
		return rfc
	}
	return t.Local().Format("2006-01-02 15:04")
}

func (a *App) printFeeds(feeds []followed) {
	if len(feeds) == 0 {
		fmt.Fprintln(a.Stderr, "you follow no feeds: `reader follow URL`")
		return
	}
	for _, f := range feeds {
		last := "never"
		if f.LastFetch != "" {
			last = shortTime(f.LastFetch)
		}
		fmt.Fprintf(a.Stdout, "@%-16s %s\n", safe(f.Nick), safe(f.URL))
		fmt.Fprintf(a.Stdout, "  %s · %s · %d unread · %s · last fetch %s\n", safe(f.Title), plural(f.Posts, "post"), f.Unread, f.Mode, last)
		fmt.Fprintf(a.Stdout, "  push: %s\n", safe(f.Detail))
		if f.Gone {
			fmt.Fprintln(a.Stdout, "  GONE (410): no longer polled; `reader fetch` it to try again")
		}
		if f.LastError != "" {
			fmt.Fprintf(a.Stdout, "  error: %s (next try %s)\n", safe(f.LastError), shortTime(f.NextFetch))
		}
	}
}

func (a *App) printFetch(res []aggregate.FetchResult) {
	newPosts, deleted, failed, blocked := 0, 0, 0, 0
	for _, r := range res {
		newPosts += r.New
		deleted += r.Deleted
		switch {
		case errors.Is(r.Err, aggregate.ErrBlocked):
			blocked++
		case r.Err != nil:
			failed++
			fmt.Fprintf(a.Stderr, "%s: %s\n", safe(r.Feed), safe(r.Err.Error()))
		}
	}
	fmt.Fprintf(a.Stdout, "fetched %s: %s", plural(len(res)-blocked, "feed"), plural(newPosts, "new or updated post"))
	if deleted > 0 {
		fmt.Fprintf(a.Stdout, ", %d deleted by their authors", deleted)
	}
	fmt.Fprintf(a.Stdout, ", %d failed", failed)
	if blocked > 0 {
		fmt.Fprintf(a.Stdout, ", %d blocked (not fetched)", blocked)
	}
	fmt.Fprintln(a.Stdout)
}

// fetchResult is a FetchResult as JSON.
type fetchResult struct {
	Feed        string `json:"feed"`
	New         int    `json:"new"`
	Deleted     int    `json:"deleted"`
	NotModified bool   `json:"not_modified"`
	Error       string `json:"error"`
}

func fetchJSON(res []aggregate.FetchResult) []fetchResult {
	out := make([]fetchResult, 0, len(res))
	for _, r := range res {
		fr := fetchResult{Feed: r.Feed, New: r.New, Deleted: r.Deleted, NotModified: r.NotModified}
		if r.Err != nil {
			fr.Error = r.Err.Error()
		}
		out = append(out, fr)
	}
	return out
}
