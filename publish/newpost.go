package publish

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// PostOptions are the arguments of `feedpub post`.
type PostOptions struct {
	Text    string   // the post's Markdown; must not be empty
	Tags    []string // without '#'
	ReplyTo string   // URL of the post replied to, resolved now
	// Repost, Quote and Like are the URL of the post this one reposts,
	// quotes or likes, resolved now; at most one is set. A repost or a
	// like may have no text.
	Repost, Quote, Like string
	Now                 time.Time    // when the post is published; required (feedpub post passes the current time)
	Client              *http.Client // for resolving ReplyTo; nil means NewClient()
}

// CreatePost writes a new post file under DIR/posts/ and returns its path.
// Its tags are o.Tags followed by the text's #hashtags (see hashtags). The
// reply target is fetched and resolved now, and every @nick must be in
// the [following] table: both are recorded in the front matter, so the post
// builds the same way later.
func CreatePost(ctx context.Context, dir string, o PostOptions) (string, error) {
	cfg, err := LoadConfig(dir)
	if err != nil {
		return "", err
	}
	text := strings.TrimSpace(o.Text)
	if text == "" && o.Repost == "" && o.Like == "" {
		return "", errors.New("the post has no text: pass it as an argument, on stdin, or write it in $EDITOR")
	}
	if o.Now.IsZero() {
		return "", errors.New("the post has no publication time (PostOptions.Now)")
	}
	var body []byte
	if text != "" {
		body = []byte(text + "\n")
	}
	p := &Post{Key: NewKey(), Published: publishedAfter(dir, o.Now), Tags: withHashtags(o.Tags, body), Body: body}
	if p.Mentions, err = cfg.resolveMentions(text); err != nil {
		return "", err
	}
	client := o.Client
	if client == nil {
		client = NewClient()
	}
	if o.ReplyTo != "" {
		if p.ReplyTo, err = ResolveReply(ctx, client, o.ReplyTo); err != nil {
			return "", err
		}
	}
	if err := o.resolveCites(ctx, client, p); err != nil {
		return "", err
	}
	return p.WriteNew(dir)
}

// publishedAfter is the published time of a new post written at now: now
// to the millisecond, so that posts written within one second keep their
// order, and after the newest post of the day or later, so that they keep
// it even when the clock gives the same time twice or went back.
func publishedAfter(dir string, now time.Time) time.Time {
	t := now.UTC().Truncate(time.Millisecond)
	if newest := newestPublished(dir, t); !newest.Before(t) {
		t = newest.Add(time.Millisecond)
	}
	return t
}

// newestPublished is the latest published time among the post files
// named for day's date or a later one (PostFileName); zero when none.
func newestPublished(dir string, day time.Time) time.Time {
	names, _ := os.ReadDir(filepath.Join(dir, PostsDir))
	from := day.Format("2006-01-02")
	var newest time.Time
	for _, n := range names {
		if n.Name() < from || !strings.HasSuffix(n.Name(), ".md") {
			continue
		}
		path := filepath.Join(dir, PostsDir, n.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		if p, err := ParsePost(path, data); err == nil && p.Published.After(newest) {
			newest = p.Published
		}
	}
	return newest
}

// resolveMentions maps each @nick of text to its [following] feed URL.
func (c *Config) resolveMentions(text string) (map[string]string, error) {
	nicks := mentionNicks(text)
	if len(nicks) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, nick := range nicks {
		feed, ok := c.Following[nick]
		if !ok {
			return nil, fmt.Errorf("unknown nick @%s: add it to the [following] table of %s, e.g.\n  [following]\n  %s = \"https://their.site/feed.atom\"", nick, ConfigFile, nick)
		}
		out[nick] = feed
	}
	return out, nil
}

// ReadText returns the post text: the arguments joined by spaces, else
// stdin when it is not a terminal, else what the user writes in $EDITOR.
func ReadText(args []string, stdin *os.File) (string, error) {
	return ReadTextFrom(args, stdin, "")
}

// ReadTextFrom is ReadText with $EDITOR starting from initial.
func ReadTextFrom(args []string, stdin *os.File, initial string) (string, error) {
	if len(args) > 0 {
		return strings.Join(args, " "), nil
	}
	if fi, err := stdin.Stat(); err == nil && fi.Mode()&os.ModeCharDevice == 0 {
		b, err := io.ReadAll(io.LimitReader(stdin, 1<<20))
		if err != nil {
			return "", fmt.Errorf("reading stdin: %w", err)
		}
		return string(b), nil
	}
	return editText(initial)
}

func editText(initial string) (string, error) {
	editor := os.Getenv("EDITOR")
	if editor == "" {
		return "", errors.New("no text: pass it as an argument or on stdin, or set $EDITOR")
	}
	f, err := os.CreateTemp("", "feedpub-*.md")
	if err != nil {
		return "", fmt.Errorf("creating a file for $EDITOR: %w", err)
	}
	_, werr := f.WriteString(initial)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	defer os.Remove(f.Name())
	if werr != nil {
		return "", fmt.Errorf("creating a file for $EDITOR: %w", werr)
	}
	fields := strings.Fields(editor)
	cmd := exec.Command(fields[0], append(fields[1:], f.Name())...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("running $EDITOR: %w", err)
	}
	b, err := os.ReadFile(filepath.Clean(f.Name()))
	return string(bytes.TrimSpace(b)), err
}

// resolveCites resolves the post reposted, quoted or liked, if any.
func (o PostOptions) resolveCites(ctx context.Context, client *http.Client, p *Post) error {
	var err error
	switch {
	case o.Repost != "":
		p.RepostOf, err = ResolveCite(ctx, client, o.Repost, KindRepost)
	case o.Quote != "":
		p.QuoteOf, err = ResolveCite(ctx, client, o.Quote, KindQuote)
	case o.Like != "":
		p.LikeOf, err = ResolveCite(ctx, client, o.Like, KindLike)
	}
	return err
}
