package cli_test

import (
	"testing"

	"github.com/rookery-social/rookery/internal/command/commandtest"
)

// The hub's help lists the flags of its synopsis and an example, on
// help, -h and --help.
func TestHelpConvention(t *testing.T) {
	commandtest.CheckHelp(t, "hub", false, func(args ...string) (string, int) {
		code, _, out, _ := run(t, nil, args...)
		return out, code
	})
}
