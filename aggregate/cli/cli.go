// Package cli is the `reader` command line: its subcommands and flags, in
// the convention of internal/command (flags before or after positional
// arguments, help, version, one error style); it calls package aggregate
// and prints its results, as text made safe for a terminal or as JSON.
// cmd/reader only calls Main.
package cli

import (
	"context"
	"flag"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/aggregate/sanitize"
	"github.com/rookery-social/rookery/internal/act"
	"github.com/rookery-social/rookery/internal/command"
	"github.com/rookery-social/rookery/internal/xdg"
)

// Command is one subcommand.
type Command struct {
	Usage   string // e.g. "follow URL [--nick NICK]"
	Summary string
	Run     func(ctx context.Context, app *App, c *Call) error
	// Flags declares the command's own flags (read them from Call.Flags);
	// --db and --json are always there. May be nil.
	Flags func(*flag.FlagSet)
}

// Call is one invocation of a command: its flags and positional arguments.
type Call struct {
	Flags *flag.FlagSet
	Args  []string
	DB    string // the database path (--db, READER_DB, or the XDG default)
	JSON  bool   // --json was given
	now   func() time.Time
	// MaxFeed is --max-feed-size (max_feed_size in the config): the
	// largest feed document fetched.
	MaxFeed size
}

// App is the CLI with its environment.
type App struct {
	Stdout   io.Writer
	Stderr   io.Writer
	Stdin    io.Reader
	Getenv   func(string) string
	Terminal bool // stderr is a terminal: show progress
	// Now is the clock (--since, polling, timestamps); nil means time.Now.
	Now func() time.Time
	// OpenSite writes the user's posts into their feedpub site (reply,
	// quote, repost, like, the web view's compose); nil: none can be.
	OpenSite act.Opener
}

// now is the App's clock.
func (a *App) now() func() time.Time {
	if a.Now == nil {
		return time.Now
	}
	return a.Now
}

// Main runs the CLI on the process's arguments and streams and returns
// the exit status; openSite writes the user's posts (publish/act.Open).
// It stops on SIGINT and SIGTERM by cancelling the context.
func Main(args []string, openSite act.Opener) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app := &App{Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin, Getenv: os.Getenv,
		Terminal: isTerminal(os.Stderr), OpenSite: openSite}
	return app.Run(ctx, args)
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Run runs one command line and returns the exit status: 0 on success, 1 on
// failure, 2 on a usage error.
func (a *App) Run(ctx context.Context, args []string) int {
	return a.program().Run(ctx, args)
}

// usagef is a usage error: printed with a hint to read the command's help,
// exit status 2.
func usagef(format string, args ...any) error {
	return command.Usagef(format, args...)
}

// program is the reader's command line in the convention of
// internal/command: --db and --json may also come before the command.
func (a *App) program() *command.Program {
	g := &globals{}
	cmds := a.commands()
	p := &command.Program{
		Name:    "reader",
		Summary: "follow feeds, read the timeline, threads, mentions and search, on a local database",
		Global: func(fs *flag.FlagSet) {
			fs.StringVar(&g.db, "db", "", "database `PATH` (env READER_DB)")
			fs.BoolVar(&g.json, "json", false, "print JSON")
			fs.Var(&g.maxFeed, "max-feed-size", maxFeedHelp)
		},
		Notes: "The database is --db, else $READER_DB, else db in the config file, else $XDG_DATA_HOME/rookery/reader.db.\n" +
			"The config file ($READER_CONFIG, else $XDG_CONFIG_HOME/rookery/reader.toml) gives flag defaults:\n" +
			"db = \"PATH\", max_feed_size = \"20MiB\" and site = \"DIR\" (your feedpub site: reply, repost, quote, like, the web view) at the top, and a [COMMAND] table of that command's flags,\n" +
			"e.g. [serve] url = \"https://…\". A leading ~/ in a path is your home directory.",
		Defaults:  func(cmd *command.Command, fs *flag.FlagSet) error { return a.defaults(cmd.Name, fs, g, cmds) },
		ErrorText: func(err error) string { return sanitize.Terminal(err.Error()) },
		Stdout:    a.Stdout, Stderr: a.Stderr,
	}
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p.Commands = append(p.Commands, a.command(n, cmds[n], g))
	}
	return p
}

// globals are the flags given before the command.
type globals struct {
	db      string
	json    bool
	maxFeed size
}

const maxFeedHelp = "largest feed document fetched: a `size` in bytes or with a unit (512KiB, 20MiB) (config max_feed_size)"

// command is cmd in the convention of internal/command: its flags, --db
// and --json, and a Call for its Run.
func (a *App) command(name string, cmd Command, g *globals) *command.Command {
	h := help[name]
	return &command.Command{
		Name: name, Usage: cmd.Usage, Summary: cmd.Summary, Args: h.args, Examples: h.examples,
		Flags: func(fs *flag.FlagSet) command.Action {
			c := &Call{Flags: fs, now: a.now()}
			fs.StringVar(&c.DB, "db", g.db, "database `PATH` (env READER_DB)")
			fs.BoolVar(&c.JSON, "json", g.json, "print JSON")
			c.MaxFeed = g.maxFeed
			fs.Var(&c.MaxFeed, "max-feed-size", maxFeedHelp)
			if cmd.Flags != nil {
				cmd.Flags(fs)
			}
			return func(ctx context.Context, args []string) error {
				c.Args = args
				if err := c.resolveDB(); err != nil {
					return err
				}
				return cmd.Run(ctx, a, c)
			}
		},
	}
}

// defaults sets the flag defaults of the config file; then --db before the
// command, else READER_DB, win over it. Flags after the command, parsed
// next, win over all.
func (a *App) defaults(name string, fs *flag.FlagSet, g *globals, cmds map[string]Command) error {
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	if err := cfg.apply(name, fs, cmds); err != nil {
		return err
	}
	if g.maxFeed.set {
		if err := fs.Set("max-feed-size", g.maxFeed.String()); err != nil {
			return err
		}
	}
	if g.db != "" {
		return fs.Set("db", g.db)
	}
	if env := a.Getenv("READER_DB"); env != "" {
		return fs.Set("db", env)
	}
	return nil
}

// resolveDB sets the call's database path: ~ expanded, else the XDG
// default.
func (c *Call) resolveDB() error {
	if c.DB == "" {
		p, err := xdg.DataFile("reader.db")
		if err != nil {
			return err
		}
		c.DB = p
		return nil
	}
	p, err := xdg.ExpandHome(c.DB)
	if err != nil {
		return err
	}
	c.DB = p
	return nil
}

// open opens the reader database of a call.
func (a *App) open(ctx context.Context, c *Call) (*aggregate.Reader, error) {
	return aggregate.Open(ctx, c.DB, aggregate.Options{Now: a.now(), MaxFeedBytes: c.MaxFeed.bytes,
		MaxFeedSetting: "--max-feed-size or max_feed_size in the config (now " + c.MaxFeed.String() + ")"})
}

func (a *App) commands() map[string]Command {
	return builtins()
}
