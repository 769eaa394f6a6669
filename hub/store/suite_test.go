package store

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/rookery-social/rookery/internal/pgtest"
)

// pgServer is the throwaway PostgreSQL of this package's tests; nil when
// PostgreSQL is not installed (the PostgreSQL runs then skip).
var pgServer *pgtest.Server

func TestMain(m *testing.M) { pgtest.Main(m, &pgServer) }

// testStore is what the shared suite runs against: each backend.
type testStore interface {
	Store
	TrackStore
}

// eachStore runs test against a fresh SQLite file and a fresh PostgreSQL
// database, as subtests "sqlite" and "postgres".
func eachStore(t *testing.T, test func(t *testing.T, s testStore)) {
	t.Run("sqlite", func(t *testing.T) {
		s := openTest(t, filepath.Join(t.TempDir(), "hub.db"))
		defer s.Close()
		test(t, s)
	})
	t.Run("postgres", func(t *testing.T) {
		s := openPG(t, pgtest.Need(t, pgServer).DB(t))
		defer s.Close()
		test(t, s)
	})
}

// openPG opens the store on the PostgreSQL database at dsn.
func openPG(t *testing.T, dsn string) *Postgres {
	t.Helper()
	s, err := OpenPostgres(context.Background(), dsn, PostgresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// countRows counts the rows of table, whichever the backend.
func countRows(t *testing.T, s testStore, table string) int {
	t.Helper()
	var n int
	var err error
	switch s := s.(type) {
	case *SQLite:
		err = s.db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n)
	case *Postgres:
		err = s.pool.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n)
	}
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// execSQL runs query on the store's database, whichever the backend.
func execSQL(t *testing.T, s testStore, query string) {
	t.Helper()
	var err error
	switch s := s.(type) {
	case *SQLite:
		_, err = s.db.Exec(query)
	case *Postgres:
		_, err = s.pool.Exec(context.Background(), query)
	}
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}
