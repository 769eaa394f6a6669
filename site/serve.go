package site

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rookery-social/rookery/internal/websub"
	"github.com/rookery-social/rookery/publish"
)

// ServeOptions configure Serve.
type ServeOptions struct {
	Dir      string
	Addr     string        // listen address, e.g. 127.0.0.1:8000
	Interval time.Duration // how often to look for changes; 0 means 500ms
	Logger   *slog.Logger  // nil means slog.Default()
	// Ready, when set, receives the listening address once serving.
	Ready chan<- string
}

// PreviewDir is where Serve builds the preview, relative to the site
// directory: apart from DIR/public, which keeps the production links.
const PreviewDir = StateDir + "/preview"

// Serve builds a preview of the site and serves it over HTTP, rebuilding
// whenever feedpub.toml or a post changes (it polls modification times).
// The preview is built into DIR/.feedpub/preview with the listening
// address as its base URL, as `hugo server` does, so that every link of
// its pages and feeds stays on the preview; entry IDs are the site's own,
// and DIR/public is left as it is. When the site's url is the listening
// address itself, there is nothing to rewrite: Serve builds and serves
// DIR/public, so a hub pinged after `feedpub build` fetches that build. A failed rebuild is logged and the
// previous output keeps being served. It returns when ctx ends. The
// options and the site's configuration are checked before anything is
// written or the port taken.
func Serve(ctx context.Context, o ServeOptions) error {
	site, err := o.check()
	if err != nil {
		return err
	}
	if o.Interval == 0 {
		o.Interval = 500 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("serving the preview: %w", err)
	}
	defer ln.Close()
	build := previewBuild(o.Dir, site, previewURL(ln.Addr()))
	// The inputs are fingerprinted before the first build, so a post written
	// during that build or just after the address is announced is rebuilt.
	last := fingerprint(o.Dir)
	// The first build checks every output file: it runs once, and what is
	// served must be what the site renders.
	first := build
	first.Verify = true
	res, err := Build(first)
	if err != nil {
		return err
	}
	var cfg atomic.Pointer[publish.Config]
	cfg.Store(res.Site.Config)
	srv := &http.Server{Handler: handler(build.out(), &cfg),
		ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	o.Logger.Info("serving", "url", previewURL(ln.Addr()), "dir", o.Dir, "preview", build.out())
	if o.Ready != nil {
		o.Ready <- ln.Addr().String()
	}
	watch(ctx, o, build, last, &cfg)
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutCtx)
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving the preview on %s: %w", ln.Addr(), err)
	}
	return nil
}

// previewBuild is how Serve builds: into the preview directory with the
// preview's base URL, or, when the site's own URL is the preview address
// (a site served from this machine, as in the demo), into public/ as
// `feedpub build` does, so that what a hub fetches there is what was built.
func previewBuild(dir string, site *publish.Config, base string) Options {
	if strings.TrimRight(site.URL, "/") == strings.TrimRight(base, "/") {
		return Options{Dir: dir}
	}
	return Options{Dir: dir, Out: filepath.Join(dir, filepath.FromSlash(PreviewDir)), BaseURL: base}
}

// previewURL is the base URL of a preview listening at addr; a wildcard
// address is previewed as localhost.
func previewURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + "/"
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// check reports a listen address that is not HOST:PORT, a negative
// interval, or a site directory without a valid feedpub.toml; it returns
// the site's configuration.
func (o ServeOptions) check() (*publish.Config, error) {
	_, port, err := net.SplitHostPort(o.Addr)
	if err == nil {
		_, err = net.LookupPort("tcp", port)
	}
	if err != nil {
		return nil, fmt.Errorf("serving the preview: --addr %q must be HOST:PORT such as 127.0.0.1:8000: %w", o.Addr, err)
	}
	if o.Interval < 0 {
		return nil, fmt.Errorf("serving the preview: the interval between looks for changes (%s) must not be negative", o.Interval)
	}
	c, err := publish.LoadConfig(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("serving the preview: %w", err)
	}
	return c, nil
}

// watch rebuilds with build when the inputs' fingerprint differs from
// last, until ctx ends.
func watch(ctx context.Context, o ServeOptions, build Options, last uint64, cfg *atomic.Pointer[publish.Config]) {
	t := time.NewTicker(o.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fp := fingerprint(o.Dir)
		if fp == last {
			continue
		}
		last = fp
		res, err := Build(build)
		if err != nil {
			o.Logger.Error("rebuild failed; still serving the previous build", "err", err)
			continue
		}
		cfg.Store(res.Site.Config)
		o.Logger.Info("rebuilt", "posts", len(res.Site.Entries), "written", len(res.Written))
	}
}

// feedTypes are the media types of the feed documents.
var feedTypes = map[string]string{
	".atom": "application/atom+xml; charset=utf-8",
	".rss":  "application/rss+xml; charset=utf-8",
	".json": "application/feed+json; charset=utf-8",
}

// handler serves the output directory, giving the feeds their media types
// and, since WebSub discovery reads headers first, Link headers rel=self
// and rel=hub.
func handler(root string, cfg *atomic.Pointer[publish.Config]) http.Handler {
	files := http.FileServer(http.Dir(root))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if typ, ok := feedTypes[path.Ext(r.URL.Path)]; ok {
			w.Header().Set("Content-Type", typ)
			c := cfg.Load()
			w.Header().Add("Link", websub.FormatLink(c.URL+strings.TrimPrefix(r.URL.Path, "/"), "self"))
			for _, h := range c.Hubs {
				w.Header().Add("Link", websub.FormatLink(h, "hub"))
			}
		}
		setETag(w, root, r.URL.Path)
		files.ServeHTTP(w, r)
	})
}

// setETag gives a file a validator finer than Last-Modified's whole
// seconds: two builds within one second must not look unchanged to a hub's
// conditional GET. The ETag is the file's size and modification time in
// nanoseconds, as static hosts derive theirs from the file.
func setETag(w http.ResponseWriter, root, urlPath string) {
	p := filepath.Join(root, filepath.FromSlash(path.Clean("/"+urlPath)))
	fi, err := os.Stat(p)
	if err != nil {
		return
	}
	if fi.IsDir() {
		if fi, err = os.Stat(filepath.Join(p, "index.html")); err != nil {
			return
		}
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%x-%x"`, fi.Size(), fi.ModTime().UnixNano()))
}

// fingerprint hashes the names, sizes and modification times of the inputs.
func fingerprint(dir string) uint64 {
	h := fnv.New64a()
	add := func(path string) {
		if fi, err := os.Stat(path); err == nil {
			fmt.Fprintf(h, "%s %d %d\n", path, fi.Size(), fi.ModTime().UnixNano())
		}
	}
	add(filepath.Join(dir, publish.ConfigFile))
	des, _ := os.ReadDir(filepath.Join(dir, publish.PostsDir))
	for _, de := range des {
		add(filepath.Join(dir, publish.PostsDir, de.Name()))
	}
	return h.Sum64()
}
