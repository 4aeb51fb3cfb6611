package site

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// A build writes the whole site into a fresh staging directory beside the
// output directory (.<out>.build-*), with plain writes, and publish then
// swaps it into place: the old directory is renamed aside, the staging
// directory renamed to the output, the old one removed. Until that swap the
// previous site stays untouched, whatever happens to the build, and after
// it no file of an earlier build remains. A reader of the output sees the
// old site or the new one; for the moment between the two renames the
// directory is missing (POSIX has no portable directory exchange).

// siteMarker is a file every build writes; a directory without it is not a
// site this package built and is never replaced.
const siteMarker = ".nojekyll"

// ErrNotASite is returned (wrapped) when the output directory holds files
// but no site: replacing it would delete someone's files.
var ErrNotASite = errors.New("output directory holds files that are not a lineup site")

// outputDir resolves opts.OutDir and checks that a build may replace it: it
// does not exist, is empty, or holds an earlier build; and the content is
// not inside it.
func outputDir(opts Options) (string, error) {
	if opts.OutDir == "" {
		return "", errors.New("no output directory")
	}
	out, err := filepath.Abs(opts.OutDir)
	if err != nil {
		return "", err
	}
	// A symlinked output directory: replace what it points to, keep the
	// link.
	if fi, err := os.Lstat(out); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if out, err = filepath.EvalSymlinks(out); err != nil {
			return "", err
		}
	}
	if opts.ContentDir != "" {
		content, err := filepath.Abs(opts.ContentDir)
		if err != nil {
			return "", err
		}
		if within(content, out) {
			return "", fmt.Errorf("output directory %s holds the content directory %s: a build replaces its output, choose another -out", opts.OutDir, opts.ContentDir)
		}
	}
	entries, err := os.ReadDir(out)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return out, os.MkdirAll(filepath.Dir(out), 0o755)
	case err != nil:
		return "", err
	}
	if len(entries) > 0 {
		if _, err := os.Stat(filepath.Join(out, siteMarker)); err != nil {
			return "", fmt.Errorf("%w: %s has no %s; remove it or choose another output directory", ErrNotASite, opts.OutDir, siteMarker)
		}
	}
	return out, nil
}

// within reports whether path is dir or inside it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// publish puts the finished staging directory in the place of out.
func publish(staging, out string) error {
	// MkdirTemp made the staging directory private; a site is read by
	// web servers and other users.
	if err := os.Chmod(staging, 0o755); err != nil {
		return err
	}
	old := ""
	if _, err := os.Lstat(out); err == nil {
		old = staging + ".old"
		if err := os.Rename(out, old); err != nil {
			return fmt.Errorf("publish %s: %w", out, err)
		}
	}
	if err := os.Rename(staging, out); err != nil {
		if old != "" {
			os.Rename(old, out) // put the previous site back
		}
		return fmt.Errorf("publish %s: %w", out, err)
	}
	if old != "" {
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("the new site is in %s, but the previous one was not removed: %w", out, err)
		}
	}
	return nil
}
