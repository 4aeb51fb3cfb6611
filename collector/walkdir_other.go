//go:build !linux

package collector

import (
	"os"
)

// walkDir is a directory the walk is in; here only its path.
type walkDir struct{ path string }

func newWalkDir(parent *walkDir, name, path string) *walkDir { return &walkDir{path: path} }

func (d *walkDir) close() {}

// open does nothing here: the walk goes by path.
func (d *walkDir) open() (int, error) { return -1, nil }

func (d *walkDir) mtime() (int64, error) {
	fi, err := os.Stat(d.path)
	if err != nil {
		return 0, err
	}
	return fi.ModTime().UnixNano(), nil
}

func (d *walkDir) stat(name string, follow bool) (size, mtime int64, regular bool, err error) {
	stat := os.Lstat
	if follow {
		stat = os.Stat
	}
	fi, err := stat(joinPath(d.path, name))
	if err != nil {
		return 0, 0, false, err
	}
	return fi.Size(), fi.ModTime().UnixNano(), fi.Mode().IsRegular(), nil
}

func (d *walkDir) readDir([]byte) ([]dirEntry, error) {
	entries, err := os.ReadDir(d.path)
	out := make([]dirEntry, len(entries))
	for i, e := range entries {
		out[i] = dirEntry{name: e.Name(), typ: e.Type()}
	}
	return out, err
}
