package hub

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/rookery-social/rookery/internal/sqlitedb"
	"github.com/rookery-social/rookery/internal/testwait"
)

// A database damaged under a running hub turns /healthz to 503 with the
// reason, and the claim loops that fail on it every idle interval log it
// once a minute with a count.
func TestHealthzReportsADamagedDatabase(t *testing.T) {
	perInstance(t, "the SQLite file is damaged")
	var logs syncBuffer
	h := startHub(t, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	topic := newTopic(t, atomType, "<feed>v1</feed>")
	sub := newSubscriber(t)
	cb := sub.URL + "/cb"
	subscribed(t, h, topic.URL, cb)
	h.publish(t, topic.URL)
	h.settled(t, topic.URL, cb, 1)
	if code, body := h.get(t, "/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz on a sound database: %d %s", code, body)
	}

	damage(t, h.cfg.DBPath, "hub_deliveries_due", "hub_deliveries")
	testwait.Until(t, waitLimit, "/healthz to answer 503", func() bool {
		code, _ := h.get(t, "/healthz")
		return code == http.StatusServiceUnavailable
	})
	if _, body := h.get(t, "/healthz"); !strings.Contains(body, "malformed") {
		t.Errorf("/healthz does not say why: %q", body)
	}
	const claims = `msg="hub: claiming deliveries"`
	testwait.Until(t, waitLimit, "the failed claim logged, and three more failing", func() bool {
		r := h.errs.claimDeliveries
		r.mu.Lock()
		defer r.mu.Unlock()
		return strings.Contains(logs.String(), claims) && r.count >= 3
	})
	h.clock.advance(errorEvery)
	testwait.Until(t, waitLimit, "the failed claims of the minute logged", func() bool { return strings.Count(logs.String(), claims) == 2 })
	var second string
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, claims) {
			second = line
		}
	}
	if strings.Contains(second, "times=1 ") || strings.Contains(second, "times=2 ") || !strings.Contains(second, "times=") {
		t.Errorf("the second line does not count the errors of the minute (one claim every %s):\n%s", h.cfg.IdleInterval, second)
	}
	if n := strings.Count(logs.String(), claims); n != 2 {
		t.Errorf("%d lines for the failed claims, want 2 (one a minute)", n)
	}
}

// A damaged database file is refused at start, with a message that says so.
func TestADamagedDatabaseIsRefusedAtStart(t *testing.T) {
	perInstance(t, "the SQLite file is damaged")
	cfg := fastConfig(t)
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.Close(context.Background())
	damage(t, cfg.DBPath, "hub_deliveries_due")
	_, err = New(cfg)
	if err == nil || !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), cfg.DBPath) {
		t.Fatalf("New on a damaged database: %v; want an error saying %s is damaged", err, cfg.DBPath)
	}
}

// damage overwrites the root pages of the named tables and indexes of the
// SQLite file at path, as a disk fault would, and makes every connection
// of a hub running on it read them again.
func damage(t *testing.T, path string, names ...string) {
	t.Helper()
	db, err := sqlitedb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var pageSize int64
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		var root int64
		if err := db.QueryRow(`SELECT rootpage FROM sqlite_master WHERE name = ?`, name).Scan(&root); err != nil {
			t.Fatalf("root page of %s: %v", name, err)
		}
		if _, err := f.WriteAt([]byte(strings.Repeat("\xff", int(pageSize))), (root-1)*pageSize); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// A commit elsewhere makes the hub's connections drop their caches.
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS damaged (at INTEGER)`); err != nil {
		t.Fatal(err)
	}
}
