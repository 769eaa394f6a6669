package cli_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/rookery-social/rookery/internal/command/commandtest"
	"github.com/rookery-social/rookery/publish/cli"
)

// feedpub's help, and every command's, lists its arguments, the flags of
// its synopsis and an example; --version works too.
func TestHelpOfEveryCommand(t *testing.T) {
	run := func(args ...string) (string, int) {
		var out, errs bytes.Buffer
		code := cli.Program(os.Stdin, &out, &errs).Run(context.Background(), args)
		return out.String(), code
	}
	commandtest.CheckHelp(t, "feedpub", true, run)
	for _, v := range []string{"--version", "version"} {
		if out, code := run(v); code != 0 || !bytes.HasPrefix([]byte(out), []byte("feedpub ")) {
			t.Errorf("feedpub %s: exit %d, %q", v, code, out)
		}
	}
}
