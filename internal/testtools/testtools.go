// Package testtools names the programs that some tests use beyond Go and
// git, and tells which are missing. Tests that need one skip without it,
// unless ROOKERY_REQUIRE_TOOLS=1 (as in CI), which makes them fail; this
// package's own test prints the one line that says what was skipped. It
// is used only from tests.
package testtools

import (
	"os"
	"os/exec"
	"strings"
)

// RequireEnv is the environment variable that turns a missing tool from a
// skip into a failure when set to "1".
const RequireEnv = "ROOKERY_REQUIRE_TOOLS"

// Tool is a program some tests use, as Debian packages it.
type Tool struct {
	Package string // the Debian package that installs it
	Checks  string // what the tests check with it
}

// All returns the tools the tests use beyond Go and git.
func All() []Tool {
	return []Tool{
		{Package: "jing", Checks: "RELAX NG validation of the Atom feeds"},
		{Package: "python3-feedparser", Checks: "the feeds read back by Python's feedparser"},
		{Package: "hugo", Checks: "the Hugo reference of the benchmark smoke test"},
		{Package: "rsync", Checks: "feedpub publish to a web server with --host rsync"},
	}
}

// Installed reports whether t's program can be run.
func (t Tool) Installed() bool {
	if t.Package == "python3-feedparser" {
		// Debian's module, for Debian's python3 (not a virtualenv's).
		return exec.Command("/usr/bin/python3", "-c", "import feedparser").Run() == nil
	}
	_, err := exec.LookPath(t.Package)
	return err == nil
}

// Missing returns the tools that are not installed.
func Missing() []Tool {
	var out []Tool
	for _, t := range All() {
		if !t.Installed() {
			out = append(out, t)
		}
	}
	return out
}

// Required reports whether missing tools must fail the tests.
func Required() bool {
	return os.Getenv(RequireEnv) == "1"
}

// InstallCommand is the command that installs tools.
func InstallCommand(tools []Tool) string {
	pkgs := make([]string, 0, len(tools))
	for _, t := range tools {
		pkgs = append(pkgs, t.Package)
	}
	return "sudo apt-get install -y " + strings.Join(pkgs, " ")
}

// Note is the line that tells a user which checks were skipped because
// the tools are missing, and how to run them; "" when none is missing.
func Note(missing []Tool) string {
	if len(missing) == 0 {
		return ""
	}
	checks := make([]string, 0, len(missing))
	for _, t := range missing {
		checks = append(checks, t.Checks+" ("+t.Package+")")
	}
	return "rookery: tests skipped " + strings.Join(checks, ", ") +
		"; to run them: " + InstallCommand(missing)
}
