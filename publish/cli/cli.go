// Package cli is the `feedpub` command line: it declares feedpub's commands
// and flags in the convention of internal/command and calls packages
// publish (posts, feeds, pings), site (build, preview) and workflow
// (publish). cmd/feedpub only calls Main.
package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"time"

	"github.com/rookery-social/rookery/internal/command"
	"github.com/rookery-social/rookery/publish"
	"github.com/rookery-social/rookery/publish/workflow"
	"github.com/rookery-social/rookery/site"
)

// Main runs feedpub on the process's arguments and streams and returns the
// exit status. SIGINT cancels the running command.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return Program(os.Stdin, os.Stdout, os.Stderr).Run(ctx, args)
}

// Program is feedpub's command line reading stdin and writing to stdout
// and stderr.
func Program(stdin *os.File, stdout, stderr io.Writer) *command.Program {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	return &command.Program{
		Name:    "feedpub",
		Summary: "write, render and publish a microblog kept in a git repository",
		Commands: []*command.Command{
			a.initCommand(), a.postCommand(), a.repostCommand(), a.quoteCommand(), a.likeCommand(),
			a.editCommand(), a.deleteCommand(), a.profileCommand(), a.buildCommand(),
			a.pingCommand(), a.publishCommand(), a.serveCommand(),
		},
		Notes:  "A site is a directory with feedpub.toml and posts/; most commands take it as --dir (default: the current directory).",
		Stdout: stdout, Stderr: stderr,
	}
}

type app struct {
	stdin          *os.File
	stdout, stderr io.Writer
}

func dirFlag(fs *flag.FlagSet) *string {
	return fs.String("dir", ".", "site `DIR`ectory")
}

func (a *app) initCommand() *command.Command {
	return &command.Command{
		Name:    "init",
		Usage:   "init DIR --title TITLE --author NAME --url BASE_URL [--hub HUB_URL]... [--webmention URL] [--host HOST [--rsync DEST]]",
		Summary: "create a site: DIR/feedpub.toml, DIR/posts/, DIR/.gitignore, and a git repository unless DIR is in one",
		Help: "--host sets up how `feedpub publish` gets public/ to the host (docs/HOSTING.md):\n" +
			"  git             commit public/ with the posts and push (the default)\n" +
			"  github-pages    push public/ as the root of branch \"pages\"; serve that branch in the repository's Pages settings\n" +
			"  codeberg-pages  the same; Codeberg Pages serves branch \"pages\"\n" +
			"  netlify         push the posts only; the host builds the site (writes netlify.toml)\n" +
			"  rsync           copy public/ to a web server's directory with rsync (--rsync DEST)",
		Args: []command.Arg{{Name: "DIR", Help: "the site directory to create (may exist, without feedpub.toml)"}},
		Examples: []string{
			`feedpub init ~/site --title "Alice's microblog" --author alice --url https://alice.example/ --hub https://hub.example/`,
			`feedpub init ~/site --title Notes --author alice --url https://alice.codeberg.page/ --host codeberg-pages`,
			`feedpub init ~/site --title Notes --author alice --url https://alice.example/ --host rsync --rsync alice@alice.example:/var/www/alice/`,
		},
		Flags: func(fs *flag.FlagSet) command.Action {
			var o publish.InitOptions
			fs.StringVar(&o.Title, "title", "", "site `TITLE`")
			fs.StringVar(&o.Author, "author", "", "author `NAME`")
			fs.StringVar(&o.URL, "url", "", "`BASE_URL` where the site is served, e.g. https://alice.example/")
			fs.Var((*command.Strings)(&o.Hubs), "hub", "WebSub `HUB_URL` (repeatable)")
			fs.StringVar(&o.Webmention, "webmention", "", "Webmention endpoint `URL` to advertise, e.g. your reader serve's {--url}/webmention")
			fs.StringVar(&o.Host, "host", "git", "hosting set-up `HOST`: "+strings.Join(publish.Hosts, ", "))
			fs.StringVar(&o.Rsync, "rsync", "", "rsync destination `DEST` for --host rsync, e.g. me@example.org:/var/www/site/")
			return func(ctx context.Context, args []string) error {
				if len(args) != 1 {
					return command.Usagef("init takes one directory: feedpub init DIR --title TITLE --author NAME --url BASE_URL")
				}
				return a.init(ctx, args[0], o)
			}
		},
	}
}

func (a *app) init(ctx context.Context, dir string, o publish.InitOptions) error {
	if _, err := publish.Init(dir, o); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "created %s/%s, %s/posts/ and %s/.gitignore\n", dir, publish.ConfigFile, dir, dir)
	if note := hostNote(o); note != "" {
		fmt.Fprintln(a.stdout, note)
	}
	created, err := workflow.InitRepo(ctx, dir)
	if created {
		fmt.Fprintf(a.stdout, "initialized a git repository in %s\n", dir)
	}
	return err
}

func (a *app) postCommand() *command.Command {
	return &command.Command{
		Name:    "post",
		Usage:   "post [--dir DIR] [--reply-to URL] [--tag TAG]... [TEXT]",
		Summary: "write a new post file under posts/ and print its path",
		Args: []command.Arg{{Name: "TEXT", Help: "the post's Markdown (words are joined by spaces); none: stdin, or $EDITOR on a terminal. " +
			"#hashtags become tags; each @nick must be in [following]"}},
		Examples: []string{
			`feedpub post "Hello, world #intro"`,
			`echo "From stdin works too" | feedpub post`,
			`feedpub post --reply-to https://bob.example/posts/x7y8/ "Agreed, @bob!" --tag web`,
		},
		Flags: func(fs *flag.FlagSet) command.Action {
			dir := dirFlag(fs)
			var o publish.PostOptions
			fs.StringVar(&o.ReplyTo, "reply-to", "", "`URL` of the post this replies to (fetched now)")
			fs.Var((*command.Strings)(&o.Tags), "tag", "`TAG` (repeatable)")
			return func(ctx context.Context, args []string) error {
				var err error
				if o.Text, err = publish.ReadText(args, a.stdin); err != nil {
					return err
				}
				o.Now = time.Now()
				path, err := publish.CreatePost(ctx, *dir, o)
				if err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, path)
				return nil
			}
		},
	}
}

