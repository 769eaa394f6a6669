package site_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/testsite"
	"github.com/rookery-social/rookery/internal/testwait"
	"github.com/rookery-social/rookery/site"
)

// A build waits while another process holds the site's build lock (as
// feedpub publish does from its build until the output is committed and
// sent), then builds what the posts are by then: a feedpub serve
// rebuilding the same output never changes it under publish's git.
func TestBuildWaitsForTheBuildLock(t *testing.T) {
	dir := testsite.Write(t, basicSite)
	build(t, dir)
	unlock, err := site.Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan *site.Result, 1)
	go func() {
		res, err := site.Build(site.Options{Dir: dir})
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	lockFile := filepath.Join(dir, site.StateDir, "build.lock")
	testwait.Until(t, 10*time.Second, "the build to wait for the lock", func() bool { return lockWaiters(t, lockFile) > 0 })
	testsite.Add(t, dir, testsite.Post("fourth4", "2026-03-10T09:00:00Z", "", "Written while the lock was held."))
	unlock()
	res := <-done
	if res == nil {
		t.FailNow()
	}
	if !strings.Contains(read(t, dir, "feed.atom"), "Written while the lock was held.") {
		t.Errorf("the build that waited did not see the post written meanwhile; wrote %v", res.Written)
	}
}

// lockWaiters counts the processes' requests blocked on path's flock, from
// /proc/locks (lines "N: -> FLOCK ADVISORY WRITE PID MAJ:MIN:INODE …").
func lockWaiters(t *testing.T, path string) int {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	ino := fi.Sys().(*syscall.Stat_t).Ino
	f, err := os.Open("/proc/locks")
	if err != nil {
		t.Skipf("no /proc/locks: %v", err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 7 || fields[1] != "->" {
			continue
		}
		if strings.HasSuffix(fields[6], fmt.Sprintf(":%d", ino)) {
			n++
		}
	}
	return n
}
