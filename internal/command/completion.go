package command

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// shells are the shells `PROGRAM completion SHELL` writes a script for.
var shells = []string{"bash", "zsh", "fish"}

const completionHelp = "print a shell completion script: bash, zsh or fish"

// completionCommand is the built-in `PROGRAM completion SHELL`.
func (p *Program) completionCommand() *Command {
	return &Command{Name: "completion", Usage: "completion SHELL", Summary: completionHelp,
		Args: []Arg{{Name: "SHELL", Help: "bash, zsh or fish"}},
		Examples: []string{p.Name + " completion fish > ~/.config/fish/completions/" + p.Name + ".fish",
			"source <(" + p.Name + " completion bash)"},
		Flags: func(*flag.FlagSet) Action {
			return func(_ context.Context, args []string) error { return p.completion(args) }
		}}
}

// runBuiltin runs a command of this package's own: help on -h, no
// Defaults (a config file's settings are not its flags).
func (p *Program) runBuiltin(ctx context.Context, cmd *Command, args []string) error {
	fs := p.flagSet(p.Name + " " + cmd.Name)
	action := cmd.Flags(fs)
	pos, err := Parse(fs, args)
	if err != nil {
		return p.flagError(cmd, err)
	}
	err = action(ctx, pos)
	var ue *UsageError
	if errors.As(err, &ue) && ue.command == "" {
		ue.command = cmd.Name
	}
	return err
}

// completion is `PROGRAM completion bash|zsh|fish`: a script completing
// the program's commands and each one's flags, made from the same tables
// as the help.
func (p *Program) completion(args []string) error {
	if len(args) != 1 {
		return Usagef("usage: %s completion bash|zsh|fish", p.Name)
	}
	switch args[0] {
	case "bash":
		p.bash(p.Stdout)
	case "zsh":
		fmt.Fprintf(p.Stdout, "#compdef %s\nautoload -U +X bashcompinit && bashcompinit\n", p.Name)
		p.bash(p.Stdout)
	case "fish":
		p.fish(p.Stdout)
	default:
		return Usagef("no completion for the shell %q: use %s", args[0], strings.Join(shells, ", "))
	}
	return errDone
}

// words are the command names (none for a Main program) and, per command
// ("" for the program itself), its flags as --name.
func (p *Program) words() (cmds []string, flags map[string][]string) {
	flags = map[string][]string{}
	names := func(declare func(*flag.FlagSet)) []string {
		var out []string
		visit(p.Name, declare, func(f *flag.Flag) { out = append(out, dashes(f.Name)) })
		return append(out, "--help")
	}
	if p.Main != nil {
		flags[""] = append(names(func(fs *flag.FlagSet) { p.Main.Flags(fs) }), "--version")
		return []string{"help", "version", "completion"}, flags
	}
	flags[""] = []string{"--help", "--version"}
	if p.Global != nil {
		flags[""] = append(names(p.Global), "--version")
	}
	for _, c := range p.Commands {
		cmds = append(cmds, c.Name)
		flags[c.Name] = names(func(fs *flag.FlagSet) { c.Flags(fs) })
	}
	sort.Strings(cmds)
	return append(cmds, "help", "version", "completion"), flags
}

// visit calls f for each flag declare declares.
func visit(name string, declare func(*flag.FlagSet), f func(*flag.Flag)) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	declare(fs)
	fs.VisitAll(f)
}

// valueFlags is a bash case pattern of the flags that take a value (all
// but booleans), of the program (global) or of any command, as -name and
// --name: "--db|-db|--times|-times", or "" when there are none.
func (p *Program) valueFlags(global bool) string {
	seen := map[string]bool{}
	var out []string
	add := func(f *flag.Flag) {
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); (ok && b.IsBoolFlag()) || seen[f.Name] {
			return
		}
		seen[f.Name] = true
		out = append(out, "--"+f.Name, "-"+f.Name)
	}
	switch {
	case p.Main != nil:
		visit(p.Name, func(fs *flag.FlagSet) { p.Main.Flags(fs) }, add)
	case p.Global != nil:
		visit(p.Name, p.Global, add)
	}
	if !global {
		for _, c := range p.Commands {
			visit(p.Name, func(fs *flag.FlagSet) { c.Flags(fs) }, add)
		}
	}
	return strings.Join(out, "|")
}

