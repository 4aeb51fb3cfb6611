package collector

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lineup-dev/lineup/launcher/rundir"
)

// Skip is a part of the tree the collector did not turn into a run, and why.
type Skip struct {
	Path   string `json:"path"` // relative to the root, slash-separated
	Reason string `json:"reason"`
}

// fileRef is one file a run's numbers may come from.
type fileRef struct {
	Path  string // absolute
	Rel   string // relative to the run's inference directory ("stats.json", "slurm_logs/1_0.out"); run.json is "../run.json"
	Size  int64
	MTime int64 // UnixNano
}

// runDir is one discovered run directory, before parsing.
type runDir struct {
	Dir string // absolute run directory
	Rel string // run directory relative to the root, slash-separated
	// LocPath is the path the configuration is read from: Rel, or for
	// Explain the run's absolute path.
	LocPath string
	InfDir  string // absolute inference directory
	// InfRel is InfDir relative to Dir, slash-separated ("inference_logs",
	// "logs/inference", "inference").
	InfRel string
	Layout Layout
	Files  []fileRef
}

// fingerprint identifies the content of a run directory for the cache:
// every file's path, size and modification time.
func (r *runDir) fingerprint() string {
	var b strings.Builder
	for _, f := range r.Files {
		b.WriteString(f.Rel)
		b.WriteByte(0)
		b.WriteString(strconv.FormatInt(f.Size, 10))
		b.WriteByte(0)
		b.WriteString(strconv.FormatInt(f.MTime, 10))
		b.WriteByte('\n')
	}
	return b.String()
}

// inferenceRel returns inf relative to its run directory dir (inf lies below dir).
func inferenceRel(dir, inf string) string {
	if rest, ok := strings.CutPrefix(inf, dir); ok && len(rest) > 1 && os.IsPathSeparator(rest[0]) {
		return filepath.ToSlash(rest[1:])
	}
	rel, err := filepath.Rel(dir, inf)
	if err != nil {
		return filepath.Base(inf)
	}
	return filepath.ToSlash(rel)
}

// file returns the file with the given Rel, or nil.
func (r *runDir) file(rel string) *fileRef {
	for i := range r.Files {
		if r.Files[i].Rel == rel {
			return &r.Files[i]
		}
	}
	return nil
}

// ignorableEmpty are datatrove siblings of inference_logs that are often
// empty and say nothing about a run.
var ignorableEmpty = map[string]bool{"checkpoints": true, "completions": true, "output": true, "monitor_logs": true, "datacard_logs": true, "stats": true, "logs": true}

// walker discovers run directories under a root. It follows symbolic links
// to directories but never enters a directory twice, so a link loop is a
// skip, not a hang.
type walker struct {
	root    string
	prefix  string // prepended to Rel for ParsePath
	runs    []runDir
	skipped []Skip
	entered map[string]bool // real paths of directories entered
	// prev are the directory listings of the last collect (nil: none);
	// next, when not nil, receives this walk's directories and run files.
	prev map[string]dirState
	next *treeState
	now  time.Time
	// found, when set, is called with every run directory as it is found.
	found func(*runDir) error
	buf   []byte // the directory listings' read buffer
}

// discover walks root and returns its run directories (in path order) and
// what it skipped.
func discover(ctx context.Context, root string) ([]runDir, []Skip, error) {
	return discoverWith(ctx, root, "")
}

// discoverWith is discover with a prefix for reading configurations out of
// paths: Explain passes the directory's absolute path, since the part of
// the path that names the configuration lies above it.
func discoverWith(ctx context.Context, root, prefix string) ([]runDir, []Skip, error) {
	w, err := walkTree(ctx, root, prefix, nil, false, nil)
	if err != nil {
		return nil, nil, err
	}
	return w.runs, w.skipped, nil
}

// walkTree walks root. A directory whose modification time is the one
// recorded in prev is not read again; with record, the walker's next holds
// what the next collect needs to tell whether the tree changed. found, when
// not nil, is called with each run directory as it is found (in the order
// of the result); an error from it ends the walk.
func walkTree(ctx context.Context, root, prefix string, prev map[string]dirState, record bool, found func(*runDir) error) (*walker, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("results root: %w", err)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return nil, fmt.Errorf("results root: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("results root %s: not a directory", root)
	}
	w := &walker{root: abs, prefix: prefix, entered: map[string]bool{}, prev: prev, now: time.Now(), found: found, buf: make([]byte, 8192)}
	if record {
		w.next = &treeState{Root: abs, Complete: true, Dirs: make([]dirState, 0, len(prev))}
	}
	d := newWalkDir(nil, "", abs)
	defer d.close()
	if prev != nil {
		// The root's listing may be remembered, and it is opened all the
		// same: what lies below is stat'ed through it, not by absolute path.
		// An error here is met again, and reported, by the walk.
		d.open()
	}
	if err := w.walk(ctx, d, ".", real); err != nil {
		return nil, err
	}
	return w, nil
}

