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

func (d *Dir) readFile(rel string) ([]byte, Info, error) {
	path := filepath.Join(d.root, filepath.FromSlash(rel))
	fi, err := os.Stat(path)
	if err != nil {
		return nil, Info{}, err
	}
	data, err := os.ReadFile(path)
	return data, Info{Size: fi.Size(), ModTime: fi.ModTime().UnixNano()}, err
}

func names(dir string, files bool) ([]string, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(des))
	for _, de := range des {
		if files {
			if fi, err := os.Stat(filepath.Join(dir, de.Name())); err == nil && fi.IsDir() {
				continue
			}
		}
		out = append(out, de.Name())
	}
	return out, nil
}

func (d *Dir) isLink(rel string) bool {
	fi, err := os.Lstat(filepath.Join(d.root, filepath.FromSlash(rel)))
	return err == nil && fi.Mode()&os.ModeSymlink != 0
}
