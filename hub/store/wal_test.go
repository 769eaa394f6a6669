package store

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Under steady writes with readers always active (the claim loops, the
// pages, the deliveries reading content), the WAL stays bounded: a PASSIVE
// checkpoint alone never gets to reset it, and a WAL never reset holds all
// 128 MiB written. The bound leaves room for the once-a-second checkpoint
// to run late on a loaded machine while 1 MiB goes in every 20 ms.
func TestWALStaysBoundedUnderSteadyWritesAndReads(t *testing.T) {
	const versions = 128 // 128 MiB written, eight times walLimit
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hub.db")
	s := openTest(t, path)
	defer s.Close()
	now := testNow
	subscribeN(t, s, "http://t/", 20, now)
	first := fetchChanged(t, s, "http://t/", "v0", Handoff{}, now)

	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.Content(ctx, first.ContentID); err != nil {
					t.Error(err)
					return
				}
				if _, err := s.Counts(ctx, now); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	var maxWAL int64
	body := bytes.Repeat([]byte("<entry>steady publishes</entry>"), 1<<15) // 1 MiB a version
	start := time.Now()
	for i := range versions {
		time.Sleep(20 * time.Millisecond) // steady, not flat out: several background checkpoints pass
		publishVersion(t, s, "http://t/", body, strconv.Itoa(i), now)
		if fi, err := os.Stat(path + "-wal"); err == nil {
			maxWAL = max(maxWAL, fi.Size())
		}
	}
	close(stop)
	readers.Wait()
	db, _ := os.Stat(path)
	t.Logf("%d versions written in %s, database %d bytes, largest WAL %d bytes", versions, time.Since(start), db.Size(), maxWAL)
	if limit := 3 * walLimit; maxWAL > int64(limit) {
		t.Fatalf("the WAL reached %d bytes under steady writes, over %d", maxWAL, limit)
	}
}

// publishVersion runs one fetch of topic that finds body, a new version.
func publishVersion(t *testing.T, s *SQLite, topic string, body []byte, hash string, now time.Time) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.RequestFetch(ctx, topic, now); err != nil {
		t.Fatal(err)
	}
	jobs, err := s.ClaimFetches(ctx, now, now.Add(time.Minute), 1)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("ClaimFetches: %v %v", jobs, err)
	}
	res := FetchResult{Changed: true, Body: body, Hash: hash, ContentType: "application/atom+xml"}
	if _, err := s.FinishFetch(ctx, jobs[0], res, Handoff{}, now); err != nil {
		t.Fatal(err)
	}
}
