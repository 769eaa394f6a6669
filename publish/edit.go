package publish

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// FindPost finds a post file of the site in dir by what the author gives:
// its key, its file's path, or its permalink (BASE_URL/posts/KEY/). It
// returns the file's path and the parsed post.
func FindPost(dir, ref string) (string, *Post, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return "", nil, errors.New("no post given: name it by its key, its file under posts/ or its permalink")
	}
	if fi, err := os.Stat(ref); err == nil && !fi.IsDir() {
		return readPostFile(ref)
	}
	key := keyOf(ref)
	names, err := os.ReadDir(filepath.Join(dir, PostsDir))
	if err != nil {
		return "", nil, fmt.Errorf("reading the posts of %s: %w", dir, err)
	}
	for _, n := range names {
		if strings.HasSuffix(n.Name(), "-"+key+".md") {
			if path, p, err := readPostFile(filepath.Join(dir, PostsDir, n.Name())); err != nil || p.Key == key {
				return path, p, err
			}
		}
	}
	for _, n := range names { // a hand-named file: look at every key
		path := filepath.Join(dir, PostsDir, n.Name())
		if _, p, err := readPostFile(path); err == nil && p.Key == key {
			return path, p, nil
		}
	}
	return "", nil, fmt.Errorf("no post %q in %s: give a post's key (the end of its file name, posts/DATE-KEY.md), its file or its permalink", ref, filepath.Join(dir, PostsDir))
}

// keyOf is the key a reference names: the last path segment of a
// permalink, or the reference itself.
func keyOf(ref string) string {
	if u, err := url.Parse(ref); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		parts := strings.Split(strings.Trim(u.Path, "/"), "/")
		return parts[len(parts)-1]
	}
	return ref
}

func readPostFile(path string) (string, *Post, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", nil, fmt.Errorf("reading post %s: %w", path, err)
	}
	p, err := ParsePost(path, data)
	return path, p, err
}

// laterThan is now to the millisecond, and after prev: an edit made
// within a second of the last one (or of its Webmentions) still moves.
func laterThan(now, prev time.Time) time.Time {
	t := now.UTC().Truncate(time.Millisecond)
	if !t.After(prev) {
		t = prev.Add(time.Millisecond).Truncate(time.Millisecond)
	}
	return t
}

// EditPost gives the post named by ref (see FindPost) a new text: its
// updated moves to now, its ID stays. Its mentions are resolved again; its
// tags stay as they were recorded.
func EditPost(dir, ref, text string, now time.Time) (string, error) {
	cfg, err := LoadConfig(dir)
	if err != nil {
		return "", err
	}
	path, p, err := FindPost(dir, ref)
	if err != nil {
		return "", err
	}
	switch text = strings.TrimSpace(text); {
	case !p.Deleted.IsZero():
		return "", fmt.Errorf("%s was deleted; write a new post instead", path)
	case p.IsLike():
		return "", fmt.Errorf("%s is a like, which has no text; delete it instead", path)
	case text == "" && p.RepostOf == nil:
		return "", errors.New("the new text is empty: pass it as an argument, on stdin, or write it in $EDITOR; to remove the post, use feedpub delete")
	}
	if p.Mentions, err = cfg.resolveMentions(text); err != nil {
		return "", err
	}
	p.Body = nil
	if text != "" {
		p.Body = []byte(text + "\n")
	}
	p.Updated = laterThan(now, p.Updated)
	return path, rewritePost(path, p)
}

// DeletePost turns the post named by ref into an RFC 6721 tombstone
// (docs/PROTOCOL.md §10): deleted = now, its text emptied; the file stays
// so that the post keeps its place in the history.
func DeletePost(dir, ref string, now time.Time) (string, error) {
	path, p, err := FindPost(dir, ref)
	if err != nil {
		return "", err
	}
	if !p.Deleted.IsZero() {
		return "", fmt.Errorf("%s was already deleted on %s", path, p.Deleted.Format(time.RFC3339))
	}
	p.Deleted = laterThan(now, p.Updated)
	p.Updated = p.Deleted
	p.Body, p.Mentions, p.Tags = nil, nil, nil
	return path, rewritePost(path, p)
}

func rewritePost(path string, p *Post) error {
	data := p.Encode()
	if _, err := ParsePost(path, data); err != nil {
		return err
	}
	if err := replaceFile(path, data); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// PostText is the post's current text, to start an edit from.
func PostText(dir, ref string) (string, error) {
	_, p, err := FindPost(dir, ref)
	if err != nil {
		return "", err
	}
	return string(p.Body), nil
}
