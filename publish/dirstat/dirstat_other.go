//go:build !linux

package dirstat

import (
	"os"
	"path/filepath"
)

func openDir(string) int { return 0 }

func closeDir(int) {}

func (d *Dir) stat(rel string) (Info, bool) {
	fi, err := os.Stat(filepath.Join(d.root, filepath.FromSlash(rel)))
	if err != nil {
		return Info{}, false
	}
	return Info{Size: fi.Size(), ModTime: fi.ModTime().UnixNano()}, true
}
