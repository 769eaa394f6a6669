//go:build !linux

package site

import (
	"os"

	"github.com/rookery-social/rookery/publish/dirstat"
)

// createFile creates path, which must not exist (else the error matches
// os.ErrExist), writes data to it and returns what stat says of it. On
// error, the file is removed.
func createFile(path string, data []byte) (dirstat.Info, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return dirstat.Info{}, err
	}
	_, err = f.Write(data)
	var fi os.FileInfo
	if err == nil {
		fi, err = f.Stat()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return dirstat.Info{}, err
	}
	return dirstat.Info{Size: fi.Size(), ModTime: fi.ModTime().UnixNano()}, nil
}

func rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }
