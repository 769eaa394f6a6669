package command_test

import (
	"os/exec"
	"strings"
	"testing"
)

// `PROGRAM completion bash` writes a script naming every command and each
// one's flags; sourced in bash, it registers and completes them.
func TestCompletionScripts(t *testing.T) {
	code, script, errs := run("completion", "bash")
	if code != 0 || !strings.Contains(script, "complete -o default -F _greeter_complete greeter") ||
		!strings.Contains(script, `greet) words="--loud --times --help"`) || !strings.Contains(script, `"greet help version completion"`) {
		t.Fatalf("bash: exit %d, %s\n%s", code, errs, script)
	}
	if code, out, _ := run("completion", "zsh"); code != 0 || !strings.HasPrefix(out, "#compdef greeter\n") {
		t.Errorf("zsh: exit %d\n%s", code, out)
	}
	if code, out, _ := run("completion", "fish"); code != 0 || !strings.Contains(out, "complete -c greeter -n __fish_use_subcommand -a greet -d 'say hello'") ||
		!strings.Contains(out, "complete -c greeter -n '__fish_seen_subcommand_from greet' -l times") {
		t.Errorf("fish: exit %d\n%s", code, out)
	}
	if code, _, errs := run("completion", "tcsh"); code != 2 || !strings.Contains(errs, `no completion for the shell "tcsh"`) {
		t.Errorf("tcsh: exit %d, %q", code, errs)
	}
	if _, out, _ := run("help"); !strings.Contains(out, "greeter completion SHELL") {
		t.Errorf("help does not list completion:\n%s", out)
	}

	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to source the script in")
	}
	check := `set -e; source /dev/stdin; complete -p greeter
complete1() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _greeter_complete; echo "${COMPREPLY[*]}"; }
complete1 greeter gr; complete1 greeter greet --t; complete1 greeter completion f
complete1 greeter --config greet.toml --quiet greet --t; complete1 greeter --quiet gr; complete1 greeter greet --times 3 --l
touch config-file.toml; complete1 greeter --config conf`
	cmd := exec.Command(bash, "--norc", "--noprofile", "-c", check)
	cmd.Dir = t.TempDir()
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	// A global flag's value is not taken for the command, and is completed
	// as a file name.
	want := "complete -o default -F _greeter_complete greeter\ngreet\n--times\nfish\n--times\ngreet\n--loud\nconfig-file.toml\n"
	if err != nil || string(out) != want {
		t.Errorf("sourced in bash: %v\n%q\nwant %q", err, out, want)
	}
}
