package xdg

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDataFileHonoursEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", dir)
	got, err := DataFile("reader.db")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "rookery", "reader.db"); got != want {
		t.Fatalf("got %s want %s", got, want)
	}
	if fi, err := os.Stat(filepath.Dir(got)); err != nil || !fi.IsDir() {
		t.Fatalf("directory not created: %v", err)
	}
}

func TestRelativeEnvIgnored(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "relative/path")
	got, err := ConfigPath("reader.toml")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(home, ".config", "rookery", "reader.toml"); got != want {
		t.Fatalf("got %s want %s", got, want)
	}
}

func TestExpandHome(t *testing.T) {
	t.Setenv("HOME", "/home/ada")
	for in, want := range map[string]string{
		"~": "/home/ada", "~/reader.db": "/home/ada/reader.db", "~/a/b.db": "/home/ada/a/b.db",
		"/abs/~/x": "/abs/~/x", "rel.db": "rel.db", "~bob/x": "~bob/x",
	} {
		if got, err := ExpandHome(in); err != nil || got != want {
			t.Errorf("ExpandHome(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
