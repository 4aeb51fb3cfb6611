//go:build !linux

package collector

import "os"

// sizeMTime is os.Stat (os.Lstat unless follow): a file's size and
// modification time.
func sizeMTime(path string, follow bool) (size, mtime int64, err error) {
	stat := os.Lstat
	if follow {
		stat = os.Stat
	}
	fi, err := stat(path)
	if err != nil {
		return 0, 0, err
	}
	return fi.Size(), fi.ModTime().UnixNano(), nil
}