func dashes(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// bash writes a bash completion function: the first word that is neither
// a flag nor a global flag's value is the command; after it, its flags
// (or files); "help" completes command names and "completion" shells; a
// flag's value completes as a file name.
func (p *Program) bash(w io.Writer) {
	cmds, flags := p.words()
	fn := "_" + strings.ReplaceAll(p.Name, "-", "_") + "_complete"
	fmt.Fprintf(w, "# bash completion for %s; load with: source <(%s completion bash)\n", p.Name, p.Name)
	fmt.Fprintf(w, "%s() {\n\tlocal cur=\"${COMP_WORDS[COMP_CWORD]}\" cmd=\"\" i\n", fn)
	// The value of a flag given as two words is a file or a value, not
	// the command, and is completed as a file name.
	if v := p.valueFlags(false); v != "" {
		fmt.Fprintf(w, "\tcase \"${COMP_WORDS[COMP_CWORD-1]}\" in %s) COMPREPLY=($(compgen -f -- \"$cur\")); return ;; esac\n", v)
	}
	fmt.Fprintf(w, "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n\t\tcase \"${COMP_WORDS[i]}\" in ")
	if v := p.valueFlags(true); v != "" {
		fmt.Fprintf(w, "%s) ((i++)) ;; ", v)
	}
	fmt.Fprintf(w, "-*) ;; *) cmd=\"${COMP_WORDS[i]}\"; break ;; esac\n\tdone\n")
	fmt.Fprintf(w, "\tlocal words\n\tcase \"$cmd\" in\n")
	if p.Main == nil {
		fmt.Fprintf(w, "\t\t\"\") [[ $cur == -* ]] && words=%q || words=%q ;;\n", strings.Join(flags[""], " "), strings.Join(cmds, " "))
		fmt.Fprintf(w, "\t\thelp) words=%q ;;\n", strings.Join(cmds, " "))
	} else {
		fmt.Fprintf(w, "\t\t\"\") [[ $cur == -* ]] && words=%q || words=%q ;;\n", strings.Join(flags[""], " "), strings.Join(cmds, " "))
		fmt.Fprintf(w, "\t\thelp) words=\"\" ;;\n")
	}
	fmt.Fprintf(w, "\t\tcompletion) words=%q ;;\n", strings.Join(shells, " "))
	for _, c := range p.Commands {
		fmt.Fprintf(w, "\t\t%s) words=%q ;;\n", c.Name, strings.Join(flags[c.Name], " "))
	}
	fmt.Fprintf(w, "\tesac\n")
	fmt.Fprintf(w, "\tif [[ -n $cmd && $cmd != help && $cmd != completion && $cur != -* ]]; then\n\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n\t\treturn\n\tfi\n")
	fmt.Fprintf(w, "\tCOMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n}\n")
	fmt.Fprintf(w, "complete -o default -F %s %s\n", fn, p.Name)
}

// fish writes fish completions: commands when none is given yet, each
// command's flags after it.
func (p *Program) fish(w io.Writer) {
	cmds, flags := p.words()
	fmt.Fprintf(w, "# fish completion for %s; load with: %s completion fish | source\n", p.Name, p.Name)
	fmt.Fprintf(w, "complete -c %s -f\n", p.Name)
	summary := map[string]string{"help": "show help", "version": versionHelp, "completion": completionHelp}
	for _, c := range p.Commands {
		summary[c.Name] = c.Summary
	}
	for _, c := range cmds {
		fmt.Fprintf(w, "complete -c %s -n __fish_use_subcommand -a %s -d %s\n", p.Name, c, fishQuote(summary[c]))
	}
	for _, f := range flags[""] {
		fmt.Fprintf(w, "complete -c %s -n __fish_use_subcommand -l %s\n", p.Name, strings.TrimLeft(f, "-"))
	}
	fmt.Fprintf(w, "complete -c %s -n '__fish_seen_subcommand_from completion' -a %q\n", p.Name, strings.Join(shells, " "))
	for _, c := range p.Commands {
		for _, f := range flags[c.Name] {
			opt := "-l"
			if len(f) == 2 {
				opt = "-s"
			}
			fmt.Fprintf(w, "complete -c %s -n '__fish_seen_subcommand_from %s' %s %s\n", p.Name, c.Name, opt, strings.TrimLeft(f, "-"))
		}
	}
}

func fishQuote(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}
