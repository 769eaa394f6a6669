package site

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/rookery-social/rookery/publish/dirstat"
)

// createFile creates path, which must not exist (else the error matches
// os.ErrExist), and writes data to it with plain system calls — os.OpenFile
// adds five per file to register it with the network poller — and returns
// what fstat says of it. On error, the file is removed.
func createFile(path string, data []byte) (dirstat.Info, error) {
	fd, err := retry(func() (int, error) {
		return unix.Open(path, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o644)
	})
	if err != nil {
		return dirstat.Info{}, &os.PathError{Op: "open", Path: path, Err: err}
	}
	fi, err := writeAllFD(fd, path, data)
	if cerr := unix.Close(fd); err == nil && cerr != nil {
		err = &os.PathError{Op: "close", Path: path, Err: cerr}
	}
	if err != nil {
		unix.Unlink(path)
		return dirstat.Info{}, err
	}
	return fi, nil
}

func writeAllFD(fd int, path string, data []byte) (dirstat.Info, error) {
	for len(data) > 0 {
		n, err := retry(func() (int, error) { return unix.Write(fd, data) })
		if err != nil {
			return dirstat.Info{}, &os.PathError{Op: "write", Path: path, Err: err}
		}
		data = data[n:]
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return dirstat.Info{}, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	return dirstat.Info{Size: st.Size, ModTime: st.Mtim.Nano()}, nil
}

// rename is os.Rename without its extra stat of newpath: our new paths are
// never directories.
func rename(oldpath, newpath string) error {
	if err := unix.Rename(oldpath, newpath); err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	return nil
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
