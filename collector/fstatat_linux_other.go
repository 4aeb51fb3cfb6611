//go:build linux && !amd64 && !arm64

package collector

import "golang.org/x/sys/unix"

// fstatatNul is unix.Fstatat for a path already NUL-terminated.
func fstatatNul(dir int, path []byte, st *unix.Stat_t, flags int) error {
	return unix.Fstatat(dir, string(path[:len(path)-1]), st, flags)
}
