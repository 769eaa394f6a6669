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
	Title       string   `toml:"title"`
	Author      string   `toml:"author"`
	URL         string   `toml:"url"` // BASE_URL, absolute, ends in "/"
	Description string   `toml:"description,omitempty"`
	Hubs        []string `toml:"hubs,omitempty"`
	// Webmention is the endpoint advertised with rel=webmention, if any.
	Webmention string `toml:"webmention,omitempty"`
	// FeedSize is the number of newest entries in the main feed.
	FeedSize int `toml:"feed_size,omitempty"`
	// ArchiveSize is the number of entries per RFC 5005 archive document;
	// 0 means FeedSize.
	ArchiveSize int `toml:"archive_size,omitempty"`
	// Following is the address book: nick → feed URL.
	Following map[string]string `toml:"following,omitempty"`
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
// is used in error messages.
func ParseConfig(path string, data []byte) (*Config, error) {
	var c Config
	if err := decodeStrict(data, &c); err != nil {
		switch pr := explainTOML(err); {
		case pr.unknown != "":
			return nil, fmt.Errorf("%s: line %d: unknown key %q (known: title, author, url, description, hubs, webmention, feed_size, archive_size, [following])", path, pr.line, pr.unknown)
		case pr.line > 0:
			return nil, fmt.Errorf("%s: line %d: %s", path, pr.line, pr.msg)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

func (c *Config) validate() error {
	if c.Title == "" || c.Author == "" {
		return errors.New("title and author must be set")
	}
	u, err := checkAbsURL("url", c.URL)
	if err != nil {
		return err
	}
	if !strings.HasSuffix(u.Path, "/") {
		c.URL += "/"
	}
	for _, h := range c.Hubs {
		if _, err := checkAbsURL("hub", h); err != nil {
			return err
		}
	}
	if c.Webmention != "" {
		if _, err := checkAbsURL("webmention", c.Webmention); err != nil {
			return err
		}
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
	for _, nick := range c.nicks() {
		if !nickPattern.MatchString(nick) {
			return fmt.Errorf("[following]: %q is not a valid nick (letters, digits, _ . -)", nick)
		}
		if _, err := checkAbsURL("[following] "+nick, c.Following[nick]); err != nil {
			return err
		}
	}
	return nil
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

func checkAbsURL(what, s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s %q is not an absolute http(s) URL (like https://alice.example/)", what, s)
	}
	return u, nil
}

// FeedURL is the person's identity: BASE_URL + "feed.atom".
func (c *Config) FeedURL() string { return c.URL + "feed.atom" }

// RSSURL is BASE_URL + "feed.rss".
func (c *Config) RSSURL() string { return c.URL + "feed.rss" }

// JSONURL is BASE_URL + "feed.json".
func (c *Config) JSONURL() string { return c.URL + "feed.json" }

// FeedURLs lists every feed the site publishes, the Atom feed first.
func (c *Config) FeedURLs() []string { return []string{c.FeedURL(), c.RSSURL(), c.JSONURL()} }

// Permalink is BASE_URL + "posts/KEY/".
func (c *Config) Permalink(key string) string { return c.URL + "posts/" + key + "/" }

// Host is the host name of BASE_URL without any port, used in tag: IDs.
func (c *Config) Host() string {
	u, _ := url.Parse(c.URL)
	return u.Hostname()
}

// InitOptions are the arguments of `feedpub init`.
type InitOptions struct {
	Title, Author, URL string
	Hubs               []string
}

// Init creates DIR/feedpub.toml and DIR/posts/. It refuses to overwrite an
// existing configuration.
func Init(dir string, o InitOptions) (*Config, error) {
	c := &Config{Title: o.Title, Author: o.Author, URL: o.URL, Hubs: o.Hubs}
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
	return c, nil
}

func (c *Config) encode() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# feedpub site configuration\ntitle = %s\nauthor = %s\nurl = %s\n", quote(c.Title), quote(c.Author), quote(c.URL))
	b.WriteString("hubs = [")
	for i, h := range c.Hubs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quote(h))
	}
	b.WriteString("]\n")
	b.WriteString("# webmention = \"https://me.example/webmention\"  # endpoint to advertise (your reader serve)\n")
	fmt.Fprintf(&b, "# feed_size = %d   # entries in feed.atom; older ones go to archive/NNNN.atom\n", DefaultFeedSize)
	b.WriteString("\n# Address book for @nick mentions: nick = \"their feed URL\"\n[following]\n")
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
