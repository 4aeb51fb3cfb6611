package diff

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// Load reads the snapshot ref names: a snapshot file, or the id of a
// snapshot in dir (the file <id>.json, else any *.json in dir whose id is
// ref).
func Load(ref, dir string) (*snapshot.Snapshot, error) {
	if st, err := os.Stat(ref); err == nil && !st.IsDir() {
		return snapshot.ReadFile(ref)
	}
	if !snapshot.ValidID(ref) {
		return nil, fmt.Errorf("snapshot %q: no such file, and not a snapshot id: %w", ref, fs.ErrNotExist)
	}
	file := filepath.Join(dir, ref+".json")
	s, err := snapshot.ReadFile(file)
	if err == nil {
		if s.ID != ref {
			return nil, fmt.Errorf("%s: holds snapshot %q, not %q", file, s.ID, ref)
		}
		return s, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("snapshot %q: %w", ref, err)
	}
	var unreadable []error
	for _, n := range names {
		s, err := snapshot.ReadFile(n)
		if err != nil {
			unreadable = append(unreadable, err)
			continue
		}
		if s.ID == ref {
			return s, nil
		}
	}
	err = fmt.Errorf("snapshot %q: no file %s and no snapshot with that id among the %d files in %s: %w", ref, file, len(names), dir, fs.ErrNotExist)
	if len(unreadable) > 0 {
		err = fmt.Errorf("%w (%d files could not be read: %w)", err, len(unreadable), errors.Join(unreadable...))
	}
	return nil, err
}
