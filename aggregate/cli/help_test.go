package cli_test

import (
	"testing"

	"github.com/rookery-social/rookery/internal/command/commandtest"
)

// The reader's help, and every command's, lists its arguments, the flags
// of its synopsis and an example.
func TestHelpOfEveryCommand(t *testing.T) {
	e := newEnv(t)
	commandtest.CheckHelp(t, "reader", true, func(args ...string) (string, int) {
		out, _, code := e.run(args...)
		return out, code
	})
}
