package dirstat

import "golang.org/x/sys/unix"

func openDir(root string) int {
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	return fd
}

func closeDir(fd int) {
	if fd >= 0 {
		unix.Close(fd)
	}
}

// stat uses fstatat relative to the open directory: one short path walk
// and no allocation.
func (d *Dir) stat(rel string) (Info, bool) {
	if d.fd < 0 {
		return Info{}, false
	}
	var st unix.Stat_t
	for {
		err := unix.Fstatat(d.fd, rel, &st, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return Info{}, false
		}
		return Info{Size: st.Size, ModTime: st.Mtim.Nano()}, true
	}
}
