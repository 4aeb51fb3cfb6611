package collector

import (
	"errors"
	"io/fs"
	"testing"

	"golang.org/x/sys/unix"
)

// The type of a listed entry: from getdents where the file system says,
// from lstat where it does not (DT_UNKNOWN, as on some XFS and network
// file systems), ModeIrregular when even lstat cannot tell.
func TestDirentType(t *testing.T) {
	noStat := func() (uint32, error) { t.Fatal("lstat called for a typed entry"); return 0, nil }
	for _, c := range []struct {
		dt    uint8
		lstat func() (uint32, error)
		want  fs.FileMode
	}{
		{unix.DT_DIR, noStat, fs.ModeDir},
		{unix.DT_LNK, noStat, fs.ModeSymlink},
		{unix.DT_REG, noStat, 0},
		{unix.DT_FIFO, noStat, fs.ModeIrregular},
		{unix.DT_SOCK, noStat, fs.ModeIrregular},
		{unix.DT_UNKNOWN, func() (uint32, error) { return unix.S_IFDIR | 0o755, nil }, fs.ModeDir},
		{unix.DT_UNKNOWN, func() (uint32, error) { return unix.S_IFLNK | 0o777, nil }, fs.ModeSymlink},
		{unix.DT_UNKNOWN, func() (uint32, error) { return unix.S_IFREG | 0o644, nil }, 0},
		{unix.DT_UNKNOWN, func() (uint32, error) { return unix.S_IFCHR | 0o666, nil }, fs.ModeIrregular},
		{unix.DT_UNKNOWN, func() (uint32, error) { return 0, errors.New("gone") }, fs.ModeIrregular},
	} {
		if got := direntType(c.dt, c.lstat); got != c.want {
			t.Errorf("direntType(%d) = %v, want %v", c.dt, got, c.want)
		}
	}
}
