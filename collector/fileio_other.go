//go:build !linux

package collector

import "os"

// roFile is a file opened for reading.
type roFile = os.File

// openFile opens path for reading.
func openFile(path string) (*roFile, error) { return os.Open(path) }

// readFile is os.ReadFile; size, the walk's, is a hint only.
func readFile(path string, size int64) ([]byte, error) { return os.ReadFile(path) }
