package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// The hot statements run per delivery or per batch of them: none may scan
// a table, and marking deliveries done finds them by id, not by walking
// every delivery of their content (which made each batch cost as much as
// the whole fan-out).
func TestHotStatementPlans(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "hub.db"))
	defer s.Close()
	for name, q := range hotStatements {
		args := make([]any, strings.Count(q, "?"))
		for i := range args {
			args[i] = 1
		}
		rows, err := s.db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		text := strings.Join(plan, "\n")
		for _, line := range plan {
			if strings.HasPrefix(line, "SCAN ") && !strings.Contains(line, "json_each") {
				t.Errorf("%s scans a table:\n%s", name, text)
			}
		}
		if name == "markDone" && !strings.Contains(text, "INTEGER PRIMARY KEY") {
			t.Errorf("markDone does not find deliveries by id:\n%s", text)
		}
	}
}
