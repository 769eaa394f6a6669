// Package cli is the `reader` command line: it parses subcommands and flags
// (flags may come before or after positional arguments), calls package
// aggregate and prints its results, as text made safe for a terminal or as
// JSON. cmd/reader only calls Main.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/aggregate/sanitize"
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
}

// App is the CLI with its environment.
type App struct {
	Stdout   io.Writer
	Stderr   io.Writer
	Stdin    io.Reader
	Getenv   func(string) string
	Terminal bool // stderr is a terminal: show progress
	// Extra adds commands (e.g. "serve") to the built-in ones.
	Extra map[string]Command
}

// Main runs the CLI on the process's arguments and streams, with extra
// commands (may be nil) besides the built-in ones, and returns the exit
// status. It stops on SIGINT and SIGTERM by cancelling the context.
func Main(args []string, extra map[string]Command) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app := &App{Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin, Getenv: os.Getenv,
		Terminal: isTerminal(os.Stderr), Extra: extra}
	return app.Run(ctx, args)
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Run runs one command line and returns the exit status: 0 on success, 1 on
// failure, 2 on a usage error.
func (a *App) Run(ctx context.Context, args []string) int {
	err := a.run(ctx, args)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(a.Stderr, "reader: %s\n", ue.msg)
		return 2
	case errors.Is(err, flag.ErrHelp):
		return 0
	default:
		fmt.Fprintf(a.Stderr, "reader: %s\n", sanitize.Terminal(err.Error()))
		return 1
	}
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return usageError{msg: fmt.Sprintf(format, args...)}
}

func (a *App) run(ctx context.Context, args []string) error {
	global := flag.NewFlagSet("reader", flag.ContinueOnError)
	global.SetOutput(a.Stderr)
	db := global.String("db", "", "database file (env READER_DB)")
	asJSON := global.Bool("json", false, "print JSON")
	global.Usage = func() { a.usage(a.Stderr) }
	if err := global.Parse(args); err != nil {
		return err
	}
	if global.NArg() == 0 {
		a.usage(a.Stderr)
		return usagef("no command given")
	}
	name := global.Arg(0)
	cmd, ok := a.commands()[name]
	if !ok {
		if name == "help" {
			a.usage(a.Stdout)
			return nil
		}
		return usagef("unknown command %q (try `reader help`)", name)
	}
	call, err := a.parse(name, cmd, *db, *asJSON, global.Args()[1:])
	if err != nil {
		return err
	}
	return cmd.Run(ctx, a, call)
}

// parse parses a command's flags, which may come before, between or after
// its positional arguments.
func (a *App) parse(name string, cmd Command, db string, asJSON bool, args []string) (*Call, error) {
	fs := flag.NewFlagSet("reader "+name, flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(a.Stderr, "usage: reader %s\n", cmd.Usage)
		fs.PrintDefaults()
	}
	c := &Call{Flags: fs}
	fs.StringVar(&c.DB, "db", db, "database file (env READER_DB)")
	fs.BoolVar(&c.JSON, "json", asJSON, "print JSON")
	if cmd.Flags != nil {
		cmd.Flags(fs)
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	if err := cfg.apply(name, fs, a.commands()); err != nil {
		return nil, err
	}
	// --db before the command, then READER_DB, win over the config file.
	if db != "" {
		c.DB = db
	} else if env := a.Getenv("READER_DB"); env != "" {
		c.DB = env
	}
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		c.Args = append(c.Args, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if c.DB == "" {
		p, err := xdg.DataFile("reader.db")
		if err != nil {
			return nil, err
		}
		c.DB = p
	}
	return c, nil
}

// open opens the reader database of a call.
func (a *App) open(ctx context.Context, c *Call) (*aggregate.Reader, error) {
	return aggregate.Open(ctx, c.DB, aggregate.Options{})
}

func (a *App) commands() map[string]Command {
	cmds := builtins()
	for k, v := range a.Extra {
		cmds[k] = v
	}
	return cmds
}

func (a *App) usage(w io.Writer) {
	fmt.Fprintln(w, "usage: reader [--db PATH] COMMAND [ARGS] [--json]")
	fmt.Fprintln(w, "\ncommands:")
	cmds := a.commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-44s %s\n", cmds[n].Usage, cmds[n].Summary)
	}
	fmt.Fprintln(w, "\nThe database is --db, else $READER_DB, else db in the config file, else $XDG_DATA_HOME/rookery/reader.db.")
	fmt.Fprintln(w, "The config file ($READER_CONFIG, else $XDG_CONFIG_HOME/rookery/reader.toml) gives flag defaults:")
	fmt.Fprintln(w, "db = \"PATH\" at the top, and a [COMMAND] table of that command's flags, e.g. [serve] url = \"https://…\".")
}

// OpenReader opens the database of a call; for Extra commands.
func (a *App) OpenReader(ctx context.Context, c *Call) (*aggregate.Reader, error) {
	return a.open(ctx, c)
}
