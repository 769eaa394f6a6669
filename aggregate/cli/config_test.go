package cli_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The config file gives flag defaults; the command line wins; a key that
// names no flag is an error naming the file and the key.
func TestCLIConfigFile(t *testing.T) {
	feeds := sites(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "from-config.db")
	cfg := filepath.Join(dir, "config", "rookery", "reader.toml")
	os.MkdirAll(filepath.Dir(cfg), 0o755)
	write := func(s string) {
		if err := os.WriteFile(cfg, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("db = \"" + db + "\"\n[timeline]\nn = 1\n")
	// READER_DB is empty: the config's db is used.
	run := func(args ...string) (string, string, int) {
		t.Helper()
		return runWithEnv(t, []string{"READER_DB=", "XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "READER_CONFIG="}, args...)
	}
	for _, nick := range []string{"alice", "bob"} {
		if _, errs, code := run("follow", feeds[nick]); code != 0 {
			t.Fatalf("follow %s: %s", nick, errs)
		}
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("the config's db was not used: %v", err)
	}
	if out, _, _ := run("timeline"); strings.Count(out, " · 2026-") != 1 {
		t.Errorf("[timeline] n = 1 not applied:\n%s", out)
	}
	if out, _, _ := run("timeline", "-n", "5"); strings.Count(out, " · 2026-") != 2 {
		t.Errorf("-n 5 on the command line did not win:\n%s", out)
	}
	write("db = \"" + db + "\"\n[timeline]\nlimit = 3\n")
	_, errs, code := run("timeline")
	if code == 0 || !strings.Contains(errs, cfg) || !strings.Contains(errs, `unknown key "limit"`) {
		t.Errorf("bad key: exit %d, %s", code, errs)
	}
	write("colour = \"blue\"\n")
	if _, errs, code := run("following"); code == 0 || !strings.Contains(errs, `"colour"`) {
		t.Errorf("bad top-level key: exit %d, %s", code, errs)
	}
	write("[timeline]\nn = \n")
	if _, errs, code := run("following"); code == 0 || !strings.Contains(errs, "line 2") {
		t.Errorf("syntax error: exit %d, %s", code, errs)
	}
	// A poll schedule that is no schedule is refused before serve starts,
	// naming the setting.
	write("db = \"" + db + "\"\n[serve]\npoll = \"every minute\"\n")
	if _, errs, code := run("serve", "--addr", "127.0.0.1:0"); code == 0 || !strings.Contains(errs, cfg+": [serve] poll = every minute: poll schedule") {
		t.Errorf("bad [serve] poll: exit %d, %s", code, errs)
	}
	write("db = \"" + db + "\"\n")
	if _, errs, code := run("serve", "--addr", "127.0.0.1:0", "--poll", "0 0 0 0 0 0"); code == 0 || !strings.Contains(errs, "-poll") || !strings.Contains(errs, "poll schedule") {
		t.Errorf("bad --poll: exit %d, %s", code, errs)
	}
}

// runWithEnv runs reader with extra environment variables.
func runWithEnv(t *testing.T, extra []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(readerBin, args...)
	cmd.Env = append(os.Environ(), extra...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out.String(), errb.String(), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), 0
}
