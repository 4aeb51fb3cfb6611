package collector

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestFileIOMatchesOS: openFile, its Read and ReadAt, and readFile give
// what os.Open and os.ReadFile give, errors included, whatever size hint
// the walk passed.
func TestFileIOMatchesOS(t *testing.T) {
	dir := t.TempDir()
	content := bytes.Repeat([]byte("INFO 05-14 12:00:01 [loggers.py:116] Engine 000: Avg prompt throughput: 0.0 tokens/s\n"), 200)
	file := filepath.Join(dir, "server_rank_0.log")
	if err := os.WriteFile(file, content, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, hint := range []int64{int64(len(content)), 0, 10, int64(len(content)) * 3, -1} {
		got, err := readFile(file, hint)
		if err != nil || !bytes.Equal(got, content) {
			t.Fatalf("readFile(size %d): %d bytes, %v; want the %d written", hint, len(got), err, len(content))
		}
	}

	f, err := openFile(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := io.ReadAll(io.LimitReader(f, int64(len(content))+1))
	if err != nil || !bytes.Equal(all, content) {
		t.Fatalf("Read: %d bytes, %v", len(all), err)
	}
	if n, err := f.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Fatalf("Read at the end: %d, %v; want 0, io.EOF", n, err)
	}
	if n, err := f.Read(nil); n != 0 || err != nil {
		t.Fatalf("Read of nothing: %d, %v", n, err)
	}
	osf, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer osf.Close()
	for _, c := range []struct {
		off int64
		n   int
	}{{0, 100}, {17, 4096}, {int64(len(content)) - 5, 100}, {int64(len(content)), 10}, {int64(len(content)) + 10, 10}, {3, 0}} {
		got, want := make([]byte, c.n), make([]byte, c.n)
		gn, gerr := f.ReadAt(got, c.off)
		wn, werr := osf.ReadAt(want, c.off)
		if gn != wn || gerr != werr || !bytes.Equal(got, want) {
			t.Errorf("ReadAt(%d bytes at %d): %d, %v; os.File gives %d, %v", c.n, c.off, gn, gerr, wn, werr)
		}
	}

	// Errors read as os's do: a missing file, and a directory read as a file.
	_, err = openFile(filepath.Join(dir, "gone.log"))
	_, want := os.Open(filepath.Join(dir, "gone.log"))
	if err == nil || err.Error() != want.Error() || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("openFile of a missing file: %v; os.Open says %v", err, want)
	}
	_, err = readFile(dir, 0)
	_, want = os.ReadFile(dir)
	if err == nil || err.Error() != want.Error() {
		t.Errorf("readFile of a directory: %v; os.ReadFile says %v", err, want)
	}
}
