// Package dirstat stats and reads many files under one directory cheaply:
// an incremental build at 10,000 posts checks some 20,000 files, where
// os.Stat on full paths spends on path walks and FileInfo allocations; a
// full build reads 10,000 posts, and os.ReadFile spends six more system
// calls per file registering it with the network poller (bench/profiles.md
// has the figures). It is not a general file system abstraction: it
// answers "what size and modification time does this file have now" and
// "what does it hold".
package dirstat

// Info is what a build remembers about a file to notice later changes.
type Info struct {
	Size    int64
	ModTime int64 // Unix nanoseconds
}

// Dir stats files by paths relative to one directory. Its methods are safe
// for concurrent use. Close releases it.
type Dir struct {
	root string
	fd   int // an open descriptor of root where the platform supports it, else -1
}

// Open prepares stats under root. It never fails: when root can't be
// opened, Stat reports every file as missing, which callers treat as
// "changed".
func Open(root string) *Dir {
	return &Dir{root: root, fd: openDir(root)}
}

// Stat returns the size and modification time of root/rel (rel uses
// forward slashes), following symbolic links like os.Stat; ok is false
// when it can't be stat'ed.
func (d *Dir) Stat(rel string) (Info, bool) {
	return d.stat(rel)
}

// ReadFile reads root/rel (rel uses forward slashes) and returns its
// content with the size and modification time it had when read.
func (d *Dir) ReadFile(rel string) ([]byte, Info, error) {
	return d.readFile(rel)
}

// Close releases the directory.
func (d *Dir) Close() {
	closeDir(d.fd)
	d.fd = -1
}

// Names lists the names in directory dir but "." and "..", unsorted;
// with files true, only those that are not directories (symbolic links
// are followed, like os.Stat). On Linux it reads the directory with plain
// getdents calls: os.File.ReadDir allocates a DirEntry per name, a good
// part of listing 10,000 posts.
func Names(dir string, files bool) ([]string, error) {
	return names(dir, files)
}

// IsLink reports whether root/rel is itself a symbolic link (it does not
// follow it).
func (d *Dir) IsLink(rel string) bool {
	return d.isLink(rel)
}
