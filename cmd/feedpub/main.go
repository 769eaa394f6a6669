// Command feedpub writes, renders and publishes a microblog kept in a git
// repository: Markdown posts in, a static site with Atom, RSS and JSON feeds
// out, then a push, a WebSub hub ping and Webmentions.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"time"

	"github.com/rookery-social/rookery/publish"
	"github.com/rookery-social/rookery/site"
)

const usage = `usage:
  feedpub init DIR --title TITLE --author NAME --url BASE_URL [--hub HUB_URL]...
  feedpub post [--dir DIR] [--reply-to URL] [--tag TAG]... [TEXT]
  feedpub build [--dir DIR] [--out PATH] [--verify]
  feedpub ping [--dir DIR]
  feedpub publish [--dir DIR] [--wait 2m] [--interval 2s] [--message MSG]
  feedpub serve [--dir DIR] [--addr 127.0.0.1:8000]
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:])
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "feedpub:", strings.TrimPrefix(err.Error(), "publish: "))
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return flag.ErrHelp
	}
	cmds := map[string]func(context.Context, []string) error{
		"init": cmdInit, "post": cmdPost, "build": cmdBuild,
		"ping": cmdPing, "publish": cmdPublish, "serve": cmdServe,
	}
	fn, ok := cmds[args[0]]
	if !ok {
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return fn(ctx, args[1:])
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// parse parses flags that may come before or after positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(os.Stderr)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func cmdInit(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	var o publish.InitOptions
	fs.StringVar(&o.Title, "title", "", "site title")
	fs.StringVar(&o.Author, "author", "", "author name")
	fs.StringVar(&o.URL, "url", "", "BASE_URL where the site is served, e.g. https://alice.example/")
	fs.Var((*multi)(&o.Hubs), "hub", "WebSub hub URL (repeatable)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("init takes one directory: feedpub init DIR --title TITLE --author NAME --url BASE_URL")
	}
	if _, err := publish.Init(pos[0], o); err != nil {
		return err
	}
	fmt.Printf("created %s/%s and %s/posts/\n", pos[0], publish.ConfigFile, pos[0])
	created, err := publish.InitRepo(ctx, pos[0])
	if created {
		fmt.Printf("initialized a git repository in %s\n", pos[0])
	}
	return err
}

func cmdPost(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("post", flag.ContinueOnError)
	dir := fs.String("dir", ".", "site directory")
	var o publish.PostOptions
	fs.StringVar(&o.ReplyTo, "reply-to", "", "URL of the post this replies to")
	fs.Var((*multi)(&o.Tags), "tag", "tag (repeatable)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if o.Text, err = publish.ReadText(pos, os.Stdin); err != nil {
		return err
	}
	path, err := publish.CreatePost(ctx, *dir, o)
	if err != nil {
		return err
	}
	fmt.Println(path)
	return nil
}

func cmdBuild(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	var o site.Options
	fs.StringVar(&o.Dir, "dir", ".", "site directory")
	fs.StringVar(&o.Out, "out", "", "output directory (default DIR/public)")
	fs.BoolVar(&o.Verify, "verify", false, "check every output file the last build wrote, and rewrite those changed or removed since\n"+
		"(without it, post pages are only checked to still have their directory; publish and serve check all)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	// A build is a short-lived process whose heap is mostly the build
	// state it holds until it exits: collecting at every doubling of it
	// cost some 10% of the CPU of a build after one new post.
	debug.SetGCPercent(400)
	o.OneShot = true // the process ends after this build
	res, err := site.Build(o)
	if err != nil {
		return err
	}
	fmt.Printf("built %d posts: %d files written, %d unchanged, %d removed\n",
		len(res.Site.Entries), len(res.Written), res.Unchanged, len(res.Removed))
	return nil
}

func cmdPing(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("ping", flag.ContinueOnError)
	dir := fs.String("dir", ".", "site directory")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	return publish.Ping(ctx, *dir, publish.PingOptions{Log: os.Stderr})
}

func cmdPublish(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("publish", flag.ContinueOnError)
	o := publish.PublishOptions{Log: os.Stderr}
	fs.StringVar(&o.Dir, "dir", ".", "site directory")
	fs.DurationVar(&o.Wait, "wait", 2*time.Minute, "how long to wait for the live feed to show the newest post (0: don't wait)")
	fs.DurationVar(&o.Interval, "interval", 2*time.Second, "time between checks of the live feed")
	fs.StringVar(&o.Message, "message", "", "git commit message")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	o.Build = func() (*publish.Site, error) {
		// What is committed and pushed must be exactly what the site
		// renders: check every output file, not only their directories.
		res, err := site.Build(site.Options{Dir: o.Dir, Verify: true})
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "built %d posts (%d files written)\n", len(res.Site.Entries), len(res.Written))
		return res.Site, nil
	}
	return publish.Publish(ctx, o)
}

func cmdServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var o site.ServeOptions
	fs.StringVar(&o.Dir, "dir", ".", "site directory")
	fs.StringVar(&o.Addr, "addr", "127.0.0.1:8000", "address to listen on")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	return site.Serve(ctx, o)
}
