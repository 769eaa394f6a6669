// Package xdg finds the per-user data and config directories of the XDG Base
// Directory specification, where the hub and the reader keep their files.
package xdg

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DataFile returns $XDG_DATA_HOME/rookery/name (default ~/.local/share),
// creating the directory.
func DataFile(name string) (string, error) {
	return file("XDG_DATA_HOME", filepath.Join(".local", "share"), name)
}

func file(env, fallback, name string) (string, error) {
	base, err := baseDir(env, fallback)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(base, "rookery")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("xdg: %w", err)
	}
	return filepath.Join(dir, name), nil
}

// baseDir is $env when it is absolute, else ~/fallback.
func baseDir(env, fallback string) (string, error) {
	if base := os.Getenv(env); base != "" && filepath.IsAbs(base) {
		return base, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("xdg: no %s and no home directory: %w", env, err)
	}
	return filepath.Join(home, fallback), nil
}

// ConfigPath returns $XDG_CONFIG_HOME/rookery/name (default ~/.config)
// without creating anything: for files that are only read.
func ConfigPath(name string) (string, error) {
	base, err := baseDir("XDG_CONFIG_HOME", ".config")
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "rookery", name), nil
}

// ExpandHome replaces a leading "~" or "~/" of path with the user's home
// directory, as a shell would: a path from a config file or a quoted flag
// gets no shell expansion. Other paths (and "~user") are returned as they
// are.
func ExpandHome(path string) (string, error) {
	if path != "~" && !strings.HasPrefix(path, "~/") {
		return path, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("unable to expand ~ in %s: %w", path, err)
	}
	return filepath.Join(home, path[1:]), nil
}
