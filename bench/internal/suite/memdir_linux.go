package suite

import "golang.org/x/sys/unix"

// MemoryDir returns /dev/shm when it is a memory file system (tmpfs), or
// "" when there is none.
func MemoryDir() string {
	var st unix.Statfs_t
	if unix.Statfs("/dev/shm", &st) != nil || st.Type != unix.TMPFS_MAGIC {
		return ""
	}
	return "/dev/shm"
}
