package hub

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A mistake in the configuration is reported before the database or the
// port is opened, and a database that cannot be opened before the port:
// here the port is always taken, so any error about it means the hub
// looked at it too early.
func TestConfigIsCheckedBeforeTheDatabaseAndThePort(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := t.TempDir()
	notSQLite := filepath.Join(dir, "not-sqlite.db")
	if err := os.WriteFile(notSQLite, []byte(strings.Repeat("not a database\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		change func(*Config)
		want   string
	}{
		"url":              {func(c *Config) { c.PublicURL = "not a url" }, `"not a url" is not an absolute http(s) URL`},
		"addr":             {func(c *Config) { c.Addr = "localhost" }, "--addr"},
		"port":             {func(c *Config) { c.Addr = "127.0.0.1:70000" }, "--addr"},
		"db directory":     {func(c *Config) { c.DBPath = filepath.Join(dir, "missing", "hub.db") }, "does not exist"},
		"db is directory":  {func(c *Config) { c.DBPath = dir }, "is a directory"},
		"duration":         {func(c *Config) { c.DeliveryTimeout = -time.Second }, "--delivery-timeout"},
		"lease bounds":     {func(c *Config) { c.LeaseMin, c.LeaseMax = time.Hour, time.Minute }, "lease bounds"},
		"limit":            {func(c *Config) { c.HostConcurrency = -1 }, "--host-concurrency"},
		"rate":             {func(c *Config) { c.RateLimit = -1 }, "--rate-limit"},
		"poll schedule":    {func(c *Config) { c.PollSchedule = "every hour" }, `--poll-schedule "every hour" is neither a duration`},
		"unreadable db":    {func(c *Config) { c.DBPath = notSQLite }, notSQLite},
		"url and duration": {func(c *Config) { c.PublicURL, c.Keep = "ftp://x/", -time.Hour }, "--keep"},
	} {
		t.Run(name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "hub.db")
			cfg := Config{Addr: taken.Addr().String(), DBPath: db, Logger: testLogger(t)}
			tc.change(&cfg)
			err := Serve(t.Context(), cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "listen") {
				t.Errorf("Serve: %v; want an error naming %q and not the port", err, tc.want)
			}
			if _, err := os.Stat(db); !errors.Is(err, fs.ErrNotExist) && cfg.DBPath == db {
				t.Errorf("the database was created before the configuration was checked: %v", err)
			}
		})
	}
}
