// Package sqlplan reads SQLite's query plans, so that the stores' tests can
// hold their hot statements to plans that use indexes. Only tests import it.
package sqlplan

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// QueryPlan returns what EXPLAIN QUERY PLAN says of q with args, one step
// per line (such as "SEARCH t USING INDEX i (a=?)" or "SCAN t"), so that
// tests can hold hot queries to plans that use their indexes.
func QueryPlan(ctx context.Context, db *sql.DB, q string, args ...any) (string, error) {
	rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		return "", fmt.Errorf("sqlplan: unable to explain the query: %w", err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", fmt.Errorf("sqlplan: unable to explain the query: %w", err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("sqlplan: unable to explain the query: %w", err)
	}
	return strings.Join(plan, "\n"), nil
}
