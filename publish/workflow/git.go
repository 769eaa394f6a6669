package workflow

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/rookery-social/rookery/publish"
	"github.com/rookery-social/rookery/site"
)

// git runs a git command in dir and returns its trimmed standard output.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s in %s: %w: %s", strings.Join(args, " "), dir, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

// commitAndPush commits the posts, the configuration and, when the site
// commits it, the output, and pushes the current branch to origin (else
// the first remote) when there is a remote.
func commitAndPush(ctx context.Context, o Options, s *publish.Site) error {
	if _, err := git(ctx, o.Dir, "rev-parse", "--is-inside-work-tree"); err != nil {
		return fmt.Errorf("%s is not inside a git repository: run `git init` there first", o.Dir)
	}
	if _, err := git(ctx, o.Dir, append([]string{"add", "-A", "--"}, sources(o.Dir, s.Config)...)...); err != nil {
		return err
	}
	if err := commit(ctx, o, s); err != nil {
		return err
	}
	remote := pushRemote(ctx, o.Dir)
	if remote == "" {
		fmt.Fprintln(o.Log, "no git remote configured; not pushing")
		return nil
	}
	if _, err := git(ctx, o.Dir, "push", "-q", remote, "HEAD"); err != nil {
		return err
	}
	fmt.Fprintln(o.Log, "pushed to", remote)
	return nil
}

// sources are the paths publish commits: the posts, the configuration,
// the files feedpub init wrote, and public/ when the site commits it.
func sources(dir string, c *publish.Config) []string {
	paths := []string{publish.PostsDir, publish.ConfigFile}
	for _, p := range []string{".gitignore", "netlify.toml"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
			paths = append(paths, p)
		}
	}
	if c.Publish.CommitsPublic() {
		paths = append(paths, site.DefaultOut)
	}
	return paths
}

// commit commits what is staged, if anything, with a message naming the
// new, changed and deleted posts.
func commit(ctx context.Context, o Options, s *publish.Site) error {
	if _, err := git(ctx, o.Dir, "diff", "--cached", "--quiet"); err == nil {
		fmt.Fprintln(o.Log, "nothing new to commit")
		return nil
	}
	changes, err := stagedPosts(ctx, o.Dir, s)
	if err != nil {
		return err
	}
	msg := commitMessage(o.Message, len(s.Entries), changes)
	if _, err := git(ctx, o.Dir, append(identity(ctx, o.Dir, s.Config), "commit", "-q", "-m", msg)...); err != nil {
		return err
	}
	fmt.Fprintln(o.Log, "committed:", strings.SplitN(msg, "\n", 2)[0])
	return nil
}

// pushRemote is the remote to push to: origin, else the first one; "" when
// there is none.
func pushRemote(ctx context.Context, dir string) string {
	remotes, err := git(ctx, dir, "remote")
	if err != nil || remotes == "" {
		return ""
	}
	names := strings.Fields(remotes)
	for _, r := range names {
		if r == "origin" {
			return r
		}
	}
	return names[0]
}

// identity returns git options naming the site's author as committer when
// git has no identity configured (a fresh machine), so that publishing
// works there without a git setup step; nothing otherwise.
func identity(ctx context.Context, dir string, c *publish.Config) []string {
	if email, _ := git(ctx, dir, "config", "user.email"); email != "" {
		return nil
	}
	host := "localhost"
	if u, err := url.Parse(c.URL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return []string{"-c", "user.name=" + c.Author, "-c", "user.email=feedpub@" + host}
}

// InitRepo makes dir a git repository unless it is inside one already, and
// reports whether it did. Without git installed it does nothing.
func InitRepo(ctx context.Context, dir string) (bool, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return false, nil
	}
	if _, err := git(ctx, dir, "rev-parse", "--is-inside-work-tree"); err == nil {
		return false, nil
	}
	if _, err := git(ctx, dir, "init", "-q"); err != nil {
		return false, err
	}
	return true, nil
}
