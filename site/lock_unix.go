//go:build unix

package site

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Lock takes the site's build lock, DIR/.feedpub/build.lock, waiting while
// another feedpub process holds it, and returns the function that releases
// it. Build takes it for its run; a caller that must keep the output still
// after the build (feedpub publish, while it commits and sends the output)
// takes it first and builds with Options.Locked. The lock is the kernel's
// (flock), so a process that dies releases it.
func Lock(dir string) (unlock func(), err error) {
	path := filepath.Join(dir, StateDir, "build.lock")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("locking the build of %s: %w", dir, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("locking the build of %s: %w", dir, err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking the build of %s (%s): %w", dir, path, err)
	}
	return func() { f.Close() }, nil
}
