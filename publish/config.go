package publish

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// ConfigFile is the name of the site configuration file in the site directory.
const ConfigFile = "feedpub.toml"

// PostsDir is the directory, relative to the site directory, holding posts.
const PostsDir = "posts"

// DefaultFeedSize is the number of entries in the main feed when feed_size is unset.
const DefaultFeedSize = 50

// Config is the content of feedpub.toml.
type Config struct {
	Title       string `toml:"title"`
	Author      string `toml:"author"`
	URL         string `toml:"url"` // BASE_URL, absolute, ends in "/"
	Description string `toml:"description,omitempty"`
	// Bio is the author's profile note (h-card p-note), set by feedpub profile.
	Bio string `toml:"bio,omitempty"`
	// Avatar is the author's picture: a file of the site directory, copied
	// into the output root under the same name (feedpub profile --avatar).
	Avatar string   `toml:"avatar,omitempty"`
	Hubs   []string `toml:"hubs,omitempty"`
	// RSSCloud lists the hubs (base URLs) that also serve rssCloud, at
	// BASE + "pleaseNotify" and BASE + "ping" (a Rookery hub does): feed.rss
	// carries a <cloud> element naming the first, and `feedpub ping` pings
	// each. A hub listed here and in Hubs is pinged once for feed.rss.
	RSSCloud []string `toml:"rsscloud_hubs,omitempty"`
	// Webmention is the endpoint advertised with rel=webmention, if any.
	Webmention string `toml:"webmention,omitempty"`
	// FeedSize is the number of newest entries in the main feed.
	FeedSize int `toml:"feed_size,omitempty"`
	// ArchiveSize is the number of entries per RFC 5005 archive document;
	// 0 means FeedSize.
	ArchiveSize int `toml:"archive_size,omitempty"`
	// Publish says how `feedpub publish` gets public/ to the host. It
	// does not change what is rendered, hence not in the Fingerprint.
	Publish PublishConfig `toml:"publish,omitempty" json:"-"`
	// Following is the address book: nick → feed URL.
	Following map[string]string `toml:"following,omitempty"`
	// idHost, when set, is the host of the entry IDs instead of URL's:
	// a preview renders links to itself but keeps the IDs (WithBaseURL).
	idHost string
}

// PublishConfig is the [publish] table: what `feedpub publish` does with
// public/ once built and the posts are committed.
type PublishConfig struct {
	// Branch, when set, is a branch whose root is public/ (GitHub Pages,
	// Codeberg Pages): publish commits public/ there and pushes it.
	Branch string `toml:"branch,omitempty"`
	// Rsync, when set, is an rsync destination (HOST:DIR/ or a local
	// directory) that publish copies public/ to, deleting what is gone.
	Rsync string `toml:"rsync,omitempty"`
	// CommitPublic says whether public/ is committed with the posts on the
	// current branch; unset: only when neither Branch nor Rsync is set.
	CommitPublic *bool `toml:"commit_public,omitempty"`
}

// CommitsPublic reports whether publish commits public/ with the posts.
func (p PublishConfig) CommitsPublic() bool {
	if p.CommitPublic != nil {
		return *p.CommitPublic
	}
	return p.Branch == "" && p.Rsync == ""
}

// nickPattern is what may follow "@" in a mention and name a [following] key.
var nickPattern = regexp.MustCompile(`^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$`)

// LoadConfig reads and validates DIR/feedpub.toml.
func LoadConfig(dir string) (*Config, error) {
	path := filepath.Join(dir, ConfigFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s not found: run `feedpub init %s --title ... --author ... --url ...` first", path, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the configuration: %w", err)
	}
	return ParseConfig(path, data)
}

// ParseConfig parses and validates the content of a feedpub.toml file; path
// is used in error messages, which name the line.
func ParseConfig(path string, data []byte) (*Config, error) {
	doc := scanTOML(data)
	if err := checkFollowingTable(path, doc); err != nil {
		return nil, err
	}
	var c Config
	if err := decodeStrict(data, &c); err != nil {
		switch pr := explainTOML(err); {
		case pr.unknown != "":
			return nil, fmt.Errorf("%s: line %d: unknown key %q (known: %s)", path, pr.line, pr.unknown, knownSettings)
		case pr.line > 0:
			return nil, fmt.Errorf("%s: line %d: %s", path, pr.line, pr.msg)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := c.validate(); err != nil {
		var se *settingError
		if errors.As(err, &se) {
			if n := doc.lineOf(se.name, se.value); n > 0 {
				return nil, fmt.Errorf("%s: line %d: %w", path, n, err)
			}
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

const knownSettings = "title, author, url, description, bio, avatar, hubs, rsscloud_hubs, webmention, feed_size, archive_size, [publish] branch, rsync, commit_public, [following]"

// settingError is a bad value of one setting; ParseConfig and ParsePost
// add the file and the line.
type settingError struct {
	name, value string // the setting's dotted name and its value
	msg         string
}

func (e *settingError) Error() string { return e.msg }

// checkBaseURL checks that value, the setting name, is an absolute
// http(s) URL that other URLs are made from (why): without ?query or
// #fragment. It returns value ending in "/".
func checkBaseURL(name, what, value, why string) (string, error) {
	u, err := checkAbsURL(name, what, value)
	if err != nil {
		return "", err
	}
	if u.RawQuery != "" || u.ForceQuery || strings.Contains(value, "#") {
		return "", &settingError{name: name, value: value, msg: fmt.Sprintf("%s %q must be a base URL without ?query or #fragment (%s)", what, value, why)}
	}
	if !strings.HasSuffix(u.Path, "/") {
		value += "/"
	}
	return value, nil
}

func (c *Config) validate() error {
	if c.Title == "" || c.Author == "" {
		return errors.New("title and author must be set")
	}
	var err error
	if c.URL, err = checkBaseURL("url", "url", c.URL, "post and feed URLs are made from it"); err != nil {
		return err
	}
	for _, h := range c.Hubs {
		if _, err := checkAbsURL("hubs", "hub", h); err != nil {
			return err
		}
	}
	for i, h := range c.RSSCloud {
		if c.RSSCloud[i], err = checkBaseURL("rsscloud_hubs", "rsscloud_hubs entry", h, "pleaseNotify and ping are added to it"); err != nil {
			return err
		}
	}
	if c.Webmention != "" {
		if _, err := checkAbsURL("webmention", "webmention", c.Webmention); err != nil {
			return err
		}
	}
	if c.Avatar != "" && !avatarName.MatchString(c.Avatar) {
		return &settingError{name: "avatar", value: c.Avatar, msg: fmt.Sprintf("avatar %q must be an image file name in the site directory (.png, .jpg, .gif or .webp); set it with feedpub profile --avatar FILE", c.Avatar)}
	}
	if c.FeedSize < 0 || c.ArchiveSize < 0 {
		return errors.New("feed_size and archive_size must be positive")
	}
	if c.FeedSize == 0 {
		c.FeedSize = DefaultFeedSize
	}
	if c.ArchiveSize == 0 {
		c.ArchiveSize = c.FeedSize
	}
	if err := c.Publish.validate(); err != nil {
		return err
	}
	for _, nick := range c.nicks() {
		if !nickPattern.MatchString(nick) {
			return &settingError{name: "following." + nick, msg: fmt.Sprintf("[following]: %q is not a valid nick (letters, digits, _ . -)", nick)}
		}
		if _, err := checkAbsURL("following."+nick, "[following] "+nick, c.Following[nick]); err != nil {
			return err
		}
	}
	return nil
}

func (p PublishConfig) validate() error {
	if p.Branch != "" && (strings.HasPrefix(p.Branch, "-") || strings.ContainsAny(p.Branch, " ~^:?*[\\")) {
		return &settingError{name: "publish.branch", value: p.Branch, msg: fmt.Sprintf("[publish] branch %q is not a git branch name", p.Branch)}
	}
	if strings.HasPrefix(p.Rsync, "-") {
		return &settingError{name: "publish.rsync", value: p.Rsync, msg: fmt.Sprintf("[publish] rsync %q must be a destination such as me@example.org:/var/www/site/", p.Rsync)}
	}
	return nil
}

// settingPlace says, for the name of a setting of the site, where it
// belongs, when it is found inside [following].
var settingPlace = map[string]string{
	"title": "top-level", "author": "top-level", "url": "top-level", "description": "top-level",
	"hubs": "top-level", "rsscloud_hubs": "top-level", "webmention": "top-level", "feed_size": "top-level", "archive_size": "top-level",
	"hub": "top-level (as hubs = [\"https://…\"])", "branch": "[publish]", "rsync": "[publish]", "commit_public": "[publish]",
}

// checkFollowingTable finds settings written inside [following] — which
// runs to the end of the file or the next [table], so a setting appended
// at the end of feedpub.toml lands in it — and values that are no feed URL.
func checkFollowingTable(path string, doc *tomlDoc) error {
	header := doc.headers["following"]
	for _, l := range doc.lines {
		nick, ok := strings.CutPrefix(l.name, "following.")
		if !ok || l.cont {
			continue
		}
		if place, ok := settingPlace[nick]; ok {
			return fmt.Errorf("%s: line %d: %q is a %s setting, but it is inside the [following] table that starts on line %d, where it would be read as a nick; move it above the [following] line",
				path, l.line, nick, place, header)
		}
		_, raw, _ := strings.Cut(l.text, "=")
		if v, ok := tomlString(strings.TrimSpace(raw)); !ok || !isHTTPURL(v) {
			return fmt.Errorf("%s: line %d: [following] %s = %s: not a feed URL; [following] (from line %d) holds nick = \"https://their.site/feed.atom\" lines, and a setting of the site goes above the [following] line",
				path, l.line, nick, strings.TrimSpace(raw), header)
		}
	}
	return nil
}

// tomlString reads a one-line TOML string value ("…" or '…') with
// nothing but a comment after it.
func tomlString(v string) (string, bool) {
	if strings.HasPrefix(v, "'") {
		end := strings.Index(v[1:], "'")
		return v[1 : end+1], end >= 0
	}
	if !strings.HasPrefix(v, `"`) {
		return "", false
	}
	q, err := strconv.QuotedPrefix(v)
	if err != nil {
		return "", false
	}
	s, err := strconv.Unquote(q)
	return s, err == nil
}

// nicks returns the [following] keys in sorted order.
func (c *Config) nicks() []string {
	out := make([]string, 0, len(c.Following))
	for k := range c.Following {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkAbsURL checks that s, the value of setting name (what, in the
// message), is an absolute http(s) URL.
func checkAbsURL(name, what, s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || !isHTTPURL(s) {
		return nil, &settingError{name: name, value: s, msg: fmt.Sprintf("%s %q is not an absolute http(s) URL (like https://alice.example/)", what, s)}
	}
	return u, nil
}

// isHTTPURL reports whether s is an absolute http or https URL with a host.
func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Opaque == ""
}

// FeedURL is the person's identity: BASE_URL + "feed.atom".
func (c *Config) FeedURL() string { return c.URL + "feed.atom" }

// RSSURL is BASE_URL + "feed.rss".
func (c *Config) RSSURL() string { return c.URL + "feed.rss" }

// JSONURL is BASE_URL + "feed.json".
func (c *Config) JSONURL() string { return c.URL + "feed.json" }

// FeedURLs lists every feed the site publishes, the Atom feed first.
func (c *Config) FeedURLs() []string { return []string{c.FeedURL(), c.RSSURL(), c.JSONURL()} }

// Subtitle is the feeds' one line about the site: the description, else
// the author's bio.
func (c *Config) Subtitle() string {
	if c.Description != "" {
		return c.Description
	}
	return c.Bio
}

// LikesPath is the likes feed's path in the output root.
const LikesPath = "likes.atom"

// LikesURL is BASE_URL + "likes.atom".
func (c *Config) LikesURL() string { return c.URL + LikesPath }

// AvatarURL is the avatar's URL, or "" when there is none.
func (c *Config) AvatarURL() string {
	if c.Avatar == "" {
		return ""
	}
	return c.URL + c.Avatar
}

var avatarName = regexp.MustCompile(`^avatar\.(png|jpg|gif|webp)$`)

// Permalink is BASE_URL + "posts/KEY/".
func (c *Config) Permalink(key string) string { return c.URL + "posts/" + key + "/" }

// Host is the host name of BASE_URL without any port, used in tag: IDs.
func (c *Config) Host() string {
	if c.idHost != "" {
		return c.idHost
	}
	u, _ := url.Parse(c.URL)
	return u.Hostname()
}

// WithBaseURL returns a copy of c whose pages and feeds link to base
// instead of BASE_URL, with the same entry IDs: a local preview's.
func (c *Config) WithBaseURL(base string) *Config {
	p := *c
	p.idHost = c.Host()
	p.URL = strings.TrimSuffix(base, "/") + "/"
	return &p
}

// InitOptions are the arguments of `feedpub init`.
type InitOptions struct {
	Title, Author, URL string
	Hubs               []string
	// Webmention is the endpoint to advertise with rel=webmention, if any.
	Webmention string
	// Host is the hosting set-up, one of Hosts; "" means "git".
	Host string
	// Rsync is the destination of the "rsync" host.
	Rsync string
}

// Hosts are the hosting set-ups `feedpub init --host` knows
// (docs/HOSTING.md): what `feedpub publish` does with public/.
var Hosts = []string{"git", "github-pages", "codeberg-pages", "netlify", "rsync"}

// PagesBranch is the branch feedpub init sets up for GitHub and Codeberg
// Pages: Codeberg serves it by default, GitHub when told to.
const PagesBranch = "pages"

// publishConfig is the [publish] table of a hosting set-up.
func (o InitOptions) publishConfig() (PublishConfig, error) {
	no := false
	switch o.Host {
	case "", "git":
		return PublishConfig{}, nil
	case "github-pages", "codeberg-pages":
		return PublishConfig{Branch: PagesBranch, CommitPublic: &no}, nil
	case "netlify":
		return PublishConfig{CommitPublic: &no}, nil
	case "rsync":
		if o.Rsync == "" {
			return PublishConfig{}, errors.New("--host rsync needs --rsync DEST, e.g. --rsync me@example.org:/var/www/site/")
		}
		return PublishConfig{Rsync: o.Rsync, CommitPublic: &no}, nil
	}
	return PublishConfig{}, fmt.Errorf("unknown host %q (known: %s)", o.Host, strings.Join(Hosts, ", "))
}

// Init creates DIR/feedpub.toml, DIR/posts/ and DIR/.gitignore (or adds
// to it), and DIR/netlify.toml for the netlify host. It refuses to
// overwrite an existing configuration.
func Init(dir string, o InitOptions) (*Config, error) {
	c := &Config{Title: o.Title, Author: o.Author, URL: o.URL, Hubs: o.Hubs, Webmention: o.Webmention}
	var err error
	if c.Publish, err = o.publishConfig(); err != nil {
		return nil, fmt.Errorf("init %s: %w", dir, err)
	}
	if o.Host == "rsync" && o.Rsync == "" || o.Rsync != "" && o.Host != "rsync" {
		return nil, fmt.Errorf("init %s: --rsync goes with --host rsync", dir)
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("init %s: %w", dir, err)
	}
	path := filepath.Join(dir, ConfigFile)
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("init %s: %s already exists; edit it instead", dir, path)
	}
	if err := os.MkdirAll(filepath.Join(dir, PostsDir), 0o755); err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	if err := os.WriteFile(path, c.encode(), 0o644); err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	if err := writeGitignore(dir, c.Publish.CommitsPublic()); err != nil {
		return nil, err
	}
	if o.Host == "netlify" {
		if err := writeNew(filepath.Join(dir, "netlify.toml"), netlifyTOML); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// StateDir is the site's private state directory (build state, sent
// Webmentions): never published or committed.
const StateDir = ".feedpub"

// writeGitignore adds to DIR/.gitignore the lines it lacks: the build
// state, and public/ unless it is committed with the posts.
func writeGitignore(dir string, commitPublic bool) error {
	path := filepath.Join(dir, ".gitignore")
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("init: reading %s: %w", path, err)
	}
	lines := []string{"# feedpub's build state: never commit it", StateDir + "/"}
	if !commitPublic {
		lines = append(lines, "# the built site: feedpub publish sends it to the host (see [publish] in feedpub.toml)", "public/")
	}
	var add strings.Builder
	for _, l := range lines {
		if !strings.Contains("\n"+string(old)+"\n", "\n"+l+"\n") {
			add.WriteString(l + "\n")
		}
	}
	if add.Len() == 0 {
		return nil
	}
	if len(old) > 0 && !bytes.HasSuffix(old, []byte("\n")) {
		old = append(old, '\n')
	}
	if err := os.WriteFile(path, append(old, add.String()...), 0o644); err != nil {
		return fmt.Errorf("init: writing %s: %w", path, err)
	}
	return nil
}

// writeNew writes a file that must not exist yet.
func writeNew(path, content string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	_, err = f.WriteString(content)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("init: writing %s: %w", path, err)
	}
	return nil
}

// netlifyTOML is the build set-up of a Netlify-style host, which builds
// the site itself from the pushed posts (docs/HOSTING.md).
const netlifyTOML = `# Netlify builds the site from the posts on every push (docs/HOSTING.md).
[build]
  command = "go run github.com/rookery-social/rookery/cmd/feedpub@latest build"
  publish = "public"

[build.environment]
  GO_VERSION = "1.26.8"
`

func (c *Config) encode() []byte {
	var b bytes.Buffer
	p := c.Publish
	line := func(comment, setting string, args ...any) {
		fmt.Fprintf(&b, "# %s\n"+setting+"\n", append([]any{comment}, args...)...)
	}
	b.WriteString("# feedpub site configuration. Every setting is here with what it does;\n" +
		"# top-level settings first, then [publish], and [following] last.\n\n")
	line("The site's title, on its pages and feeds.", "title = %s", quote(c.Title))
	line("The author's name.", "author = %s", quote(c.Author))
	line("Where the site is served (BASE_URL): links, feed URLs and post IDs are made from it.", "url = %s", quote(c.URL))
	line("One line about the site, for the feeds (\"\" for none).", "description = %s", quote(c.Description))
	hubs := make([]string, len(c.Hubs))
	for i, h := range c.Hubs {
		hubs[i] = quote(h)
	}
	line("WebSub hubs that push each new post to readers at once.", "hubs = [%s]", strings.Join(hubs, ", "))
	clouds := make([]string, len(c.RSSCloud))
	for i, h := range c.RSSCloud {
		clouds[i] = quote(h)
	}
	line("Hubs that also serve rssCloud (a Rookery hub does): feed.rss gets a <cloud> element\n# naming the first, and `feedpub ping` pings each.", "rsscloud_hubs = [%s]", strings.Join(clouds, ", "))
	line("Webmention endpoint to advertise, e.g. your `reader serve` (\"\" for none).", "webmention = %s", quote(c.Webmention))
	line("Entries in feed.atom, feed.rss and feed.json; older ones go to archive/NNNN.atom\n# (fewer when a feed would pass 1 MiB).", "feed_size = %d", DefaultFeedSize)
	line("Entries per archive document.", "archive_size = %d", DefaultFeedSize)
	b.WriteString("\n# What `feedpub publish` does with public/ once built (`feedpub init --host`\n# sets this up; see docs/HOSTING.md).\n[publish]\n")
	line("Commit public/ with the posts on the current branch.", "commit_public = %t", p.CommitsPublic())
	line("Push public/ as the root of this branch (GitHub Pages, Codeberg Pages); \"\" for none.", "branch = %s", quote(p.Branch))
	line("Copy public/ with rsync --delete to this destination, e.g. me@example.org:/var/www/site/; \"\" for none.", "rsync = %s", quote(p.Rsync))
	b.WriteString("\n# The address book for @nick mentions: nick = \"their feed URL\".\n" +
		"# [following] stays last: every line below it, to the end of the file, is\n" +
		"# in it. Put any other setting above it.\n[following]\n")
	return b.Bytes()
}

// quote writes s as a TOML basic string ("..."): backslash, quote and
// control characters escaped, everything else as is.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