// readDir lists d (rel from the root): from the last walk's listing when
// the directory's mtime says no entry was added, removed or renamed since.
func (w *walker) readDir(d *walkDir, rel string) ([]dirEntry, error) {
	if w.prev == nil && w.next == nil {
		return d.readDir(w.buf)
	}
	mt, err := d.mtime()
	if err != nil {
		w.incomplete()
		return nil, err
	}
	if ds, ok := w.prev[rel]; ok && ds.MTime == mt {
		if w.next != nil {
			w.next.Dirs = append(w.next.Dirs, ds)
		}
		return ds.entries(), nil
	}
	entries, err := d.readDir(w.buf)
	switch {
	case w.next == nil:
	case err != nil || w.now.Sub(time.Unix(0, mt)) <= racyWindow:
		w.incomplete()
	default:
		w.next.Dirs = append(w.next.Dirs, dirState{Rel: rel, MTime: mt, Entries: encodeEntries(entries)})
	}
	return entries, err
}

// incomplete notes that the walk saw something a later stat-only check
// could not vouch for (an unreadable directory, a directory modified just
// now, a symbolic link followed): the next collect walks the tree.
func (w *walker) incomplete() {
	if w.next != nil {
		w.next.Complete = false
	}
}

func (w *walker) skip(rel, format string, args ...any) {
	w.skipped = append(w.skipped, Skip{Path: rel, Reason: fmt.Sprintf(format, args...)})
}

// walk walks the directory d, rel from the root, whose real path (symbolic
// links resolved) is real.
func (w *walker) walk(ctx context.Context, d *walkDir, rel, real string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w.entered[real] = true
	entries, err := w.readDir(d, rel)
	if err != nil {
		w.skip(rel, "cannot read directory: %v", errors.Unwrap(err))
		return nil
	}
	manifest := false
	for _, e := range entries {
		if e.name == rundir.ManifestFile && !e.typ.IsDir() {
			manifest = true
			break
		}
	}
	dir := d.path
	base := filepath.Base(dir)
	switch {
	case manifest:
		inf := newWalkDir(d, rundir.InferenceDir, joinPath(dir, rundir.InferenceDir))
		defer inf.close()
		return w.addRun(d, dir, rel, inf, joinRel(rel, rundir.InferenceDir), LayoutLineup, nil)
	case base == "inference_logs":
		return w.addRun(nil, filepath.Dir(dir), path.Dir(rel), d, rel, "", entries)
	case base == "inference" && filepath.Base(filepath.Dir(dir)) == "logs":
		return w.addRun(nil, filepath.Dir(filepath.Dir(dir)), path.Dir(path.Dir(rel)), d, rel, "", entries)
	}
	if len(entries) == 0 {
		if !ignorableEmpty[base] && rel != "." {
			w.skip(rel, "empty directory")
		}
		return nil
	}
	for _, e := range entries {
		name := e.name
		if strings.HasPrefix(name, ".") {
			continue // caches, temporary files, .git
		}
		childPath := joinPath(dir, name)
		childRel := joinRel(rel, name)
		childReal := joinPath(real, name)
		switch {
		case e.typ.IsDir():
		case e.typ&fs.ModeSymlink != 0:
			w.incomplete()
			target, err := filepath.EvalSymlinks(childPath)
			if err != nil {
				w.skip(childRel, "broken or looping symbolic link: %v", errors.Unwrap(err))
				continue
			}
			fi, err := os.Stat(target)
			if err != nil || !fi.IsDir() {
				continue // a link to a file is not a run
			}
			if within(real, target) {
				w.skip(childRel, "symbolic link loop: points to %s, an ancestor; not followed", target)
				continue
			}
			childReal = target
		default:
			continue
		}
		if w.entered[childReal] {
			w.skip(childRel, "already collected through another path (%s)", childReal)
			continue
		}
		child := newWalkDir(d, name, childPath)
		err := w.walk(ctx, child, childRel, childReal)
		child.close()
		if err != nil {
			return err
		}
	}
	return nil
}

