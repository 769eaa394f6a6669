package dirstat

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

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

// readFile opens rel relative to the open directory and reads it with
// plain system calls: openat, fstat, read until EOF, close.
func (d *Dir) readFile(rel string) ([]byte, Info, error) {
	if d.fd < 0 {
		return nil, Info{}, d.pathErr("open", rel, unix.EBADF)
	}
	fd, err := retry(func() (int, error) { return unix.Openat(d.fd, rel, unix.O_RDONLY|unix.O_CLOEXEC, 0) })
	if err != nil {
		return nil, Info{}, d.pathErr("open", rel, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, Info{}, d.pathErr("stat", rel, err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return nil, Info{}, d.pathErr("read", rel, unix.EISDIR)
	}
	data := make([]byte, 0, st.Size+1) // +1: EOF is seen without growing
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := retry(func() (int, error) { return unix.Read(fd, data[len(data):cap(data)]) })
		if err != nil {
			return nil, Info{}, d.pathErr("read", rel, err)
		}
		if n == 0 {
			break
		}
		data = data[:len(data)+n]
	}
	return data, Info{Size: st.Size, ModTime: st.Mtim.Nano()}, nil
}

// retry repeats a system call interrupted by a signal.
func retry(call func() (int, error)) (int, error) {
	for {
		n, err := call()
		if err != unix.EINTR {
			return n, err
		}
	}
}

func (d *Dir) pathErr(op, rel string, err error) error {
	return &os.PathError{Op: op, Path: filepath.Join(d.root, filepath.FromSlash(rel)), Err: err}
}

func names(dir string, files bool) ([]string, error) {
	fd, err := retry(func() (int, error) {
		return unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	})
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(fd)
	buf := make([]byte, 64<<10)
	var out []string
	for {
		n, err := retry(func() (int, error) { return unix.ReadDirent(fd, buf) })
		if err != nil {
			return nil, &os.PathError{Op: "readdirent", Path: dir, Err: err}
		}
		if n <= 0 {
			return out, nil
		}
		out = parseDirents(fd, buf[:n], files, out)
	}
}

// parseDirents appends the names of the linux_dirent64 records in buf.
func parseDirents(fd int, buf []byte, files bool, out []string) []string {
	for len(buf) >= 19 {
		reclen := int(binary.NativeEndian.Uint16(buf[16:18]))
		if reclen < 19 || reclen > len(buf) {
			break
		}
		typ, name := buf[18], buf[19:reclen]
		buf = buf[reclen:]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		if len(name) == 0 || string(name) == "." || string(name) == ".." {
			continue
		}
		if files && isDir(fd, typ, name) {
			continue
		}
		out = append(out, string(name))
	}
	return out
}

// isDir says whether the entry is a directory (or a link to one).
func isDir(fd int, typ byte, name []byte) bool {
	if typ != unix.DT_UNKNOWN && typ != unix.DT_LNK {
		return typ == unix.DT_DIR
	}
	var st unix.Stat_t
	if unix.Fstatat(fd, string(name), &st, 0) != nil {
		return false
	}
	return st.Mode&unix.S_IFMT == unix.S_IFDIR
}

func (d *Dir) isLink(rel string) bool {
	if d.fd < 0 {
		fi, err := os.Lstat(filepath.Join(d.root, filepath.FromSlash(rel)))
		return err == nil && fi.Mode()&os.ModeSymlink != 0
	}
	var st unix.Stat_t
	for {
		err := unix.Fstatat(d.fd, rel, &st, unix.AT_SYMLINK_NOFOLLOW)
		if err == unix.EINTR {
			continue
		}
		return err == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK
	}
}
