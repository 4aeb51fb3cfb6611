//go:build linux

package collector

import (
	"bytes"
	"io/fs"
	"os"
	"slices"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// walkDir is a directory the walk is in. Its entries are listed and
// stat'ed, and its subdirectories opened, relative to its descriptor, which
// is opened when it is read: the kernel then resolves one path component
// per call instead of every component from the root (13 of them in the
// original tool's later layout), and os.Open's fcntl on every descriptor
// is saved. Against os.ReadDir and os.Lstat by absolute path this took the
// walk of make bench's tree (13,547 directories, 5,801 files) from 125-135
// to 80-100 ms. A directory the walk does not read (its listing is
// remembered) is not opened: what is in it is stat'ed through the nearest
// directory that is.
type walkDir struct {
	path  string // absolute, for errors and for the runs' files
	depth int
	fd    int // -1 until opened
	// base is the nearest ancestor that was open when d was made (nil: none,
	// rel is absolute) and rel d's path from it. A directory whose listing
	// the walk remembers is not opened (see walker.readDir): its entries are
	// stat'ed through base. On make bench's 10,000-run tree, that saves a
	// walk from remembered listings 67,700 opens and as many closes: 322-463
	// -> 292-324 ms (best of 7, three runs of each in turn).
	base *walkDir
	rel  string
}

// maxHeldDirs bounds the descriptors a walk holds open at once: deeper
// directories are opened by their absolute path.
const maxHeldDirs = 128

// newWalkDir returns the directory name below parent (path is its
// absolute path); with parent nil, path alone. Nothing is opened yet.
func newWalkDir(parent *walkDir, name, path string) *walkDir {
	if parent == nil || parent.depth >= maxHeldDirs {
		return &walkDir{path: path, fd: -1, rel: path}
	}
	d := &walkDir{path: path, depth: parent.depth + 1, fd: -1, base: parent, rel: name}
	if parent.fd < 0 && len(parent.rel)+1+len(name) > maxRel {
		parent.open() // on error, the long path below fails the same way
	}
	if parent.fd < 0 {
		d.base, d.rel = parent.base, parent.rel+"/"+name
	}
	return d
}

// maxRel bounds a path relative to a base, well below PATH_MAX (4096 on
// Linux): past it, the parent is opened to be the base.
const maxRel = 1024

// at is the descriptor d.rel is relative to.
func (d *walkDir) at() int {
	if d.base == nil {
		return unix.AT_FDCWD
	}
	return d.base.fd
}

func (d *walkDir) open() (int, error) {
	if d.fd >= 0 {
		return d.fd, nil
	}
	fd, err := openat(d.at(), d.rel, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: d.path, Err: err}
	}
	d.fd = fd
	return fd, nil
}

// close releases the descriptor, if d opened one.
func (d *walkDir) close() {
	if d.fd >= 0 {
		unix.Close(d.fd)
		d.fd = -1
	}
}

// mtime is the directory's modification time (UnixNano), following a
// symbolic link to it as os.Stat does.
func (d *walkDir) mtime() (int64, error) {
	var st unix.Stat_t
	var err error
	if d.fd >= 0 {
		for err = unix.Fstat(d.fd, &st); err == unix.EINTR; err = unix.Fstat(d.fd, &st) {
		}
	} else {
		err = fstatat(d.at(), d.rel, &st, 0)
	}
	if err != nil {
		return 0, &os.PathError{Op: "stat", Path: d.path, Err: err}
	}
	return st.Mtim.Nano(), nil
}

// stat is os.Lstat (os.Stat with follow) of the entry name: its size,
// modification time and whether it is a regular file.
func (d *walkDir) stat(name string, follow bool) (size, mtime int64, regular bool, err error) {
	at, rel := d.fd, name
	if at < 0 {
		at, rel = d.at(), d.rel+"/"+name
	}
	flags := unix.AT_SYMLINK_NOFOLLOW
	if follow {
		flags = 0
	}
	var st unix.Stat_t
	if err := fstatat(at, rel, &st, flags); err != nil {
		return 0, 0, false, &os.PathError{Op: "lstat", Path: joinPath(d.path, name), Err: err}
	}
	return st.Size, st.Mtim.Nano(), st.Mode&unix.S_IFMT == unix.S_IFREG, nil
}

func fstatat(fd int, name string, st *unix.Stat_t, flags int) error {
	for {
		err := unix.Fstatat(fd, name, st, flags)
		if err != unix.EINTR {
			return err
		}
	}
}

// readDir lists the directory as os.ReadDir does: sorted by name, without
// "." and "..", each entry's type from the listing (or an lstat where the
// file system does not say). buf is the walk's getdents buffer.
func (d *walkDir) readDir(buf []byte) ([]dirEntry, error) {
	fd, err := d.open()
	if err != nil {
		return nil, err
	}
	var names []byte
	type ent struct {
		end int // of the name in names
		typ byte
	}
	var ents []ent
	for {
		n, err := unix.Getdents(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "readdirent", Path: d.path, Err: err}
		}
		if n <= 0 {
			break
		}
		for b := buf[:n]; len(b) >= direntNameOff; {
			reclen := int(*(*uint16)(unsafe.Pointer(&b[direntReclenOff])))
			if reclen <= direntNameOff || reclen > len(b) {
				break
			}
			name := b[direntNameOff:reclen]
			if i := bytes.IndexByte(name, 0); i >= 0 {
				name = name[:i]
			}
			typ := b[direntTypeOff]
			b = b[reclen:]
			if len(name) == 0 || string(name) == "." || string(name) == ".." {
				continue
			}
			names = append(names, name...)
			ents = append(ents, ent{end: len(names), typ: typ})
		}
	}
	all := string(names)
	out := make([]dirEntry, len(ents))
	start := 0
	for i, e := range ents {
		out[i].name = all[start:e.end]
		start = e.end
		out[i].typ = direntType(e.typ, func() (uint32, error) {
			var st unix.Stat_t
			err := fstatat(fd, out[i].name, &st, unix.AT_SYMLINK_NOFOLLOW)
			return st.Mode, err
		})
	}
	slices.SortFunc(out, func(a, b dirEntry) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

// direntType is the type the walk tells apart (directory, symbolic link,
// regular file, anything else) of an entry getdents typed dt; where the
// file system does not say (DT_UNKNOWN), lstat, which gives the entry's
// st_mode, does.
func direntType(dt uint8, lstat func() (mode uint32, err error)) fs.FileMode {
	if dt == unix.DT_UNKNOWN {
		mode, err := lstat()
		if err != nil {
			return fs.ModeIrregular
		}
		dt = uint8(mode & unix.S_IFMT >> 12) // S_IFDIR >> 12 is DT_DIR, and so on
	}
	switch dt {
	case unix.DT_DIR:
		return fs.ModeDir
	case unix.DT_LNK:
		return fs.ModeSymlink
	case unix.DT_REG:
		return 0
	}
	return fs.ModeIrregular
}

// The layout of struct linux_dirent64: d_ino, d_off (8 bytes each),
// d_reclen (2), d_type (1), d_name.
const (
	direntReclenOff = int(unsafe.Offsetof(unix.Dirent{}.Reclen))
	direntTypeOff   = int(unsafe.Offsetof(unix.Dirent{}.Type))
	direntNameOff   = int(unsafe.Offsetof(unix.Dirent{}.Name))
)
