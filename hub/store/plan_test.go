package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rookery-social/rookery/internal/sqlplan"
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
		text, err := sqlplan.QueryPlan(context.Background(), s.db, q, args...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, line := range strings.Split(text, "\n") {
			if strings.HasPrefix(line, "SCAN ") && !strings.Contains(line, "json_each") {
				t.Errorf("%s scans a table:\n%s", name, text)
			}
		}
		if name == "markDone" && !strings.Contains(text, "INTEGER PRIMARY KEY") {
			t.Errorf("markDone does not find deliveries by id:\n%s", text)
		}
	}
}
