package command_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/rookery-social/rookery/internal/command"
)

// greeter is a program with one command, "greet NAME [--loud] [--times N]".
func greeter(out, errs *bytes.Buffer) *command.Program {
	return &command.Program{Name: "greeter", Summary: "greets people", Stdout: out, Stderr: errs,
		Global: func(fs *flag.FlagSet) {
			fs.String("config", "", "read settings from `FILE`")
			fs.Bool("quiet", false, "say less")
		},
		Commands: []*command.Command{{
			Name: "greet", Usage: "greet NAME [--loud] [--times N]", Summary: "say hello",
			Args:     []command.Arg{{Name: "NAME", Help: "who to greet"}},
			Examples: []string{"greeter greet Ada --times 2"},
			Flags: func(fs *flag.FlagSet) command.Action {
				loud := fs.Bool("loud", false, "shout")
				times := fs.Int("times", 1, "how many `times`")
				return func(_ context.Context, args []string) error {
					if len(args) != 1 {
						return command.Usagef("greet takes one name")
					}
					if args[0] == "nobody" {
						return errors.New("greet: nobody to greet")
					}
					for range *times {
						fmt.Fprintf(out, "hello %s loud=%v\n", args[0], *loud)
					}
					return nil
				}
			},
		}}}
}

func run(args ...string) (int, string, string) {
	var out, errs bytes.Buffer
	code := greeter(&out, &errs).Run(context.Background(), args)
	return code, out.String(), errs.String()
}

func TestFlagsBeforeOrAfterArguments(t *testing.T) {
	for _, args := range [][]string{
		{"greet", "--times", "2", "--loud", "Ada"},
		{"greet", "Ada", "--times", "2", "--loud"},
		{"greet", "--loud", "Ada", "--times=2"},
	} {
		code, out, errs := run(args...)
		if code != 0 || out != "hello Ada loud=true\nhello Ada loud=true\n" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
	if code, out, _ := run("greet", "--", "--loud"); code != 0 || out != "hello --loud loud=false\n" {
		t.Errorf("after --: exit %d, %q", code, out)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		code, out, _ := run(args...)
		if code != 0 || !strings.Contains(out, "greeter greet NAME [--loud] [--times N]") || !strings.Contains(out, "greeter version") {
			t.Errorf("%v: exit %d\n%s", args, code, out)
		}
	}
	for _, args := range [][]string{{"help", "greet"}, {"greet", "-h"}, {"greet", "Ada", "--help"}} {
		code, out, _ := run(args...)
		for _, want := range []string{"usage: greeter greet NAME", "NAME\n    \twho to greet", "--times times\n    \thow many times (default 1)",
			"--loud\n    \tshout\n", "examples:\n  greeter greet Ada --times 2"} {
			if code != 0 || !strings.Contains(out, want) {
				t.Errorf("%v: exit %d, lacks %q:\n%s", args, code, want, out)
			}
		}
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, _ := run(args...)
		if code != 0 || !strings.HasPrefix(out, "greeter ") || !strings.Contains(out, "go1.") {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
}

func TestErrors(t *testing.T) {
	cases := map[string]struct {
		args       []string
		code       int
		stderr     string
		stdoutHelp bool
	}{
		"no command":      {nil, 2, "greeter: no command given\nsee `greeter help`\n", false},
		"unknown command": {[]string{"greed"}, 2, "greeter: unknown command \"greed\"\nsee `greeter help`\n", false},
		"bad flag":        {[]string{"greet", "Ada", "--times", "x"}, 2, "see `greeter help greet`\n", false},
		"unknown flag":    {[]string{"greet", "--quiet"}, 2, "greeter: flag provided but not defined: -quiet\nsee `greeter help greet`\n", false},
		"usage":           {[]string{"greet"}, 2, "greeter: greet takes one name\nsee `greeter help greet`\n", false},
		"failure":         {[]string{"greet", "nobody"}, 1, "greeter: greet: nobody to greet\n", false},
		"help of nothing": {[]string{"help", "greed"}, 2, "greeter: no command \"greed\"\nsee `greeter help`\n", false},
	}
	for name, c := range cases {
		code, _, errs := run(c.args...)
		if code != c.code || !strings.HasSuffix(errs, c.stderr) {
			t.Errorf("%s: exit %d, stderr %q; want %d, ending %q", name, code, errs, c.code, c.stderr)
		}
	}
}

// A program without subcommands takes help, version and its flags, and
// Defaults sets flags from the environment before the command line wins.
func TestMainProgram(t *testing.T) {
	env := map[string]string{"ADDR": "env:1", "VERSION": "true"}
	var out, errs bytes.Buffer
	var got string
	p := &command.Program{Name: "srv", Stdout: &out, Stderr: &errs,
		Main: &command.Command{Usage: "[--addr ADDR]", Summary: "serves", Examples: []string{"srv --addr :80"},
			Flags: func(fs *flag.FlagSet) command.Action {
				addr := fs.String("addr", "127.0.0.1:1", "`host:port`")
				return func(context.Context, []string) error { got = *addr; return nil }
			}},
		Defaults: func(_ *command.Command, fs *flag.FlagSet) error {
			var err error
			fs.VisitAll(func(f *flag.Flag) {
				if v := env[strings.ToUpper(f.Name)]; v != "" && err == nil {
					err = f.Value.Set(v)
				}
			})
			return err
		},
		FlagNote: func(f *flag.Flag) string { return "[" + strings.ToUpper(f.Name) + "]" }}
	if code := p.Run(context.Background(), nil); code != 0 || got != "env:1" {
		t.Errorf("from the environment: exit %d, addr %q, %s", code, got, errs.String())
	}
	if code := p.Run(context.Background(), []string{"--addr", "flag:2"}); code != 0 || got != "flag:2" {
		t.Errorf("flag over environment: exit %d, addr %q", code, got)
	}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		out.Reset()
		if code := p.Run(context.Background(), args); code != 0 || !strings.Contains(out.String(), "--addr host:port\n    \thost:port [ADDR] (default \"127.0.0.1:1\")") ||
			!strings.Contains(out.String(), "--version") || strings.Contains(out.String(), "[VERSION]") {
			t.Errorf("%v: exit %d\n%s", args, code, out.String())
		}
	}
	for _, args := range [][]string{{"--version"}, {"version"}} {
		out.Reset()
		if code := p.Run(context.Background(), args); code != 0 || !strings.HasPrefix(out.String(), "srv ") {
			t.Errorf("%v: exit %d, %q", args, code, out.String())
		}
	}
	errs.Reset()
	if code := p.Run(context.Background(), []string{"stray", "--addr", "x"}); code != 0 || got != "x" {
		t.Errorf("positional arguments reach the action: exit %d %q", code, errs.String())
	}
}