// joinPath is filepath.Join(dir, name) for a clean dir and a name read
// from a directory (no separator, not "." or ".."), without the Clean that
// costs more than the stat on a deep tree.
func joinPath(dir, name string) string {
	if strings.HasSuffix(dir, string(filepath.Separator)) {
		return dir + name
	}
	return dir + string(filepath.Separator) + name
}

// joinRel is path.Join(rel, name) for a walk's rel ("." is the root).
func joinRel(rel, name string) string {
	if rel == "." || rel == "" {
		return name
	}
	return rel + "/" + name
}

// within reports whether dir is target or lies below it.
func within(dir, target string) bool {
	return dir == target || strings.HasPrefix(dir, target+string(filepath.Separator))
}

// addRun lists the files of one run, in runPath (rel from the root). run is
// that directory when the walk is in it (lineup's layout, where run.json is
// read; nil otherwise); inf is the inference
// directory, infRel its path from the root, and infEntries, when not nil,
// its listing, already read by the walk.
func (w *walker) addRun(run *walkDir, runPath, rel string, inf *walkDir, infRel string, layout Layout, infEntries []dirEntry) error {
	r := runDir{Dir: runPath, Rel: rel, LocPath: rel, InfDir: inf.path, InfRel: inferenceRel(runPath, inf.path), Layout: layout}
	if w.prefix != "" {
		r.LocPath = path.Join(w.prefix, rel)
	}
	if layout == LayoutLineup {
		if size, mtime, _, err := run.stat(rundir.ManifestFile, true); err == nil {
			r.Files = append(r.Files, fileRef{Path: joinPath(runPath, rundir.ManifestFile), Rel: "../" + rundir.ManifestFile, Size: size, MTime: mtime})
			if w.next != nil {
				w.next.Files = append(w.next.Files, fileState{Rel: joinRel(rel, rundir.ManifestFile), Size: size, MTime: mtime, Follow: true})
			}
		}
	} else {
		loc, ok := ParsePath(r.LocPath)
		if !ok {
			w.skip(rel, "no tp<N>-pp<N>-dp<N> directory in the path: cannot tell the run's configuration")
			return nil
		}
		r.Layout = loc.Layout
	}
	for _, sub := range []string{"", "slurm_logs", "server_logs"} {
		d, relDir := inf, infRel
		if sub != "" {
			if infEntries != nil && !slices.ContainsFunc(infEntries, func(e dirEntry) bool { return e.name == sub }) {
				continue // no such subdirectory: save the failing open
			}
			d, relDir = newWalkDir(inf, sub, joinPath(inf.path, sub)), joinRel(infRel, sub)
		}
		entries, err := infEntries, error(nil)
		if sub != "" || entries == nil {
			entries, err = w.readDir(d, relDir)
		}
		if err != nil {
			if sub != "" {
				d.close()
			}
			if sub == "" && !errors.Is(err, fs.ErrNotExist) {
				w.skip(rel, "cannot read %s: %v", filepath.Base(inf.path), errors.Unwrap(err))
				return nil
			}
			continue
		}
		for _, e := range entries {
			if !wanted(sub, e.name) {
				continue
			}
			symlink := e.typ&fs.ModeSymlink != 0
			if symlink {
				w.incomplete()
			}
			size, mtime, regular, err := d.stat(e.name, symlink)
			if err != nil || !regular {
				continue
			}
			if w.next != nil {
				w.next.Files = append(w.next.Files, fileState{Rel: joinRel(relDir, e.name), Size: size, MTime: mtime})
			}
			r.Files = append(r.Files, fileRef{
				Path: joinPath(d.path, e.name), Rel: joinRel(sub, e.name),
				Size: size, MTime: mtime,
			})
		}
		if sub != "" {
			d.close()
		}
	}
	if len(r.Files) == 0 {
		w.skip(rel, "empty run directory: no slurm log, server log, stats.json or bench result")
		return nil
	}
	sort.Slice(r.Files, func(i, j int) bool { return r.Files[i].Rel < r.Files[j].Rel })
	w.runs = append(w.runs, r)
	if w.found != nil {
		return w.found(&r)
	}
	return nil
}

// wanted reports whether a file in an inference directory is one the
// collector reads.
func wanted(sub, name string) bool {
	switch sub {
	case "":
		switch name {
		case "stats.json", "bench_result.json", "status.json", "env.json":
			return true
		}
	case "slurm_logs":
		return strings.HasSuffix(name, ".out")
	case "server_logs":
		return strings.HasPrefix(name, "server_rank_") && strings.HasSuffix(name, ".log")
	}
	return false
}
