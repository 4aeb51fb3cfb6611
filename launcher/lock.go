package launcher

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// LockFile is the name of the lock in an output directory.
const LockFile = ".lineup.lock"

// lock is an exclusive flock on an output directory: two `lineup launch`
// calls on the same tree never classify and submit at the same time.
type lock struct{ f *os.File }

// acquireLock takes the lock of dir, waiting up to timeout (0: fail at
// once). While it waits it says so once on w.
func acquireLock(ctx context.Context, dir string, timeout time.Duration, w io.Writer) (*lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	file := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	deadline := time.Now().Add(timeout)
	said := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", file, err)
		}
		holder := readHolder(file)
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("lock %s is held by another lineup launch (%s); waited %s (-lock-wait)", file, holder, timeout)
		}
		if !said {
			fmt.Fprintf(w, "waiting for another lineup launch (%s) to release %s\n", holder, file)
			said = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	host, _ := os.Hostname()
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte("pid "+strconv.Itoa(os.Getpid())+" on "+host+"\n"), 0)
	}
	return &lock{f}, nil
}

func readHolder(file string) string {
	b, err := os.ReadFile(file)
	if err != nil || len(b) == 0 {
		return "holder unknown"
	}
	return strings.TrimSpace(string(b))
}

func (l *lock) release() {
	l.f.Truncate(0)
	syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
}
