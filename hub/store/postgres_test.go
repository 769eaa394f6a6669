package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/pgtest"
	"github.com/rookery-social/rookery/internal/testnet"
	"github.com/rookery-social/rookery/internal/testwait"
)

// Two hub processes on one database: each delivery is claimed by one of
// them; the claims of one that is killed come back when their lease ends,
// not before.
func TestPostgresClaimsAcrossProcesses(t *testing.T) {
	dsn := pgtest.Need(t, pgServer).DB(t)
	ctx := context.Background()
	a, b := openPG(t, dsn), openPG(t, dsn)
	defer b.Close()
	now := testNow
	subscribeN(t, a, "http://t/", 500, now)
	fetchChanged(t, a, "http://t/", "v1", Handoff{}, now)
	lease := now.Add(time.Minute)
	var mu sync.Mutex
	seen := map[int64]string{}
	var wg sync.WaitGroup
	for name, s := range map[string]*Postgres{"a": a, "b": b} {
		wg.Go(func() {
			for {
				ds, err := s.ClaimDeliveries(ctx, now, lease, 37)
				if err != nil {
					t.Error(err)
					return
				}
				if len(ds) == 0 {
					return
				}
				mu.Lock()
				for _, d := range ds {
					if other, ok := seen[d.ID]; ok {
						t.Errorf("delivery %d claimed by %s and %s", d.ID, other, name)
					}
					seen[d.ID] = name
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != 500 {
		t.Fatalf("%d deliveries claimed, want 500", len(seen))
	}
	a.Close() // a is killed: its claims are leased until `lease`
	if c, _ := b.ClaimDeliveries(ctx, lease.Add(-time.Millisecond), lease.Add(time.Minute), 1000); len(c) != 0 {
		t.Fatalf("%d deliveries claimed again before their lease ended", len(c))
	}
	if c, _ := b.ClaimDeliveries(ctx, lease, lease.Add(time.Minute), 1000); len(c) != 500 {
		t.Fatalf("%d deliveries came back when the lease ended, want 500", len(c))
	}
}

// A ping received by both processes is fetched once.
func TestPostgresOneFetchPerPing(t *testing.T) {
	dsn := pgtest.Need(t, pgServer).DB(t)
	ctx := context.Background()
	a, b := openPG(t, dsn), openPG(t, dsn)
	defer a.Close()
	defer b.Close()
	now := testNow
	subscribeN(t, a, "http://t/", 1, now)
	for _, s := range []*Postgres{a, b} {
		if ok, err := s.RequestFetch(ctx, "http://t/", now); !ok || err != nil {
			t.Fatalf("RequestFetch: %v %v", ok, err)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var jobs []FetchJob
	for _, s := range []*Postgres{a, b} {
		wg.Go(func() {
			j, err := s.ClaimFetches(ctx, now, now.Add(time.Minute), 10)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			jobs = append(jobs, j...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(jobs) != 1 {
		t.Fatalf("%d fetch jobs claimed by two processes, want 1", len(jobs))
	}
}

// Processes starting together on an empty database migrate it once; the
// schema version is recorded as SQLite's is.
func TestPostgresMigratesOnceWhenStartedTogether(t *testing.T) {
	dsn := pgtest.Need(t, pgServer).DB(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			s, err := OpenPostgres(context.Background(), dsn, PostgresOptions{PoolSize: 2})
			if err != nil {
				t.Error(err)
				return
			}
			s.Close()
		})
	}
	wg.Wait()
	s := openPG(t, dsn)
	defer s.Close()
	var v int
	if err := s.pool.QueryRow(context.Background(), `SELECT version FROM schema_migrations WHERE component = 'hub'`).Scan(&v); err != nil || v != len(pgMigrations) {
		t.Fatalf("schema version %d (%v), want %d", v, err, len(pgMigrations))
	}
}

// A bad or unreachable URL gives an error that says what is wrong and
// never shows the password.
func TestPostgresURLErrorsHideThePassword(t *testing.T) {
	port := testnet.Ports(t) // nobody listens there
	for name, c := range map[string]struct{ dsn, want string }{
		"unreachable": {"postgres://hub:s3cr3tpw@127.0.0.1:" + strconv.Itoa(port) + "/hub?sslmode=disable", "cannot reach PostgreSQL at postgres://hub:xxxxx@127.0.0.1:"},
		"bad port":    {"postgres://hub:s3cr3tpw@127.0.0.1:notaport/hub", "URL is not valid: cannot parse `postgres://hub:xxxxx@"},
		"bad option":  {"postgres://hub:s3cr3tpw@127.0.0.1/hub?sslmode=sometimes", "URL is not valid: cannot parse `postgres://hub:xxxxx@"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := OpenPostgres(ctx, c.dsn, PostgresOptions{})
		cancel()
		if err == nil {
			t.Errorf("%s: opened", name)
			continue
		}
		if strings.Contains(err.Error(), "s3cr3tpw") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q; want it to hold %q and not the password", name, err, c.want)
		}
		t.Logf("%s: %v", name, err)
	}
}

// A subscription verified by one process is announced to the others.
func TestPostgresAnnouncesSubscriptionChanges(t *testing.T) {
	dsn := pgtest.Need(t, pgServer).DB(t)
	a, b := openPG(t, dsn), openPG(t, dsn)
	defer a.Close()
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan string, 10)
	go b.WatchSubscriptions(ctx, func(topic string) { got <- topic })
	if first := <-got; first != "" {
		t.Fatalf("first call %q, want \"\" (connected: refresh everything)", first)
	}
	subscribeN(t, a, "http://hub/track?q=%23go", 1, testNow)
	select {
	case topic := <-got:
		if topic != "http://hub/track?q=%23go" {
			t.Errorf("announced %q", topic)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the other process was not told of the new subscription")
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
