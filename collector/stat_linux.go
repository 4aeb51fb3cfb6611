//go:build linux

package collector

import "syscall"

// sizeMTime is os.Stat (os.Lstat unless follow) for the unchanged-tree
// check, which stats every directory and run file of a tree: the same
// system call, without the FileInfo allocated for each.
func sizeMTime(path string, follow bool) (size, mtime int64, err error) {
	var st syscall.Stat_t
	for {
		if follow {
			err = syscall.Stat(path, &st)
		} else {
			err = syscall.Lstat(path, &st)
		}
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return 0, 0, err
	}
	return st.Size, st.Mtim.Nano(), nil
}
