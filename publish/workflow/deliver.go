package workflow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/rookery-social/rookery/publish"
	"github.com/rookery-social/rookery/site"
)

// deliver sends public/ where [publish] says: the root of a branch, and
// an rsync destination.
func deliver(ctx context.Context, o Options, c *publish.Config) error {
	out := filepath.Join(o.Dir, site.DefaultOut)
	if b := c.Publish.Branch; b != "" {
		if err := pushBranch(ctx, o, c, out, b); err != nil {
			return err
		}
	}
	if dest := c.Publish.Rsync; dest != "" {
		if err := rsync(ctx, o, out, dest); err != nil {
			return err
		}
	}
	return nil
}

// pushBranch commits the tree of out, plus an empty .nojekyll (so that
// GitHub Pages serves every file as it is), as the root of branch on top
// of its last commit, and pushes the branch. The work tree, the index and
// the current branch are left alone: the tree is built in an index of its
// own.
func pushBranch(ctx context.Context, o Options, c *publish.Config, out, branch string) error {
	if cur, _ := git(ctx, o.Dir, "symbolic-ref", "-q", "--short", "HEAD"); cur == branch {
		return fmt.Errorf("[publish] branch %q is the branch checked out in %s, where the posts are committed; name another branch", branch, o.Dir)
	}
	remote := pushRemote(ctx, o.Dir)
	ref := "refs/heads/" + branch
	if _, err := git(ctx, o.Dir, "rev-parse", "-q", "--verify", ref); err != nil && remote != "" {
		// A fresh clone: continue the branch the remote has, if any.
		_, _ = git(ctx, o.Dir, "fetch", "-q", remote, ref+":"+ref)
	}
	tree, err := outputTree(ctx, o.Dir, out)
	if err != nil {
		return err
	}
	parent, _ := git(ctx, o.Dir, "rev-parse", "-q", "--verify", ref+"^{commit}")
	if parent == "" || !sameTree(ctx, o.Dir, parent, tree) {
		args := append(identity(ctx, o.Dir, c), "commit-tree", tree, "-m", "feedpub: the site as built from "+headName(ctx, o.Dir))
		if parent != "" {
			args = append(args, "-p", parent)
		}
		commit, err := git(ctx, o.Dir, args...)
		if err != nil {
			return err
		}
		if _, err := git(ctx, o.Dir, "update-ref", ref, commit); err != nil {
			return err
		}
		fmt.Fprintf(o.Log, "committed public/ as the root of branch %s\n", branch)
	}
	if remote == "" {
		fmt.Fprintf(o.Log, "no git remote configured; branch %s not pushed\n", branch)
		return nil
	}
	if _, err := git(ctx, o.Dir, "push", "-q", remote, ref+":"+ref); err != nil {
		return err
	}
	fmt.Fprintf(o.Log, "pushed branch %s to %s\n", branch, remote)
	return nil
}

// outputTree writes the git tree of directory out (every file, whatever
// .gitignore says) with an empty .nojekyll at its root, and returns its ID.
func outputTree(ctx context.Context, dir, out string) (string, error) {
	gitDir, err := git(ctx, dir, "rev-parse", "--absolute-git-dir")
	if err != nil {
		return "", err
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return "", fmt.Errorf("publishing %s: %w", out, err)
	}
	tmp, err := os.MkdirTemp("", "feedpub-index-")
	if err != nil {
		return "", fmt.Errorf("publishing %s: %w", out, err)
	}
	defer os.RemoveAll(tmp)
	env := []string{"GIT_INDEX_FILE=" + filepath.Join(tmp, "index"), "GIT_DIR=" + gitDir, "GIT_WORK_TREE=" + abs}
	run := func(stdin string, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir, cmd.Env, cmd.Stdin = abs, append(os.Environ(), env...), strings.NewReader(stdin)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("git %s in %s: %w: %s", strings.Join(args, " "), abs, err, strings.TrimSpace(stderr.String()))
		}
		return strings.TrimSpace(stdout.String()), nil
	}
	if _, err := run("", "add", "-A", "-f", "."); err != nil {
		return "", err
	}
	empty, err := run("", "hash-object", "-w", "--stdin")
	if err != nil {
		return "", err
	}
	if _, err := run("", "update-index", "--add", "--cacheinfo", "100644,"+empty+",.nojekyll"); err != nil {
		return "", err
	}
	return run("", "write-tree")
}

func sameTree(ctx context.Context, dir, commit, tree string) bool {
	t, err := git(ctx, dir, "rev-parse", commit+"^{tree}")
	return err == nil && t == tree
}

// headName names the commit the site was built from, for the branch's
// commit message.
func headName(ctx context.Context, dir string) string {
	if h, err := git(ctx, dir, "rev-parse", "--short", "HEAD"); err == nil {
		return h
	}
	return "the work tree"
}

// rsync copies out to dest, deleting there what out no longer has.
func rsync(ctx context.Context, o Options, out, dest string) error {
	if _, err := exec.LookPath("rsync"); err != nil {
		return fmt.Errorf("[publish] rsync = %q, but rsync is not installed: install it (e.g. apt install rsync), or change [publish] in %s", dest, publish.ConfigFile)
	}
	cmd := exec.CommandContext(ctx, "rsync", "-a", "--delete", "--", out+string(filepath.Separator), dest)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("rsync of %s to %s: %w: %s", out, dest, err, strings.TrimSpace(stderr.String()))
		}
		return fmt.Errorf("rsync of %s to %s: %w", out, dest, err)
	}
	fmt.Fprintf(o.Log, "copied public/ to %s with rsync\n", dest)
	return nil
}
