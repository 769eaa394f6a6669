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
	got, err := ConfigFile("reader.toml")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(home, ".config", "rookery", "reader.toml"); got != want {
		t.Fatalf("got %s want %s", got, want)
	}
}
