package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The systemd units in contrib/systemd pass `systemd-analyze verify`, with
// the built programs in place of /usr/local/bin, and keep their hardening.
func TestSystemdUnits(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("no systemd-analyze")
	}
	dir := t.TempDir()
	var units []string
	for unit, prog := range map[string]string{"rookery-hub.service": "hub", "rookery-reader.service": "reader"} {
		b, err := os.ReadFile(filepath.Join("../../contrib/systemd", unit))
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		for _, want := range []string{"DynamicUser=yes", "StateDirectory=", "ProtectSystem=strict", "ProtectHome=yes",
			"NoNewPrivileges=yes", "PrivateTmp=yes", "RestrictAddressFamilies=", "/usr/local/bin/" + prog + " "} {
			if !strings.Contains(text, want) {
				t.Errorf("%s lacks %q", unit, want)
			}
		}
		text = strings.ReplaceAll(text, "/usr/local/bin/"+prog, *programs[prog])
		path := filepath.Join(dir, unit)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		units = append(units, path)
	}
	out, err := exec.Command(analyze, append([]string{"verify"}, units...)...).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
