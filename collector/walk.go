package collector

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

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
	Layout  Layout
	Files   []fileRef
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

// infRel is the inference directory relative to the run directory.
func (r *runDir) infRel() string {
	rel, err := filepath.Rel(r.Dir, r.InfDir)
	if err != nil {
		return filepath.Base(r.InfDir)
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
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, nil, err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, nil, fmt.Errorf("results root: %w", err)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return nil, nil, fmt.Errorf("results root: %w", err)
	}
	if !fi.IsDir() {
		return nil, nil, fmt.Errorf("results root %s: not a directory", root)
	}
	w := &walker{root: abs, prefix: prefix, entered: map[string]bool{}}
	if err := w.walk(ctx, abs, ".", real); err != nil {
		return nil, nil, err
	}
	return w.runs, w.skipped, nil
}

func (w *walker) skip(rel, format string, args ...any) {
	w.skipped = append(w.skipped, Skip{Path: rel, Reason: fmt.Sprintf(format, args...)})
}

func (w *walker) walk(ctx context.Context, dir, rel, real string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w.entered[real] = true
	entries, err := os.ReadDir(dir)
	if err != nil {
		w.skip(rel, "cannot read directory: %v", errors.Unwrap(err))
		return nil
	}
	names := map[string]fs.DirEntry{}
	for _, e := range entries {
		names[e.Name()] = e
	}
	base := filepath.Base(dir)
	switch {
	case names[rundir.ManifestFile] != nil && !names[rundir.ManifestFile].IsDir():
		w.addRun(dir, rel, filepath.Join(dir, rundir.InferenceDir), LayoutLineup)
		return nil
	case base == "inference_logs":
		w.addRun(filepath.Dir(dir), path.Dir(rel), dir, "")
		return nil
	case base == "inference" && filepath.Base(filepath.Dir(dir)) == "logs":
		w.addRun(filepath.Dir(filepath.Dir(dir)), path.Dir(path.Dir(rel)), dir, "")
		return nil
	}
	if len(entries) == 0 {
		if !ignorableEmpty[base] && rel != "." {
			w.skip(rel, "empty directory")
		}
		return nil
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue // caches, temporary files, .git
		}
		childPath := filepath.Join(dir, name)
		childRel := path.Join(rel, name)
		childReal := filepath.Join(real, name)
		switch {
		case e.IsDir():
		case e.Type()&fs.ModeSymlink != 0:
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
		if err := w.walk(ctx, childPath, childRel, childReal); err != nil {
			return err
		}
	}
	return nil
}

// within reports whether dir is target or lies below it.
func within(dir, target string) bool {
	return dir == target || strings.HasPrefix(dir, target+string(filepath.Separator))
}

// addRun lists the files of one run. layout is empty when the path decides
// between the seed and datatrove layouts.
func (w *walker) addRun(runPath, rel, infDir string, layout Layout) {
	r := runDir{Dir: runPath, Rel: rel, LocPath: path.Join(w.prefix, rel), InfDir: infDir, Layout: layout}
	if layout == LayoutLineup {
		if fi, err := os.Stat(filepath.Join(runPath, rundir.ManifestFile)); err == nil {
			r.Files = append(r.Files, fileRef{Path: filepath.Join(runPath, rundir.ManifestFile), Rel: "../" + rundir.ManifestFile, Size: fi.Size(), MTime: fi.ModTime().UnixNano()})
		}
	} else {
		loc, ok := ParsePath(r.LocPath)
		if !ok {
			w.skip(rel, "no tp<N>-pp<N>-dp<N> directory in the path: cannot tell the run's configuration")
			return
		}
		r.Layout = loc.Layout
	}
	for _, sub := range []string{"", "slurm_logs", "server_logs"} {
		entries, err := os.ReadDir(filepath.Join(infDir, sub))
		if err != nil {
			if sub == "" && !errors.Is(err, fs.ErrNotExist) {
				w.skip(rel, "cannot read %s: %v", filepath.Base(infDir), errors.Unwrap(err))
				return
			}
			continue
		}
		for _, e := range entries {
			if !wanted(sub, e.Name()) {
				continue
			}
			fi, err := e.Info()
			if err == nil && e.Type()&fs.ModeSymlink != 0 {
				fi, err = os.Stat(filepath.Join(infDir, sub, e.Name()))
			}
			if err != nil || !fi.Mode().IsRegular() {
				continue
			}
			r.Files = append(r.Files, fileRef{
				Path: filepath.Join(infDir, sub, e.Name()), Rel: path.Join(sub, e.Name()),
				Size: fi.Size(), MTime: fi.ModTime().UnixNano(),
			})
		}
	}
	if len(r.Files) == 0 {
		w.skip(rel, "empty run directory: no slurm log, server log, stats.json or bench result")
		return
	}
	sort.Slice(r.Files, func(i, j int) bool { return r.Files[i].Rel < r.Files[j].Rel })
	w.runs = append(w.runs, r)
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
