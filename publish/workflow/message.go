package workflow

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/rookery-social/rookery/publish"
)

// postChange is a post file a commit adds, changes or deletes.
type postChange struct {
	kind  string // "new", "changed" or "deleted"
	name  string // the post's key, or its file name when it has no entry
	title string
}

// stagedPosts lists the post files staged for the commit: added (new),
// modified (changed, or deleted when it now carries `deleted`), removed
// (deleted). Drafts are left out.
func stagedPosts(ctx context.Context, dir string, s *publish.Site) ([]postChange, error) {
	out, err := git(ctx, dir, "diff", "--cached", "--name-status", "--no-renames", "--relative", "--", publish.PostsDir)
	if err != nil {
		return nil, err
	}
	byFile := make(map[string]*publish.Entry, len(s.Entries))
	for _, e := range s.Entries {
		byFile[filepath.Base(e.Path)] = e
	}
	var changes []postChange
	for _, line := range strings.Split(out, "\n") {
		status, path, ok := strings.Cut(line, "\t")
		if !ok || !strings.HasSuffix(path, ".md") {
			continue
		}
		file := filepath.Base(path)
		if status == "D" {
			changes = append(changes, postChange{kind: "deleted", name: strings.TrimSuffix(file, ".md")})
			continue
		}
		e := byFile[file]
		if e == nil { // a draft
			continue
		}
		c := postChange{kind: "changed", name: e.Key, title: e.Full().Title}
		switch {
		case e.IsDeleted():
			c.kind = "deleted"
		case status == "A":
			c.kind = "new"
		}
		changes = append(changes, c)
	}
	return changes, nil
}

// commitMessage is subject (or a summary of changes) and a line per post
// changed.
func commitMessage(subject string, posts int, changes []postChange) string {
	count := map[string]int{}
	for _, c := range changes {
		count[c.kind]++
	}
	if subject == "" && len(changes) == 0 {
		subject = fmt.Sprintf("feedpub: publish (%d posts)", posts)
	}
	if subject == "" {
		var parts []string
		for _, k := range []string{"new", "changed", "deleted"} {
			if count[k] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", count[k], k))
			}
		}
		subject = "feedpub: publish " + strings.Join(parts, ", ") + " " + plural(len(changes), "post", "posts")
	}
	var b strings.Builder
	b.WriteString(subject)
	if len(changes) > 0 {
		b.WriteString("\n")
	}
	for _, k := range []string{"new", "changed", "deleted"} {
		for _, c := range changes {
			if c.kind != k {
				continue
			}
			fmt.Fprintf(&b, "\n%s: %s", c.kind, c.name)
			if c.title != "" {
				fmt.Fprintf(&b, " %q", c.title)
			}
		}
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
