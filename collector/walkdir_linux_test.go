package collector

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	ageTree(t, root)
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
	// and a walk from remembered listings, which opens directories only
	// to stat through them
	first, err := walkTree(t.Context(), root, "", nil, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	before = openFDs()
	second, err := walkTree(t.Context(), root, "", first.next.dirMap(), true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if after := openFDs(); after != before {
		t.Errorf("%d descriptors open after a walk from remembered listings, %d before", after, before)
	}
	if len(second.runs) != len(runs) {
		t.Errorf("a walk from remembered listings found %d runs, want %d", len(second.runs), len(runs))
	}
}

// TestWalkRememberedBeyondPathMax: a walk from remembered listings opens
// no directory it need not read, and stats what lies below through the
// nearest open one; a path that grows past what the kernel takes (here 25
// levels of 200-byte names, 5 KB) makes it open one on the way. The runs
// found are those of a walk that reads every directory.
func TestWalkRememberedBeyondPathMax(t *testing.T) {
	root := t.TempDir()
	rootFD, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	fds, names := []int{rootFD}, []string{}
	defer func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}()
	mkdir := func(name string) {
		at := fds[len(fds)-1]
		if err := unix.Mkdirat(at, name, 0o755); err != nil {
			t.Fatal(err)
		}
		fd, err := unix.Openat(at, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		fds, names = append(fds, fd), append(names, name)
	}
	for i := range 25 {
		mkdir(fmt.Sprintf("%03d%s", i, strings.Repeat("n", 197)))
	}
	mkdir("tp1-pp1-dp1")
	mkdir("inference_logs")
	fd, err := unix.Openat(fds[len(fds)-1], "stats.json", unix.O_CREAT|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	unix.Write(fd, []byte("[]"))
	unix.Close(fd)
	// as finished jobs leave it: every directory older than racyWindow
	old := unix.NsecToTimespec(time.Now().Add(-time.Hour).UnixNano())
	for i := len(names) - 1; i >= 0; i-- {
		if err := unix.UtimesNanoAt(fds[i], names[i], []unix.Timespec{old, old}, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, root, []unix.Timespec{old, old}, 0); err != nil {
		t.Fatal(err)
	}

	first, err := walkTree(t.Context(), root, "", nil, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.runs) != 1 || len(first.runs[0].Files) != 1 || len(first.skipped) != 0 || !first.next.Complete {
		t.Fatalf("walk reading every directory: %d runs, %d skipped, complete %v", len(first.runs), len(first.skipped), first.next.Complete)
	}
	before, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	second, err := walkTree(t.Context(), root, "", first.next.dirMap(), true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadDir("/proc/self/fd"); len(after) != len(before) {
		t.Errorf("%d descriptors open after the walk, %d before", len(after), len(before))
	}
	if got, want := fmt.Sprint(second.runs, second.skipped, second.next.Files), fmt.Sprint(first.runs, first.skipped, first.next.Files); got != want {
		t.Errorf("a walk from remembered listings found %d runs (%d skipped: %.300v), the walk reading every directory %d",
			len(second.runs), len(second.skipped), second.skipped, len(first.runs))
	}
}
