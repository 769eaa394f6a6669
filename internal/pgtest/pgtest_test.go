package pgtest_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/rookery-social/rookery/internal/pgtest"
)

var srv *pgtest.Server

func TestMain(m *testing.M) { pgtest.Main(m, &srv) }

// A test database answers, is its own, and comes back after the server is
// halted and resumed.
func TestDatabaseSurvivesRestart(t *testing.T) {
	s := pgtest.Need(t, srv)
	ctx := context.Background()
	a, b := s.DB(t), s.DB(t)
	if a == b {
		t.Fatalf("two tests share database %s", a)
	}
	c, err := pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, `CREATE TABLE x (v int); INSERT INTO x VALUES (42)`); err != nil {
		t.Fatal(err)
	}
	c.Close(ctx)
	s.Halt()
	if _, err := pgx.Connect(ctx, a); err == nil {
		t.Fatal("connected to a halted server")
	}
	if err := s.Resume(); err != nil {
		t.Fatal(err)
	}
	c, err = pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var v int
	if err := c.QueryRow(ctx, `SELECT v FROM x`).Scan(&v); err != nil || v != 42 {
		t.Fatalf("after a restart: %d %v", v, err)
	}
}
