package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/pgtest"
	"github.com/rookery-social/rookery/internal/testwait"
)

func TestPingNamesWhatIsWrong(t *testing.T) { eachStore(t, testPingNamesWhatIsWrong) }

// Ping (behind /healthz) passes on a sound database, and names the table
// the hub cannot read or says how the schema's version differs from the
// hub's; once the fault is undone it passes again.
func testPingNamesWhatIsWrong(t *testing.T, s testStore) {
	ctx := context.Background()
	backend := "SQLite"
	if _, ok := s.(*Postgres); ok {
		backend = "PostgreSQL"
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping on a sound database: %v", err)
	}
	for name, c := range map[string]struct{ fault, undo, want string }{
		"deliveries renamed": {`ALTER TABLE hub_deliveries RENAME TO hub_deliveries_old`,
			`ALTER TABLE hub_deliveries_old RENAME TO hub_deliveries`,
			"store: " + backend + " table hub_deliveries unreadable: "},
		"sent records renamed": {`ALTER TABLE hub_track_sent RENAME TO hub_track_sent_old`,
			`ALTER TABLE hub_track_sent_old RENAME TO hub_track_sent`,
			"store: " + backend + " table hub_track_sent unreadable: "},
		"older schema": {`UPDATE schema_migrations SET version = 2 WHERE component = 'hub'`,
			`UPDATE schema_migrations SET version = 3 WHERE component = 'hub'`,
			"store: " + backend + " schema version 2, this hub needs 3: restart this hub to migrate it"},
		"newer schema": {`UPDATE schema_migrations SET version = 4 WHERE component = 'hub'`,
			`UPDATE schema_migrations SET version = 3 WHERE component = 'hub'`,
			"store: " + backend + " schema version 4, this hub knows only up to 3: a newer hub migrated it; run the newer hub"},
		"no version": {`DELETE FROM schema_migrations WHERE component = 'hub'`,
			`INSERT INTO schema_migrations(component, version) VALUES ('hub', 3)`,
			"store: " + backend + " schema version 0, this hub needs 3"},
		"migrations table renamed": {`ALTER TABLE schema_migrations RENAME TO schema_migrations_old`,
			`ALTER TABLE schema_migrations_old RENAME TO schema_migrations`,
			"store: " + backend + " table schema_migrations unreadable: "},
	} {
		execSQL(t, s, c.fault)
		err := s.Ping(ctx)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: Ping says %v; want %q", name, err, c.want)
		}
		t.Logf("%s: %v", name, err)
		execSQL(t, s, c.undo)
		if err := s.Ping(ctx); err != nil {
			t.Fatalf("%s undone: Ping says %v", name, err)
		}
	}
}

// While PostgreSQL is down, Ping says it cannot reach it, naming it
// without the password; once it is back, Ping passes again.
func TestPostgresPingWhileTheDatabaseIsDown(t *testing.T) {
	pg := pgtest.Need(t, pgServer)
	dsn := strings.Replace(pg.DB(t), "postgres@", "postgres:s3cr3tpw@", 1)
	t.Cleanup(func() { pg.Resume() }) // for the next tests, should this one fail while it is down
	s := openPG(t, dsn)
	defer s.Close()
	ctx := context.Background()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping on a sound database: %v", err)
	}
	pg.Halt()
	err := s.Ping(ctx)
	t.Logf("database down: %v", err)
	const want = "store: PostgreSQL at postgres://postgres:xxxxx@127.0.0.1:"
	if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "s3cr3tpw") {
		t.Errorf("Ping with the database down says %v; want %q… and not the password", err, want)
	}
	if err := pg.Resume(); err != nil {
		t.Fatal(err)
	}
	// A pooled connection may still be the dead one: the hub's next
	// /healthz then answers, as the pool replaces it.
	testwait.UntilWhy(t, 30*time.Second, "Ping to pass after the database came back", func() (bool, string) {
		err := s.Ping(ctx)
		return err == nil, fmt.Sprint(err)
	})
}

// A table whose read fails while it runs, with a message that does not
// name it (as a damaged page's would), is named by Ping all the same.
func TestPostgresPingNamesATableFailingMidRead(t *testing.T) {
	s := openPG(t, pgtest.Need(t, pgServer).DB(t))
	defer s.Close()
	execSQL(t, s, `ALTER TABLE hub_contents RENAME TO hub_contents_old;
		CREATE VIEW hub_contents AS SELECT (1 / (SELECT count(*) - count(*) FROM pg_class))::bigint AS id`)
	err := s.Ping(context.Background())
	const want = "store: PostgreSQL table hub_contents unreadable: ERROR: division by zero"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("Ping says %v; want %q", err, want)
	}
}
