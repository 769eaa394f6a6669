// Package sqlitedb opens the embedded SQLite databases of the hub and the
// reader (modernc.org/sqlite, pure Go) with the settings both need, and runs
// versioned schema migrations. It knows nothing of either schema.
package sqlitedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Open opens (creating if needed) the SQLite file at path in WAL mode with a
// busy timeout, foreign keys on and synchronous=NORMAL (durable across
// process crashes; WAL keeps the file consistent across power loss).
//
// The pragmas are given in the DSN so that every pooled connection gets them.
//
// A missing directory is a *DirError saying how to create it, rather than
// SQLite's "unable to open database file (14)".
func Open(path string) (*sql.DB, error) {
	if err := checkDir(path); err != nil {
		return nil, fmt.Errorf("unable to open database %s: %w", path, err)
	}
	q := url.Values{}
	for _, p := range []string{
		"journal_mode(WAL)",
		"busy_timeout(10000)",
		"foreign_keys(ON)",
		"synchronous(NORMAL)",
	} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlitedb: open %s: %w", path, err)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlitedb: open %s: %w", path, err)
	}
	return db, nil
}

// DirError is a database path whose directory does not exist.
type DirError struct {
	Dir string
}

func (e *DirError) Error() string {
	return fmt.Sprintf("the directory %s does not exist: create it with `mkdir -p %s`", e.Dir, shellQuote(e.Dir))
}

// checkDir checks that the directory that will hold the database file
// exists and is a directory.
func checkDir(path string) error {
	if strings.HasPrefix(path, ":memory:") || strings.HasPrefix(path, "file:") {
		return nil
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return &DirError{Dir: dir}
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	}
	return nil
}

// shellQuote quotes s for a POSIX shell when it holds anything but
// letters, digits and -_./~+,:@%.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./+,:@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Migrate brings the tables of component up to date by running, in one
// transaction each, the steps after the version recorded for it in
// schema_migrations. Steps are append-only: never edit a released step, add
// a new one. Several components may share one database file.
func Migrate(ctx context.Context, db *sql.DB, component string, steps []string) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		component TEXT PRIMARY KEY, version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("sqlitedb: migrate %s: %w", component, err)
	}
	var have int
	err := db.QueryRowContext(ctx, `SELECT version FROM schema_migrations WHERE component = ?`, component).Scan(&have)
	if err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("sqlitedb: migrate %s: %w", component, err)
	}
	if have > len(steps) {
		return fmt.Errorf("sqlitedb: %s schema is version %d, newer than this program knows (%d): upgrade the program", component, have, len(steps))
	}
	for v := have; v < len(steps); v++ {
		if err := step(ctx, db, component, v+1, steps[v]); err != nil {
			return err
		}
	}
	return nil
}

func step(ctx context.Context, db *sql.DB, component string, version int, ddl string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlitedb: migrate %s to %d: %w", component, version, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, ddl); err != nil {
		return fmt.Errorf("sqlitedb: migrate %s to %d: %w", component, version, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(component, version) VALUES(?, ?)
		ON CONFLICT(component) DO UPDATE SET version = excluded.version`, component, version); err != nil {
		return fmt.Errorf("sqlitedb: migrate %s to %d: %w", component, version, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlitedb: migrate %s to %d: %w", component, version, err)
	}
	return nil
}
