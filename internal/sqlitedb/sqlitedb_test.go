package sqlitedb

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMigrateIsIncrementalAndShared(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	steps := []string{`CREATE TABLE a (x INTEGER)`}
	if err := Migrate(ctx, db, "one", steps); err != nil {
		t.Fatal(err)
	}
	if err := Migrate(ctx, db, "two", []string{`CREATE TABLE b (y INTEGER)`}); err != nil {
		t.Fatal(err)
	}
	steps = append(steps, `ALTER TABLE a ADD COLUMN z TEXT`)
	if err := Migrate(ctx, db, "one", steps); err != nil {
		t.Fatal(err)
	}
	if err := Migrate(ctx, db, "one", steps); err != nil { // idempotent
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO a(x, z) VALUES (1, 'ok'); INSERT INTO b(y) VALUES (2)`); err != nil {
		t.Fatal(err)
	}
	err = Migrate(ctx, db, "one", steps[:1])
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("downgrade not refused: %v", err)
	}
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v", mode, err)
	}
	db.Close()
}

func TestFailedStepRollsBack(t *testing.T) {
	ctx := context.Background()
	db, err := Open(filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = Migrate(ctx, db, "c", []string{`CREATE TABLE t (x INTEGER); CREATE TABLE t (y)`})
	if err == nil {
		t.Fatal("bad step accepted")
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 't'`).Scan(&n)
	if n != 0 {
		t.Fatal("partial step left a table behind")
	}
}

func TestUnixRoundTrip(t *testing.T) {
	when := time.Date(2031, 1, 1, 12, 30, 0, 0, time.FixedZone("CET", 3600))
	if got := FromUnix(ToUnix(when)); !got.Equal(when) || got.Location() != time.UTC {
		t.Errorf("round trip of %v gave %v", when, got)
	}
	if ToUnix(time.Time{}) != 0 || !FromUnix(0).IsZero() {
		t.Error("the zero time must be stored as 0 and read back as the zero time")
	}
}

// A database in a directory that does not exist says which directory and
// how to create it, not SQLite's "unable to open database file (14)".
func TestOpenInMissingDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "no such", "dir")
	_, err := Open(filepath.Join(dir, "r.db"))
	var de *DirError
	if !errors.As(err, &de) || de.Dir != dir {
		t.Fatalf("err = %v, want a DirError for %s", err, dir)
	}
	want := "the directory " + dir + " does not exist: create it with `mkdir -p '" + dir + "'`"
	if !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "(14)") {
		t.Errorf("err = %q, want it to contain %q", err, want)
	}
}
