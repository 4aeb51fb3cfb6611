//go:build linux && (amd64 || arm64)

package collector

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// fstatatNul is unix.Fstatat for a path already NUL-terminated:
// unix.Fstatat copies its string into a new allocation to terminate it.
// For the 96,669 stats of an unchanged collect of make bench's 10,000-run
// tree, going without took the collect from 99.7 to 89.6 ms (medians of 31
// alternating runs).
func fstatatNul(dir int, path []byte, st *unix.Stat_t, flags int) error {
	_, _, errno := unix.Syscall6(sysFstatat, uintptr(dir), uintptr(unsafe.Pointer(&path[0])), uintptr(unsafe.Pointer(st)), uintptr(flags), 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}
