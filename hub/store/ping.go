package store

import (
	"fmt"
	"strings"
)

// versionQuery reads the hub's schema version (no row: none recorded).
const versionQuery = `SELECT version FROM schema_migrations WHERE component = '` + component + `'`

// pingRead is one bounded read of Ping: a little of one table, through
// the indexes the workers' claims use, so that a missing or damaged table
// shows in /healthz and not only in the logs of the claim loops. The SQL
// is the same on both backends.
type pingRead struct {
	table, query string
}

// pingReads covers every table the hub works on.
var pingReads = []pingRead{
	{"hub_deliveries", `SELECT (SELECT 1 FROM hub_deliveries WHERE state = 0 ORDER BY next_at LIMIT 1),
		(SELECT max(id) FROM hub_deliveries)`},
	{"hub_verifications", `SELECT (SELECT 1 FROM hub_verifications WHERE state = 'pending' ORDER BY next_at LIMIT 1),
		(SELECT max(id) FROM hub_verifications)`},
	{"hub_fetches", `SELECT topic_id FROM hub_fetches ORDER BY topic_id LIMIT 1`},
	{"hub_topics", `SELECT max(id) FROM hub_topics`},
	{"hub_contents", `SELECT max(id) FROM hub_contents`},
	{"hub_subscriptions", `SELECT (SELECT 1 FROM hub_subscriptions WHERE state = 'active' ORDER BY expires_at LIMIT 1),
		(SELECT max(id) FROM hub_subscriptions)`},
	{"hub_track_entries", `SELECT max(id) FROM hub_track_entries`},
	{"hub_track_terms", `SELECT entry FROM hub_track_terms ORDER BY term, entry LIMIT 1`},
	{"hub_track_sent", `SELECT topic_id FROM hub_track_sent ORDER BY topic_id, origin, entry_id LIMIT 1`},
}

// pingScript is the version query and every read, as one script of
// statements run in turn.
func pingScript() string {
	qs := []string{versionQuery}
	for _, r := range pingReads {
		qs = append(qs, r.query)
	}
	return strings.Join(qs, ";\n")
}

// unreadable says that backend's table could not be read.
func unreadable(backend, table string, err error) error {
	return fmt.Errorf("store: %s table %s unreadable: %w", backend, table, err)
}

// checkVersion says what to do when the schema's version, have, is older
// than want, the one this hub's migrations end at. A newer schema passes:
// in a rolling upgrade of hubs sharing PostgreSQL, the first new instance
// migrates it and the older ones keep working until they are replaced
// (migrations only add; a hub refuses a newer schema only when it starts).
func checkVersion(backend string, have, want int) error {
	if have < want {
		return fmt.Errorf("store: %s schema version %d, this hub needs %d: restart this hub to migrate it (was the database restored from an older backup?)",
			backend, have, want)
	}
	return nil
}
