//go:build !linux

package collector

import (
	"errors"
	"os"
	"path/filepath"
)

// sizeMTime is os.Stat (os.Lstat unless follow): a file's size and
// modification time.
func sizeMTime(path string, follow bool) (size, mtime int64, err error) {
	stat := os.Lstat
	if follow {
		stat = os.Stat
	}
	fi, err := stat(path)
	if err != nil {
		return 0, 0, err
	}
	return fi.Size(), fi.ModTime().UnixNano(), nil
}

// statDir is a directory the unchanged-tree check stats paths relative
// to. Here it is only its path: the check stats absolute paths.
type statDir struct{ path string }

// openStatDir checks that path (relative to parent or, when parent is nil,
// absolute) is a directory.
func openStatDir(parent *statDir, path string) (*statDir, error) {
	if parent != nil {
		path = filepath.Join(parent.path, path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, &os.PathError{Op: "open", Path: path, Err: errNotDir}
	}
	return &statDir{path: path}, nil
}

var errNotDir = errors.New("not a directory")

// sizeMTime is sizeMTime of path (NUL-terminated) relative to d.
func (d *statDir) sizeMTime(path []byte, follow bool) (size, mtime int64, err error) {
	return sizeMTime(filepath.Join(d.path, string(path[:len(path)-1])), follow)
}

func (d *statDir) close() error { return nil }
