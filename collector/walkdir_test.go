//go:build unix

package collector

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestWalkDirMatchesOS: a walkDir lists, stats and fails as os.ReadDir,
// os.Lstat and os.Stat do, on a directory with every kind of entry, more
// entries than one read of the listing holds, names of 255 bytes and a
// symbolic link to a directory.
func TestWalkDirMatchesOS(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "d")
	sub := filepath.Join(dir, "sub")
	for _, d := range []string{sub, filepath.Join(sub, "inner")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, text string) {
		t.Helper()
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "stats.json"), "{}")
	write(filepath.Join(dir, strings.Repeat("n", 255)), "long name")
	for i := range 300 { // ~300 x 40 bytes of listing: several reads of 8 KiB
		write(filepath.Join(sub, fmt.Sprintf("server_rank_%05d_node_-1.log", i)), strings.Repeat("x", i))
	}
	for _, l := range [][2]string{{"stats.json", "link-file"}, {"sub", "link-dir"}, {"missing", "link-broken"}} {
		if err := os.Symlink(l[0], filepath.Join(dir, l[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}

	w := &walker{buf: make([]byte, 8192)}
	top := newWalkDir(nil, "", root)
	defer top.close()
	for _, c := range []struct{ name, path string }{{"d", dir}, {"sub", sub}, {"link-dir", filepath.Join(dir, "link-dir")}} {
		parent := top
		if c.name != "d" {
			parent = newWalkDir(top, "d", dir)
			defer parent.close()
		}
		d := newWalkDir(parent, c.name, c.path)
		defer d.close()
		got, err := d.readDir(w.buf)
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadDir(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d entries, os.ReadDir has %d", c.path, len(got), len(want))
		}
		for i := range want {
			wantType := want[i].Type()
			if wantType&(fs.ModeDir|fs.ModeSymlink) == 0 && !wantType.IsRegular() {
				wantType = fs.ModeIrregular // the walk only tells directories, links and files apart
			}
			if got[i].name != want[i].Name() || got[i].typ != wantType {
				t.Errorf("%s: entry %d is %q %v, os.ReadDir has %q %v", c.path, i, got[i].name, got[i].typ, want[i].Name(), wantType)
			}
			for _, follow := range []bool{false, true} {
				size, mtime, regular, err := d.stat(got[i].name, follow)
				stat := os.Lstat
				if follow {
					stat = os.Stat
				}
				fi, werr := stat(filepath.Join(c.path, want[i].Name()))
				if (err == nil) != (werr == nil) {
					t.Fatalf("stat %s (follow %v): %v, os says %v", want[i].Name(), follow, err, werr)
				}
				if err == nil && (size != fi.Size() || mtime != fi.ModTime().UnixNano() || regular != fi.Mode().IsRegular()) {
					t.Errorf("stat %s (follow %v): %d %d %v, os says %d %d %v", want[i].Name(), follow, size, mtime, regular, fi.Size(), fi.ModTime().UnixNano(), fi.Mode().IsRegular())
				}
			}
		}
		mt, err := d.mtime()
		fi, _ := os.Stat(c.path)
		if err != nil || mt != fi.ModTime().UnixNano() {
			t.Errorf("%s: mtime %d, %v; os.Stat says %d", c.path, mt, err, fi.ModTime().UnixNano())
		}
	}

	// A directory that is not there, or is a file, fails as os.ReadDir does.
	for _, name := range []string{"gone", "stats.json"} {
		parent := newWalkDir(top, "d", dir)
		d := newWalkDir(parent, name, filepath.Join(dir, name))
		_, err := d.readDir(w.buf)
		_, want := os.ReadDir(filepath.Join(dir, name))
		if err == nil || err.Error() != want.Error() || errors.Is(err, fs.ErrNotExist) != errors.Is(want, fs.ErrNotExist) {
			t.Errorf("readDir %s: %v, os.ReadDir says %v", name, err, want)
		}
		d.close()
		parent.close()
	}
}

// TestWalkDeeperThanHeldDirs: a run below more directories than the walk
// keeps open is found, with the same files as a shallow one.
func TestWalkDeeperThanHeldDirs(t *testing.T) {
	root := t.TempDir()
	parts := []string{"exp", "prompt", "model"}
	for i := range 140 {
		parts = append(parts, fmt.Sprintf("l%d", i))
	}
	parts = append(parts, "tp1-pp1-dp1", "inference_logs")
	inf := filepath.Join(append([]string{root}, parts...)...)
	if err := os.MkdirAll(filepath.Join(inf, "server_logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"stats.json", "server_logs/server_rank_0.log"} {
		if err := os.WriteFile(filepath.Join(inf, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	runs, skipped, err := discover(t.Context(), root)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || len(skipped) != 0 {
		t.Fatalf("runs %+v, skipped %+v", runs, skipped)
	}
	var got []string
	for _, f := range runs[0].Files {
		got = append(got, f.Rel+"="+f.Path)
	}
	want := []string{"server_logs/server_rank_0.log=" + filepath.Join(inf, "server_logs", "server_rank_0.log"), "stats.json=" + filepath.Join(inf, "stats.json")}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("files\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
