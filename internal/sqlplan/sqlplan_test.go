package sqlplan

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rookery-social/rookery/internal/sqlitedb"
)

func TestQueryPlan(t *testing.T) {
	ctx := context.Background()
	db, err := sqlitedb.Open(filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE a (x INTEGER, y TEXT); CREATE INDEX a_x ON a(x)`); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{
		`SELECT y FROM a WHERE x = ?`: "SEARCH a USING INDEX a_x (x=?)",
		`SELECT y FROM a WHERE y = ?`: "SCAN a",
	} {
		if plan, err := QueryPlan(ctx, db, q, 1); err != nil || plan != want {
			t.Errorf("plan of %s: %q, %v; want %q", q, plan, err, want)
		}
	}
	if _, err := QueryPlan(ctx, db, `SELECT * FROM missing`); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("plan of a query on a missing table: %v", err)
	}
}