func (a *app) buildCommand() *command.Command {
	return &command.Command{
		Name:     "build",
		Usage:    "build [--dir DIR] [--out PATH] [--verify]",
		Summary:  "render the site into DIR/public (incremental; same input, same bytes)",
		Examples: []string{"feedpub build", "feedpub build --verify --dir ~/site"},
		Flags: func(fs *flag.FlagSet) command.Action {
			var o site.Options
			fs.StringVar(&o.Dir, "dir", ".", "site `DIR`ectory")
			fs.StringVar(&o.Out, "out", "", "output directory `PATH` (default DIR/public)")
			fs.BoolVar(&o.Verify, "verify", false, "check every output file the last build wrote, and rewrite those changed or removed since\n"+
				"(without it, post pages are only checked to still have their directory; publish and serve check all)")
			return func(_ context.Context, args []string) error {
				if len(args) > 0 {
					return command.Usagef("build takes no arguments (the site directory is --dir)")
				}
				return a.build(o)
			}
		},
	}
}

func (a *app) build(o site.Options) error {
	// A build is a short-lived process whose heap is mostly the build
	// state it holds until it exits: collecting at every doubling of it
	// costs more than the memory saved (bench/profiles.md).
	debug.SetGCPercent(400)
	res, err := site.Build(o)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "built %d posts: %d files written, %d unchanged, %d removed\n",
		len(res.Site.Entries), len(res.Written), res.Unchanged, len(res.Removed))
	return nil
}

func (a *app) pingCommand() *command.Command {
	return &command.Command{
		Name:     "ping",
		Usage:    "ping [--dir DIR]",
		Summary:  "tell the hubs the feeds changed, and send the Webmentions not sent yet",
		Examples: []string{"feedpub ping --dir ~/site"},
		Flags: func(fs *flag.FlagSet) command.Action {
			dir := dirFlag(fs)
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return command.Usagef("ping takes no arguments (the site directory is --dir)")
				}
				return publish.Ping(ctx, *dir, publish.PingOptions{Log: a.stderr, Now: time.Now})
			}
		},
	}
}

func (a *app) publishCommand() *command.Command {
	return &command.Command{
		Name:     "publish",
		Usage:    "publish [--dir DIR] [--wait 2m] [--interval 2s] [--message MSG]",
		Summary:  "build, commit, push, wait until the live feed shows the newest post, ping the hubs, send Webmentions",
		Examples: []string{"feedpub publish", `feedpub publish --wait 5m --message "new post"`},
		Flags: func(fs *flag.FlagSet) command.Action {
			o := workflow.Options{Log: a.stderr, Now: time.Now}
			fs.StringVar(&o.Dir, "dir", ".", "site `DIR`ectory")
			fs.DurationVar(&o.Wait, "wait", 2*time.Minute, "how long to wait for the live feed to show the newest post (0: don't wait)")
			fs.DurationVar(&o.Interval, "interval", 2*time.Second, "time between checks of the live feed")
			fs.StringVar(&o.Message, "message", "", "git commit `MSG` (default: feedpub: publish (N posts))")
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return command.Usagef("publish takes no arguments (the site directory is --dir)")
				}
				return workflow.Publish(ctx, o)
			}
		},
	}
}

func (a *app) serveCommand() *command.Command {
	return &command.Command{
		Name:    "serve",
		Usage:   "serve [--dir DIR] [--addr 127.0.0.1:8000]",
		Summary: "serve a local preview, rebuilt whenever a post or feedpub.toml changes",
		Help: "The preview is built into DIR/.feedpub/preview with the listening address as its base URL, so every link\n" +
			"of its pages and feeds stays on the preview (entry IDs stay the site's own); DIR/public is left as it is.",
		Examples: []string{"feedpub serve --addr 127.0.0.1:8000"},
		Flags: func(fs *flag.FlagSet) command.Action {
			var o site.ServeOptions
			fs.StringVar(&o.Dir, "dir", ".", "site `DIR`ectory")
			fs.StringVar(&o.Addr, "addr", "127.0.0.1:8000", "`host:port` to listen on")
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return command.Usagef("serve takes no arguments (the site directory is --dir)")
				}
				return site.Serve(ctx, o)
			}
		},
	}
}

// hostNote says what init set up for o.Host and what is left to do.
func hostNote(o publish.InitOptions) string {
	switch o.Host {
	case "github-pages":
		return "host github-pages: `feedpub publish` pushes public/ as the root of branch " + publish.PagesBranch +
			"; after the first publish, choose Settings → Pages → Deploy from a branch → " + publish.PagesBranch + " / (root) (docs/HOSTING.md)"
	case "codeberg-pages":
		return "host codeberg-pages: `feedpub publish` pushes public/ as the root of branch " + publish.PagesBranch + ", which Codeberg Pages serves (docs/HOSTING.md)"
	case "netlify":
		return "host netlify: wrote netlify.toml; `feedpub publish` pushes the posts and the host builds the site (docs/HOSTING.md)"
	case "rsync":
		return "host rsync: `feedpub publish` copies public/ to " + o.Rsync + " with rsync --delete (docs/HOSTING.md)"
	}
	return ""
}
