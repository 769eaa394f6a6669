// Package commandtest checks, from the outside, that a program made with
// package command helps as the convention says: `help`, `-h` and
// `--help` work, and each command's help lists its positional arguments
// and the flags its synopsis names, and gives an example. It is for tests.
package commandtest

import (
	"regexp"
	"strings"
	"testing"
)

// Run runs the program with args and returns its standard output and
// exit status.
type Run func(args ...string) (stdout string, code int)

var (
	// commandLine is a command's synopsis in the program's help.
	commandLine = regexp.MustCompile(`(?m)^  (\S+) ([a-z][a-z-]*)\b(.*)$`)
	flagName    = regexp.MustCompile(`--[a-z][a-z0-9-]*`)
	positional  = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
)

// CheckHelp checks the help of program prog (its name) and of each of its
// commands, as `prog help` lists them; hasCommands is false for a program
// without subcommands.
func CheckHelp(t *testing.T, prog string, hasCommands bool, run Run) {
	t.Helper()
	var top string
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		out, code := run(args...)
		if code != 0 || !strings.Contains(out, prog) {
			t.Errorf("%s %s: exit %d\n%s", prog, args[0], code, out)
		}
		top = out
	}
	if !hasCommands {
		checkCommand(t, prog, "", top)
		return
	}
	var names []string
	for _, m := range commandLine.FindAllStringSubmatch(top, -1) {
		if m[1] == prog && m[2] != "help" && m[2] != "version" {
			names = append(names, m[2])
		}
	}
	if len(names) == 0 {
		t.Fatalf("%s help lists no commands:\n%s", prog, top)
	}
	for _, name := range names {
		for _, args := range [][]string{{"help", name}, {name, "-h"}, {name, "--help"}} {
			out, code := run(args...)
			if code != 0 {
				t.Errorf("%s %s: exit %d", prog, strings.Join(args, " "), code)
			}
			checkCommand(t, prog, name, out)
		}
	}
}

// checkCommand checks one command's help text.
func checkCommand(t *testing.T, prog, name, help string) {
	t.Helper()
	who := strings.TrimSpace(prog + " " + name)
	usage, _, _ := strings.Cut(help, "\n")
	if !strings.HasPrefix(usage, "usage: "+who) {
		t.Errorf("%s: help does not start with its usage:\n%s", who, help)
		return
	}
	flags, _, _ := strings.Cut(help[strings.Index(help, "\nflags"):]+"\nexamples:", "\nexamples:")
	for _, f := range flagName.FindAllString(usage, -1) {
		if !strings.Contains(flags, "\n  "+f) {
			t.Errorf("%s: the synopsis names %s, the flags do not list it:\n%s", who, f, help)
		}
	}
	fields := strings.Fields(strings.TrimPrefix(usage, "usage: "+who))
	for i, tok := range fields {
		arg := strings.Trim(tok, "[].")
		if positional.MatchString(arg) && (i == 0 || !strings.HasPrefix(strings.Trim(fields[i-1], "["), "-")) && arg != "COMMAND" {
			if !strings.Contains(help, "\narguments:\n") || !regexp.MustCompile(`(?m)^  \[?`+arg+`\b`).MatchString(help[strings.Index(help, "\narguments:"):]) {
				t.Errorf("%s: the positional argument %s is not described under arguments:\n%s", who, arg, help)
			}
		}
	}
	if !strings.Contains(help, "\n  -h, --help\n") {
		t.Errorf("%s: help does not list -h, --help", who)
	}
	if !strings.Contains(help, "\nexamples:\n  "+who) {
		t.Errorf("%s: help gives no example:\n%s", who, help)
	}
}
