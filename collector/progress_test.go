package collector

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Nothing that is not a terminal gets a progress bar: not /dev/null (a
// character device, which a check of the file mode took for one), a pipe,
// a file or a buffer.
func TestIsTerminal(t *testing.T) {
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for name, w := range map[string]io.Writer{"/dev/null": devNull, "pipe": w, "file": file, "buffer": new(bytes.Buffer)} {
		if IsTerminal(w) {
			t.Errorf("%s is taken for a terminal", name)
		}
	}
}

// The bar is redrawn at most every 100 ms, also while every run found so
// far is done (the workers keep up with the walk).
func TestProgressThrottled(t *testing.T) {
	var out bytes.Buffer
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	p := &Progress{w: &out, now: func() time.Time { return now }}
	for i := 1; i <= 500; i++ {
		p.Update(i, i)
		now = now.Add(time.Millisecond)
	}
	// 500 ms of updates: drawn at 0, 100, 200, 300 and 400 ms
	if n := strings.Count(out.String(), "\r["); n != 5 {
		t.Fatalf("%d draws in 500 ms, want 5:\n%q", n, out.String())
	}
	if !strings.HasSuffix(out.String(), "] 401/401 runs") {
		t.Errorf("last draw %q", out.String()[strings.LastIndex(out.String(), "\r"):])
	}
}
