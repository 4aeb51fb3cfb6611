//go:build linux

package collector

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// roFile is a file opened for reading with open(2) alone. os.Open also
// sets O_NONBLOCK, tries to register the descriptor with the network
// poller and takes the flag back off: four fcntl and an epoll_ctl that
// fail for a regular file. A cold collect of make bench's tree opens 4,000
// files; those calls were 20,000 of its system calls.
type roFile struct {
	fd   int
	path string
}

// openFile opens path for reading.
func openFile(path string) (*roFile, error) {
	fd, err := openat(unix.AT_FDCWD, path, unix.O_RDONLY)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return &roFile{fd: fd, path: path}, nil
}

// openat is openat(2) with O_CLOEXEC, again when a signal interrupts it:
// the collector's files, walked directories and stat anchors are all
// opened through it.
func openat(dir int, path string, flags int) (int, error) {
	for {
		fd, err := unix.Openat(dir, path, flags|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// Read is os.File's Read.
func (f *roFile) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		n, err := unix.Read(f.fd, p)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return 0, &os.PathError{Op: "read", Path: f.path, Err: err}
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// ReadAt is os.File's ReadAt: it fills p unless the file ends first,
// which is io.EOF.
func (f *roFile) ReadAt(p []byte, off int64) (int, error) {
	read := 0
	for read < len(p) {
		n, err := unix.Pread(f.fd, p[read:], off+int64(read))
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return read, &os.PathError{Op: "read", Path: f.path, Err: err}
		case n == 0:
			return read, io.EOF
		}
		read += n
	}
	return read, nil
}

func (f *roFile) Close() error {
	if err := unix.Close(f.fd); err != nil {
		return &os.PathError{Op: "close", Path: f.path, Err: err}
	}
	return nil
}

// readFile is os.ReadFile for a file the walk found size bytes long: the
// size saves os.ReadFile's fstat, and a file that grew since is read to
// its end all the same.
func readFile(path string, size int64) ([]byte, error) {
	f, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data := make([]byte, 0, max(size, 0)+512)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
