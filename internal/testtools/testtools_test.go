package testtools

import (
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

// TestMain prints Note once per `go test ./...`: go test shows nothing of
// a package that passes when it tests several, so the line goes to the
// terminal (/dev/tty) when there is one, else to standard output. A run
// that go test takes from its cache (without -count=1) prints nothing, as
// it runs nothing.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && !Required() {
		if note := Note(Missing()); note != "" {
			announce(note)
		}
	}
	os.Exit(code)
}

func announce(note string) {
	var w io.Writer = os.Stdout
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		w = tty
	}
	fmt.Fprintln(w, note)
}

// With ROOKERY_REQUIRE_TOOLS=1 (CI) a missing tool fails here, naming it
// and the command that installs it, besides the tests that need it.
func TestRequiredToolsAreInstalled(t *testing.T) {
	missing := Missing()
	if Required() && len(missing) > 0 {
		t.Fatalf("%s=1 and missing: %s", RequireEnv, InstallCommand(missing))
	}
}

func TestNoteNamesEachSkippedCheckAndTheInstallCommand(t *testing.T) {
	if Note(nil) != "" {
		t.Error("a note with no tool missing")
	}
	all := All()
	note := Note(all)
	if strings.Count(note, "\n") != 0 {
		t.Errorf("the note is not one line: %q", note)
	}
	for _, tool := range all {
		if !strings.Contains(note, tool.Checks+" ("+tool.Package+")") {
			t.Errorf("the note does not name %s: %q", tool.Package, note)
		}
	}
	if !strings.HasSuffix(note, "; to run them: sudo apt-get install -y jing python3-feedparser hugo rsync") {
		t.Errorf("the note does not end with the install command: %q", note)
	}
}
