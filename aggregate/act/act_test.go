package act_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/aggregate/act"
	"github.com/rookery-social/rookery/aggregate/web/webtest"
	"github.com/rookery-social/rookery/internal/testsite"
)

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// A reply is written with feedpub and published: built, committed.
func TestReplyIsWrittenAndPublished(t *testing.T) {
	bob := webtest.NewAuthor(t, "bob", "", webtest.Posts(1)...)
	dir := testsite.Write(t, testsite.Config("https://me.example/", ""))
	git(t, dir, "init", "-q")
	git(t, dir, "config", "user.email", "me@example.com")
	git(t, dir, "config", "user.name", "Me")
	now := func() time.Time { return time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC) }
	site := &act.Site{Dir: dir, Now: now}
	res, err := site.Do(context.Background(), act.Action{Kind: act.Reply, Text: "Quite right", Target: bob.PostURL("p000"), Publish: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Published || !strings.HasPrefix(res.Path, filepath.Join(dir, "posts", "2031-01-02-")) {
		t.Errorf("result %+v", res)
	}
	b, _ := os.ReadFile(res.Path)
	if !strings.Contains(string(b), "Quite right") || !strings.Contains(string(b), bob.PostURL("p000")) {
		t.Errorf("the reply's file:\n%s", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "public", "feed.atom")); err != nil {
		t.Errorf("the site was not built: %v", err)
	}
	if log := git(t, dir, "log", "--oneline"); strings.Count(log, "\n") != 1 {
		t.Errorf("commits:\n%s", log)
	}
}

func TestNoSite(t *testing.T) {
	var site *act.Site
	_, err := site.Do(context.Background(), act.Action{Kind: act.Post, Text: "hi"})
	if !errors.Is(err, act.ErrNoSite) || !strings.Contains(err.Error(), `site = "/path/to/site"`) {
		t.Errorf("without a site: %v", err)
	}
	if _, err := (&act.Site{Dir: t.TempDir()}).Do(context.Background(), act.Action{Kind: act.Reply, Text: "x"}); err == nil {
		t.Error("a reply without a target was written")
	}
}

// A repost, a quote and a like are written as feedpub writes them: each
// post file names the post it cites.
func TestRepostQuoteLike(t *testing.T) {
	bob := webtest.NewAuthor(t, "bob", "", webtest.Posts(1)...)
	dir := testsite.Write(t, testsite.Config("https://me.example/", ""))
	site := &act.Site{Dir: dir, Now: func() time.Time { return time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC) }}
	for _, a := range []act.Action{{Kind: act.Repost}, {Kind: act.Quote, Text: "Read this"}, {Kind: act.Like}} {
		a.Target = bob.PostURL("p000")
		res, err := site.Do(context.Background(), a)
		if err != nil {
			t.Fatalf("%s: %v", a.Kind, err)
		}
		b, _ := os.ReadFile(res.Path)
		if !strings.Contains(string(b), string(a.Kind)+"_of") || !strings.Contains(string(b), bob.PostURL("p000")) || !strings.Contains(string(b), a.Text) {
			t.Errorf("the %s's file:\n%s", a.Kind, b)
		}
	}
}
