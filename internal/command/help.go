package command

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

const versionHelp = "print the version and exit"

// help prints the program's help: its commands with their synopses, or
// its Main command's help.
func (p *Program) help(w io.Writer) {
	if p.Main != nil {
		p.commandHelp(w, p.Main)
		return
	}
	fmt.Fprintf(w, "%s: %s\n\nusage:\n", p.Name, p.Summary)
	for _, c := range p.Commands {
		fmt.Fprintf(w, "  %s %s\n      %s\n", p.Name, c.Usage, c.Summary)
	}
	fmt.Fprintf(w, "  %s help [COMMAND]\n      this help, or a command's: its arguments, flags and examples (also -h, --help)\n", p.Name)
	fmt.Fprintf(w, "  %s version\n      %s (also --version)\n", p.Name, versionHelp)
	fmt.Fprintf(w, "  %s completion SHELL\n      %s\n", p.Name, completionHelp)
	if p.Global != nil {
		fs := flag.NewFlagSet(p.Name, flag.ContinueOnError)
		p.Global(fs)
		fmt.Fprintf(w, "\nflags before COMMAND (every command takes them too):\n")
		p.printFlags(w, fs)
	}
	if p.Notes != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(p.Notes))
	}
}

// commandHelp prints a command's synopsis, description, positional
// arguments, every flag with its default, and examples.
func (p *Program) commandHelp(w io.Writer, c *Command) {
	fmt.Fprintf(w, "usage: %s %s\n\n%s\n", p.Name, c.Usage, c.Summary)
	if c.Help != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.Help))
	}
	if len(c.Args) > 0 {
		fmt.Fprintf(w, "\narguments:\n")
		for _, a := range c.Args {
			fmt.Fprintf(w, "  %s\n    \t%s\n", a.Name, a.Help)
		}
	}
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	c.Flags(fs)
	fmt.Fprintf(w, "\nflags (before or after the arguments):\n")
	p.printFlags(w, fs)
	if c == p.Main {
		fmt.Fprintf(w, "  --version\n    \t%s\n", versionHelp)
	}
	fmt.Fprintf(w, "  -h, --help\n    \tthis help\n")
	if c == p.Main {
		fmt.Fprintf(w, "\n%s completion SHELL\n    \t%s\n", p.Name, completionHelp)
	}
	if len(c.Examples) > 0 {
		fmt.Fprintf(w, "\nexamples:\n")
		for _, e := range c.Examples {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
}

// printFlags lists fs's flags: name, value placeholder, help, FlagNote
// and the default unless it is the zero value.
func (p *Program) printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		name, help := flag.UnquoteUsage(f)
		if len(f.Name) == 1 {
			fmt.Fprintf(w, "  -%s", f.Name)
		} else {
			fmt.Fprintf(w, "  --%s", f.Name)
		}
		if name != "" {
			fmt.Fprintf(w, " %s", name)
		}
		fmt.Fprintf(w, "\n    \t%s", strings.ReplaceAll(help, "\n", "\n    \t"))
		if p.FlagNote != nil {
			if note := p.FlagNote(f); note != "" {
				fmt.Fprintf(w, " %s", note)
			}
		}
		if d := defaultOf(f); d != "" {
			fmt.Fprintf(w, " (default %s)", d)
		}
		fmt.Fprintln(w)
	})
}

// defaultOf is f's default as the help shows it: quoted for a string,
// nothing for a zero value.
func defaultOf(f *flag.Flag) string {
	switch f.DefValue {
	case "", "false", "0", "0s", "[]":
		return ""
	}
	if g, ok := f.Value.(flag.Getter); ok {
		if _, isString := g.Get().(string); isString {
			return fmt.Sprintf("%q", f.DefValue)
		}
	}
	return f.DefValue
}

// helpCommand is `PROGRAM help [COMMAND]`.
func (p *Program) helpCommand(args []string) error {
	switch {
	case len(args) == 0:
		p.help(p.Stdout)
	case len(args) == 1 && p.command(args[0]) != nil:
		p.commandHelp(p.Stdout, p.command(args[0]))
	case len(args) == 1 && args[0] == "completion":
		p.commandHelp(p.Stdout, p.completionCommand())
	case p.Main != nil:
		return Usagef("%s has no commands", p.Name)
	case len(args) == 1:
		return Usagef("no command %q", args[0])
	default:
		return Usagef("help takes at most one command name")
	}
	return errDone
}
