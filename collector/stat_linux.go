//go:build linux

package collector

import (
	"golang.org/x/sys/unix"
)

// sizeMTime is os.Stat (os.Lstat unless follow) for the unchanged-tree
// check: the same system call, without the FileInfo allocated for each.
func sizeMTime(path string, follow bool) (size, mtime int64, err error) {
	p, err := unix.ByteSliceFromString(path)
	if err != nil {
		return 0, 0, err
	}
	return sizeMTimeAt(unix.AT_FDCWD, p, follow)
}

// sizeMTimeAt stats path (NUL-terminated) relative to the directory dir.
func sizeMTimeAt(dir int, path []byte, follow bool) (size, mtime int64, err error) {
	flags := unix.AT_SYMLINK_NOFOLLOW
	if follow {
		flags = 0
	}
	var st unix.Stat_t
	for {
		err = fstatatNul(dir, path, &st, flags)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return 0, 0, err
	}
	return st.Size, st.Mtim.Nano(), nil
}

// statDir is a directory the unchanged-tree check stats paths relative
// to: an O_PATH descriptor, so that the kernel resolves only the components
// below it (see statplan.go).
type statDir struct{ fd int }

// openStatDir opens path, relative to parent or, when parent is nil,
// absolute. Symbolic links are followed, as os.Stat follows them.
func openStatDir(parent *statDir, path string) (*statDir, error) {
	at := unix.AT_FDCWD
	if parent != nil {
		at = parent.fd
	}
	fd, err := openat(at, path, unix.O_PATH|unix.O_DIRECTORY)
	if err != nil {
		return nil, err
	}
	return &statDir{fd: fd}, nil
}

// sizeMTime is sizeMTime of path (NUL-terminated) relative to d.
func (d *statDir) sizeMTime(path []byte, follow bool) (size, mtime int64, err error) {
	return sizeMTimeAt(d.fd, path, follow)
}

func (d *statDir) close() error { return unix.Close(d.fd) }
