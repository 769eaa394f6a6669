package command

import (
	"flag"
	"fmt"
	"strings"
)

// Parse parses fs from args, whose flags may come before, between or after
// the positional arguments, and returns the positional arguments; "--"
// makes every argument after it positional.
func Parse(fs *flag.FlagSet, args []string) ([]string, error) {
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
		pos, args = append(pos, args[0]), args[1:]
	}
}

// UsageError is a command line that does not say what to do: the program
// prints it, a hint naming the help to read, and exits with status 2.
type UsageError struct {
	Err     error
	command string // whose help to read; "" for the program's
}

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// Strings is a repeatable string flag: each use adds one value.
type Strings []string

func (s *Strings) String() string     { return strings.Join(*s, ",") }
func (s *Strings) Set(v string) error { *s = append(*s, v); return nil }
