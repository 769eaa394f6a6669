package store

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// ErrLocked is returned (wrapped) by OpenSQLite when another process holds
// the database: one SQLite file serves one hub.
var ErrLocked = errors.New("store: database in use by another hub")

// lockFile takes an exclusive flock on path+".lock", beside the database.
// The kernel drops the lock when the file is closed or the process ends,
// however it ends, so a crashed hub never leaves a stale lock behind.
func lockFile(path string) (*os.File, error) {
	name := path + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: unable to open lock file %s: %w", name, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s is held by another hub process (running, or still draining after SIGTERM): stop it first, or pass another --db", ErrLocked, name)
		}
		return nil, fmt.Errorf("store: unable to lock %s: %w", name, err)
	}
	return f, nil
}
