package cli_test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// reader serve checks its whole configuration before it opens the
// database or takes the port: a mistake is reported as itself, even when
// the port is taken, and leaves no database behind.
func TestServeChecksItsConfigurationFirst(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := taken.Addr().String()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"url", []string{"--url", "not a url"}, `--url "not a url"`},
		{"addr", []string{"--addr", "localhost"}, `--addr "localhost"`},
		{"poll", []string{"--poll", "sometimes"}, `poll schedule "sometimes"`},
		{"sync", []string{"--sync", "0s"}, "--sync 0s must be a positive duration"},
		{"images", []string{"--images", "sometimes"}, `--images "sometimes": give proxy or off`},
		{"db", []string{"--db", filepath.Join(t.TempDir(), "missing", "reader.db")}, "the directory of the database"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			args := append([]string{"serve", "--addr", addr}, c.args...)
			if c.name == "addr" {
				args = append([]string{"serve"}, c.args...)
			}
			_, errs, code := e.run(args...)
			if code == 0 || !strings.Contains(errs, c.want) || strings.Contains(errs, "address already in use") {
				t.Errorf("reader %s: exit %d, stderr %q; want it to say %q", strings.Join(args, " "), code, errs, c.want)
			}
			if _, err := os.Stat(e.db); !os.IsNotExist(err) {
				t.Errorf("reader %s created the database: %v", strings.Join(args, " "), err)
			}
		})
	}
}
