package collector

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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

// A walk closes every directory it opened: over all three layouts and a
// tree deeper than the descriptors it holds, the process ends with the
// descriptors it started with.
func TestWalkClosesDirectories(t *testing.T) {
	openFDs := func() int {
		entries, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skip("no /proc/self/fd")
		}
		return len(entries)
	}
	root := t.TempDir()
	for _, layout := range []string{"lineup", "seed", "datatrove"} {
		buildLayout(t, filepath.Join(root, layout), layout)
	}
	deep := filepath.Join(root, "deep")
	for i := range maxHeldDirs + 20 {
		deep = filepath.Join(deep, fmt.Sprintf("d%d", i))
	}
	if err := os.MkdirAll(filepath.Join(deep, "tp1-pp1-dp1", "inference_logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(deep, "tp1-pp1-dp1", "inference_logs", "stats.json"), []byte("[]"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := openFDs()
	runs, _, err := discover(t.Context(), root)
	if err != nil {
		t.Fatal(err)
	}
	if after := openFDs(); after != before {
		t.Errorf("%d descriptors open after the walk, %d before", after, before)
	}
	if len(runs) < 8 {
		t.Errorf("%d runs found, want the layouts' and the deep one", len(runs))
	}
}
