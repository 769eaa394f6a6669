// Package command is the command-line convention of Rookery's three
// programs, feedpub, hub and reader: subcommands (or none), flags before or
// after positional arguments, `help`, `-h` and `--help` on the program and
// on every command, `--version` and `version`, and one error style
// (`PROGRAM: message` on stderr; exit 1, or 2 for a usage error with a hint
// naming the help to read).
//
// It does not know what the programs do: each one's CLI package declares
// its commands and flags and runs them.
//
// # Example
//
//	p := &command.Program{Name: "feedpub", Summary: "…", Commands: []*command.Command{{
//		Name: "build", Usage: "build [--dir DIR]", Summary: "render the site",
//		Examples: []string{"feedpub build --dir ~/site"},
//		Flags: func(fs *flag.FlagSet) command.Action {
//			dir := fs.String("dir", ".", "site directory")
//			return func(ctx context.Context, args []string) error { return build(*dir) }
//		},
//	}}}
//	os.Exit(p.Run(ctx, os.Args[1:]))
package command

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Program is a command-line program: either subcommands (Commands) or a
// single command run without a name (Main).
type Program struct {
	Name    string // the program's name, e.g. "feedpub"
	Summary string // one line saying what it is
	// Notes, when set, end the program's help.
	Notes string
	// Global declares the flags that may come before the command's name
	// (reader: --db, --json); nil for none. Not used with Main.
	Global func(fs *flag.FlagSet)
	// Commands are the subcommands, in the order the help lists them.
	Commands []*Command
	// Main is the program's only command when it has no subcommands.
	Main *Command
	// Defaults, when set, runs after a command's flags are declared and
	// before the command line is parsed: it sets the defaults an
	// environment variable or a configuration file gives. A flag on the
	// command line wins.
	Defaults func(cmd *Command, fs *flag.FlagSet) error
	// FlagNote, when set, adds to each flag's line in the help, e.g. the
	// environment variable that sets it.
	FlagNote func(f *flag.Flag) string
	// ErrorText, when set, turns an error into the message printed;
	// otherwise it is err.Error().
	ErrorText func(error) string
	// Stdout and Stderr default to the process's.
	Stdout, Stderr io.Writer
}

// Command is one subcommand, or a program's Main.
type Command struct {
	Name string // e.g. "post"; empty for Main
	// Usage is its synopsis after the program's name, e.g.
	// "post [--dir DIR] [--tag TAG]... [TEXT]".
	Usage   string
	Summary string // one line
	// Help, when set, is a longer description printed in its help.
	Help string
	// Args describes the positional arguments, in order.
	Args []Arg
	// Examples are whole command lines, at least one.
	Examples []string
	// Flags declares the command's flags on fs and returns what runs it
	// with its positional arguments once they are parsed. Help calls it
	// too, only to list the flags.
	Flags func(fs *flag.FlagSet) Action
}

// Arg is a positional argument as the help shows it.
type Arg struct {
	Name string // as in Usage, e.g. "TEXT"
	Help string
}

// Action runs a command with its positional arguments.
type Action func(ctx context.Context, args []string) error

// Run runs one command line and returns the exit status: 0 on success or
// when help or the version was asked for, 1 on failure, 2 on a usage
// error.
func (p *Program) Run(ctx context.Context, args []string) int {
	if p.Stdout == nil {
		p.Stdout = os.Stdout
	}
	if p.Stderr == nil {
		p.Stderr = os.Stderr
	}
	err := p.run(ctx, args)
	var ue *UsageError
	switch {
	case err == nil || errors.Is(err, errDone):
		return 0
	case errors.As(err, &ue):
		p.printError(ue.Err)
		fmt.Fprintf(p.Stderr, "see `%s`\n", strings.TrimSpace(p.Name+" help "+ue.command))
		return 2
	default:
		p.printError(err)
		return 1
	}
}

// errDone ends a run that printed help or the version.
var errDone = errors.New("done")

func (p *Program) printError(err error) {
	msg := err.Error()
	if p.ErrorText != nil {
		msg = p.ErrorText(err)
	}
	// An error of the program's own package (hub's, for the hub) names it
	// already.
	if !strings.HasPrefix(msg, p.Name+": ") {
		msg = p.Name + ": " + msg
	}
	fmt.Fprintln(p.Stderr, msg)
}

func (p *Program) run(ctx context.Context, args []string) error {
	if p.Main != nil {
		return p.runMain(ctx, args)
	}
	global := p.flagSet(p.Name)
	if p.Global != nil {
		p.Global(global)
	}
	if err := global.Parse(args); err != nil {
		return p.flagError(nil, err)
	}
	if global.Lookup("version").Value.String() == "true" {
		return p.version(nil)
	}
	args = global.Args()
	if len(args) == 0 {
		p.help(p.Stderr)
		return Usagef("no command given")
	}
	switch args[0] {
	case "help":
		return p.helpCommand(args[1:])
	case "version":
		return p.version(args[1:])
	case "completion":
		return p.runBuiltin(ctx, p.completionCommand(), args[1:])
	}
	cmd := p.command(args[0])
	if cmd == nil {
		return Usagef("unknown command %q", args[0])
	}
	return p.runCommand(ctx, cmd, args[1:])
}

func (p *Program) runMain(ctx context.Context, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "help":
			return p.helpCommand(args[1:])
		case "version":
			return p.version(args[1:])
		case "completion":
			return p.runBuiltin(ctx, p.completionCommand(), args[1:])
		}
	}
	return p.runCommand(ctx, p.Main, args)
}

func (p *Program) runCommand(ctx context.Context, cmd *Command, args []string) error {
	fs := p.flagSet(strings.TrimSpace(p.Name + " " + cmd.Name))
	action := cmd.Flags(fs)
	if p.Defaults != nil {
		if err := p.Defaults(cmd, fs); err != nil {
			return err
		}
	}
	if p.Main != nil { // after Defaults: no environment variable sets it
		fs.Bool("version", false, versionHelp)
	}
	pos, err := Parse(fs, args)
	if err != nil {
		return p.flagError(cmd, err)
	}
	if f := fs.Lookup("version"); p.Main != nil && f.Value.String() == "true" {
		return p.version(nil)
	}
	err = action(ctx, pos)
	var ue *UsageError
	if errors.As(err, &ue) && ue.command == "" {
		ue.command = cmd.Name
	}
	return err
}

func (p *Program) flagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if p.Main == nil && name == p.Name {
		fs.Bool("version", false, versionHelp)
	}
	return fs
}

// flagError turns what flag.FlagSet.Parse returned into help or a usage
// error of cmd (nil: of the program).
func (p *Program) flagError(cmd *Command, err error) error {
	if errors.Is(err, flag.ErrHelp) {
		if cmd == nil || cmd == p.Main {
			p.help(p.Stdout)
		} else {
			p.commandHelp(p.Stdout, cmd)
		}
		return errDone
	}
	ue := &UsageError{Err: err}
	if cmd != nil {
		ue.command = cmd.Name
	}
	return ue
}

func (p *Program) command(name string) *Command {
	for _, c := range p.Commands {
		if c.Name == name {
			return c
		}
	}
	return nil
}
