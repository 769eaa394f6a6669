package publish_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rookery-social/rookery/publish"
)

func initSite(t *testing.T, o publish.InitOptions) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "site")
	o.Title, o.Author, o.URL = "Alice's notes", "Alice", "https://alice.example/"
	if _, err := publish.Init(dir, o); err != nil {
		t.Fatal(err)
	}
	return dir
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// feedpub init writes every setting, each under a comment, [following]
// last with a comment saying so, and a .gitignore with the build state.
func TestInitWritesEverySettingAndGitignore(t *testing.T) {
	dir := initSite(t, publish.InitOptions{Hubs: []string{"https://hub.example/"}})
	cfg := readString(t, filepath.Join(dir, publish.ConfigFile))
	lines := strings.Split(strings.TrimSpace(cfg), "\n")
	for _, key := range []string{"title", "author", "url", "description", "hubs", "webmention", "feed_size", "archive_size", "commit_public", "branch", "rsync"} {
		re := regexp.MustCompile(`(?m)^# .*\n` + key + ` = `)
		if !re.MatchString(cfg) {
			t.Errorf("feedpub.toml has no %s line under a comment:\n%s", key, cfg)
		}
	}
	if last := lines[len(lines)-1]; last != "[following]" || !strings.Contains(lines[len(lines)-3], "[following] stays last") {
		t.Errorf("feedpub.toml does not end with a commented [following]:\n%s", cfg)
	}
	c, err := publish.ParseConfig("feedpub.toml", []byte(cfg))
	if err != nil || c.FeedSize != publish.DefaultFeedSize || !c.Publish.CommitsPublic() || c.Hubs[0] != "https://hub.example/" {
		t.Fatalf("the written configuration reads back as %+v, %v", c, err)
	}
	// A setting appended at the end, as one would, is refused, saying where it goes.
	_, err = publish.ParseConfig("feedpub.toml", []byte(cfg+"feed_size = \"ten\"\n"))
	if err == nil || !strings.Contains(err.Error(), "inside the [following] table") {
		t.Errorf("a setting appended after [following]: %v", err)
	}
	if gi := readString(t, filepath.Join(dir, ".gitignore")); !strings.Contains(gi, "\n.feedpub/\n") || strings.Contains(gi, "public/") {
		t.Errorf(".gitignore of a site that commits public/:\n%s", gi)
	}
}

// --host sets up [publish], .gitignore and, for Netlify, netlify.toml.
func TestInitHosts(t *testing.T) {
	for host, want := range map[string]struct {
		branch, rsync string
		netlify       bool
	}{
		"github-pages":   {branch: "pages"},
		"codeberg-pages": {branch: "pages"},
		"netlify":        {netlify: true},
		"rsync":          {rsync: "me@example.org:/var/www/site/"},
	} {
		t.Run(host, func(t *testing.T) {
			dir := initSite(t, publish.InitOptions{Host: host, Rsync: want.rsync})
			c, err := publish.LoadConfig(dir)
			if err != nil || c.Publish.Branch != want.branch || c.Publish.Rsync != want.rsync || c.Publish.CommitsPublic() {
				t.Fatalf("[publish] %+v, %v", c.Publish, err)
			}
			if gi := readString(t, filepath.Join(dir, ".gitignore")); !strings.Contains(gi, "\n.feedpub/\n") || !strings.Contains(gi, "\npublic/\n") {
				t.Errorf(".gitignore:\n%s", gi)
			}
			_, err = os.Stat(filepath.Join(dir, "netlify.toml"))
			if want.netlify != (err == nil) {
				t.Errorf("netlify.toml: %v", err)
			}
		})
	}
	for _, o := range []publish.InitOptions{{Host: "rsync"}, {Host: "heroku"}, {Rsync: "x:/y/"}} {
		o.Title, o.Author, o.URL = "T", "A", "https://a.example/"
		if _, err := publish.Init(t.TempDir(), o); err == nil {
			t.Errorf("init %+v succeeded", o)
		}
	}
	// An existing .gitignore is added to, not replaced.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".gitignore"), []byte("*.swp"), 0o644)
	if _, err := publish.Init(dir, publish.InitOptions{Title: "T", Author: "A", URL: "https://a.example/", Host: "netlify"}); err != nil {
		t.Fatal(err)
	}
	if gi := readString(t, filepath.Join(dir, ".gitignore")); !strings.HasPrefix(gi, "*.swp\n") || !strings.Contains(gi, "\n.feedpub/\n") || !strings.HasSuffix(gi, "\npublic/\n") {
		t.Errorf(".gitignore added to:\n%s", gi)
	}
}
