package collector

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// A re-collect of an unchanged tree should cost a small fraction of a
// cold one. The run cache alone does not get there: walking tens of
// thousands of directories, loading the cache, assembling the runs and
// encoding and writing a snapshot of thousands of runs cost more than a
// tenth of parsing them, and write a duplicate of an immutable snapshot.
// The tree state closes the gap. It records
//
//   - every directory's modification time and listing, so that a directory
//     whose mtime has not changed (no entry added, removed or renamed) is
//     not read again: one stat instead of open, getdents and close;
//   - every run file's size and mtime;
//   - the options, and the files the last collect wrote with their sizes
//     and mtimes, and its terminal report.
//
// When the options are the same, the written files are in place and one
// stat of every recorded directory and file finds them all as recorded,
// Collect returns Result.Unchanged: nothing is walked, parsed, assembled or
// written. A file appended to or rewritten changes its size or mtime, a new
// run its parent directory's mtime: the collect then walks the tree (with
// the remembered listings). If the walk finds the same runs with the same
// files (a directory touched, or one modified too recently to be vouched
// for by its mtime), the tree is unchanged all the same; otherwise the
// collect goes on as usual, with the run cache.

// stateFormat changes whenever treeState or its meaning changes.
const stateFormat = "lineup.collect-tree/2"

// DefaultStateName is the tree state's name in the snapshot directory.
const DefaultStateName = ".lineup-collect.tree"

// racyWindow: a directory modified this recently may change again within
// the same mtime tick, so it is not vouched for (git's "racily clean"
// problem).
const racyWindow = 2 * time.Second

// treeState is what one collect of a tree leaves for the next.
type treeState struct {
	Format, Tool string
	Root         string // absolute
	// Key identifies the options that shape the outputs (optionsKey);
	// Digest the walk's findings (runsDigest).
	Key, Digest string
	// Dirs are the directories walked, in walk order, relative to Root;
	// Files the run files read, with their sizes and mtimes.
	Dirs  []dirState
	Files []fileState
	// Complete is false when the walk met something a stat of Dirs and
	// Files cannot vouch for (an unreadable or just-modified directory, a
	// symbolic link followed): the next collect walks the tree again.
	Complete bool
	// Written are the files written from this state; IDs the snapshots,
	// Report and Tables what was printed.
	Written []fileState
	IDs     []string
	Report  Report
	Tables  string
	// head is a loaded state file's first value (Dirs and Files are
	// filled from it only for a walk); listings decodes the second, the
	// Entries of Dirs.
	head     *stateHead
	listings *gob.Decoder
}

// dirState is one directory's listing: for each entry a type byte
// ('d' directory, 'l' symbolic link, 'f' regular file, 'o' other), the
// name and a NUL.
type dirState struct {
	Rel     string
	MTime   int64
	Entries string
}

// fileState is a file's size and mtime; Follow: through a symbolic link.
type fileState struct {
	Rel         string // relative to the root; for Written, absolute
	Size, MTime int64
	Follow      bool
}

func encodeEntries(entries []dirEntry) string {
	var b strings.Builder
	for _, e := range entries {
		t := byte('o')
		switch m := e.typ; {
		case m.IsDir():
			t = 'd'
		case m&fs.ModeSymlink != 0:
			t = 'l'
		case m.IsRegular():
			t = 'f'
		}
		b.WriteByte(t)
		b.WriteString(e.name)
		b.WriteByte(0)
	}
	return b.String()
}

// dirEntry is a directory entry, as the walk listed it or remembers it.
type dirEntry struct {
	name string
	typ  fs.FileMode // the type bits only, as fs.DirEntry.Type
}

func (d dirState) entries() []dirEntry {
	out := make([]dirEntry, 0, strings.Count(d.Entries, "\x00"))
	for s := d.Entries; s != ""; {
		i := strings.IndexByte(s, 0)
		if i < 1 {
			break
		}
		typ := fs.ModeIrregular
		switch s[0] {
		case 'd':
			typ = fs.ModeDir
		case 'l':
			typ = fs.ModeSymlink
		case 'f':
			typ = 0
		}
		out = append(out, dirEntry{name: s[1:i], typ: typ})
		s = s[i+1:]
	}
	return out
}

// stateHead is the state file's first gob value: everything but the
// directory listings, with paths as (parent directory, name) so that a deep
// tree costs little to store and to load. The listings follow as a second
// value, decoded only when the tree must be walked.
type stateHead struct {
	Format, Tool, Root, Key, Digest string
	Complete                        bool
	Dirs, Files                     pathStats
	Written                         []fileState
	IDs                             []string
	Report                          Report
	Tables                          string
}

// pathStat is a directory or file of the state: Parent indexes
// stateHead.Dirs (-1: Name is the whole path relative to the root).
type pathStat struct {
	Parent      int32
	Name        string
	Size, MTime int64
	Follow      bool
}

// pathStats is stored as columns (pathColumns): gob decodes a slice of
// numbers in one go but a struct and a string per entry one field at a
// time, and the tree-unchanged check starts with decoding them all.
type pathStats []pathStat

// pathColumns is pathStats on disk: one slice per field, the names joined,
// each followed by a NUL (which no file name holds).
type pathColumns struct {
	Parent      []int32
	Names       string
	Size, MTime []int64
	Follow      []bool
}

// GobEncode implements gob.GobEncoder.
func (ps pathStats) GobEncode() ([]byte, error) {
	c := pathColumns{Parent: make([]int32, len(ps)), Size: make([]int64, len(ps)), MTime: make([]int64, len(ps)), Follow: make([]bool, len(ps))}
	var names strings.Builder
	for i, p := range ps {
		if strings.IndexByte(p.Name, 0) >= 0 {
			return nil, fmt.Errorf("tree state: name %q holds a NUL", p.Name)
		}
		c.Parent[i], c.Size[i], c.MTime[i], c.Follow[i] = p.Parent, p.Size, p.MTime, p.Follow
		names.WriteString(p.Name)
		names.WriteByte(0)
	}
	c.Names = names.String()
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(&c)
	return buf.Bytes(), err
}

// GobDecode implements gob.GobDecoder. The names are substrings of one
// string: no allocation per entry.
func (ps *pathStats) GobDecode(data []byte) error {
	var c pathColumns
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&c); err != nil {
		return err
	}
	n := len(c.Parent)
	if len(c.Size) != n || len(c.MTime) != n || len(c.Follow) != n || strings.Count(c.Names, "\x00") != n {
		return errors.New("tree state: columns of different lengths")
	}
	out := make(pathStats, n)
	names := c.Names
	for i := range out {
		j := strings.IndexByte(names, 0)
		out[i] = pathStat{Parent: c.Parent[i], Name: names[:j], Size: c.Size[i], MTime: c.MTime[i], Follow: c.Follow[i]}
		names = names[j+1:]
	}
	*ps = out
	return nil
}

// loadState reads the state file's head; a missing, foreign or unreadable
// one is nil (the collect then reads every directory).
func loadState(file string) *treeState {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	dec := gob.NewDecoder(bytes.NewReader(data))
	var h stateHead
	if dec.Decode(&h) != nil || h.Format != stateFormat || h.Tool != cacheTool() {
		return nil
	}
	for i, d := range h.Dirs {
		if int(d.Parent) >= i {
			return nil // parents come first
		}
	}
	for _, f := range h.Files {
		if int(f.Parent) >= len(h.Dirs) {
			return nil
		}
	}
	return &treeState{Format: h.Format, Tool: h.Tool, Root: h.Root, Key: h.Key, Digest: h.Digest, Complete: h.Complete,
		Written: h.Written, IDs: h.IDs, Report: h.Report, Tables: h.Tables, head: &h, listings: dec}
}

// loaded fills Dirs and Files (relative paths) from the head of a loaded
// state, for a walk; the stat-only check does without them.
func (st *treeState) loaded() {
	h := st.head
	if h == nil || st.Dirs != nil {
		return
	}
	st.Dirs = make([]dirState, len(h.Dirs))
	rel := func(p pathStat) string {
		if p.Parent < 0 {
			return p.Name
		}
		return joinRel(st.Dirs[p.Parent].Rel, p.Name)
	}
	for i, d := range h.Dirs {
		st.Dirs[i] = dirState{Rel: rel(d), MTime: d.MTime}
	}
	st.Files = make([]fileState, len(h.Files))
	for i, f := range h.Files {
		st.Files[i] = fileState{Rel: rel(f), Size: f.Size, MTime: f.MTime, Follow: f.Follow}
	}
}

// pathStats is Dirs and Files as stored: each path as its parent
// directory's index in Dirs and its name (Parent -1 when the parent is not
// one of Dirs).
func (st *treeState) pathStats() (dirs, files pathStats) {
	index := make(map[string]int32, len(st.Dirs))
	split := func(rel string) (int32, string) {
		if i := strings.LastIndexByte(rel, '/'); i >= 0 {
			if p, ok := index[rel[:i]]; ok {
				return p, rel[i+1:]
			}
		} else if p, ok := index["."]; ok && rel != "." {
			return p, rel
		}
		return -1, rel
	}
	dirs = make(pathStats, 0, len(st.Dirs))
	for i, d := range st.Dirs {
		p, name := split(d.Rel)
		dirs = append(dirs, pathStat{Parent: p, Name: name, MTime: d.MTime})
		index[d.Rel] = int32(i)
	}
	files = make(pathStats, 0, len(st.Files))
	for _, f := range st.Files {
		p, name := split(f.Rel)
		files = append(files, pathStat{Parent: p, Name: name, Size: f.Size, MTime: f.MTime, Follow: f.Follow})
	}
	return dirs, files
}

func (st *treeState) save(file string) error {
	h := stateHead{Format: st.Format, Tool: st.Tool, Root: st.Root, Key: st.Key, Digest: st.Digest, Complete: st.Complete,
		Written: st.Written, IDs: st.IDs, Report: st.Report, Tables: st.Tables}
	h.Dirs, h.Files = st.pathStats()
	listings := make([]string, len(st.Dirs))
	for i, d := range st.Dirs {
		listings[i] = d.Entries
	}
	err := snapshot.WriteAtomic(file, 0o644, func(f io.Writer) error {
		w := bufio.NewWriterSize(f, 256<<10)
		enc := gob.NewEncoder(w)
		if err := enc.Encode(&h); err != nil {
			return err
		}
		if err := enc.Encode(listings); err != nil {
			return err
		}
		return w.Flush()
	})
	if err != nil {
		return fmt.Errorf("tree state: %w", err)
	}
	return nil
}

// optionsKey identifies the options that shape a collect's outputs.
func optionsKey(opt Options, root string) string {
	h := sha256.New()
	for _, f := range []string{root, opt.ID, opt.Title, strconv.FormatBool(opt.Split), strconv.Itoa(opt.GPUsPerNode), opt.OutputKey} {
		fmt.Fprintf(h, "%d:%s", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// runsDigest identifies what a walk found: every run directory with its
// files' paths, sizes and mtimes, and the skips.
func runsDigest(dirs []runDir, skipped []Skip) string {
	h := sha256.New()
	b := bufio.NewWriter(h)
	field := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	for i := range dirs {
		d := &dirs[i]
		field(d.Dir)
		field(d.Rel)
		field(d.LocPath)
		field(d.InfDir)
		field(string(d.Layout))
		field(d.fingerprint())
	}
	for _, s := range skipped {
		field(s.Path)
		field(s.Reason)
	}
	b.Flush()
	return hex.EncodeToString(h.Sum(nil))
}

// writtenIntact reports whether the files written from st are in place.
func (st *treeState) writtenIntact() bool {
	for i := range st.Written {
		if !st.Written[i].matches(st.Written[i].Rel) {
			return false
		}
	}
	return len(st.Written) > 0
}

// dirMap indexes st's listings by directory (none if they cannot be read).
func (st *treeState) dirMap() map[string]dirState {
	if st == nil {
		return nil
	}
	st.loaded()
	if st.listings != nil {
		var ls []string
		err := st.listings.Decode(&ls)
		st.listings = nil
		if err != nil || len(ls) != len(st.Dirs) {
			return nil
		}
		for i := range st.Dirs {
			st.Dirs[i].Entries = ls[i]
		}
	}
	m := make(map[string]dirState, len(st.Dirs))
	for _, d := range st.Dirs {
		m[d.Rel] = d
	}
	return m
}

// matches reports whether f is as recorded; abs is its path.
func (f *fileState) matches(abs string) bool {
	size, mtime, err := sizeMTime(abs, f.Follow)
	return err == nil && (size == f.Size || f.Size < 0) && mtime == f.MTime
}

// unchanged reports whether the tree and the written files are all as st
// recorded them: one stat of each directory and file (st.Complete says
// these cover everything the walk read), spread over jobs goroutines and
// stopping at the first difference.
func (st *treeState) unchanged(ctx context.Context, jobs int) bool {
	if !st.Complete || !st.writtenIntact() {
		return false
	}
	plan := st.checks()
	// The anchors are few (maxAnchors): opened one by one, parents first.
	dirs := make([]*statDir, len(plan.anchors))
	defer func() {
		for _, d := range dirs {
			if d != nil {
				d.close()
			}
		}
	}()
	for i, a := range plan.anchors {
		var parent *statDir
		if a.parent >= 0 {
			parent = dirs[a.parent]
		}
		d, err := openStatDir(parent, a.path)
		if err != nil {
			return false // gone, or cannot vouch for it: walk
		}
		dirs[i] = d
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	checks := plan.checks
	n := len(checks)
	chunk := max(256, n/(8*jobs)+1)
	var changed atomic.Bool
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(jobs)
	for lo := 0; lo < n; lo += chunk {
		g.Go(func() error {
			for i := lo; i < min(lo+chunk, n); i++ {
				if gctx.Err() != nil {
					return nil
				}
				c := &checks[i]
				size, mtime, err := dirs[c.anchor].sizeMTime(c.path, c.follow)
				if err != nil || (size != c.size && c.size >= 0) || mtime != c.mtime {
					changed.Store(true)
					cancel()
					return nil
				}
			}
			return nil
		})
	}
	g.Wait()
	return !changed.Load() && ctx.Err() == nil
}

// statPlan is the work of the unchanged-tree check: directories to stat
// relative to (anchors, the root first) and the checks.
type statPlan struct {
	anchors []statAnchor
	checks  []statCheck
}

// statAnchor is a directory of the tree: path is relative to anchor
// parent, or absolute when parent is -1 (the root).
type statAnchor struct {
	parent int32
	path   string
}

// statCheck is a stat of path, relative to anchors[anchor], and what it
// must find: size (-1: any, for a directory) and mtime.
type statCheck struct {
	anchor      int32
	path        string
	size, mtime int64
	follow      bool
}

// Anchors. A stat costs the kernel a dentry lookup per path component,
// and a run tree is deep (the datatrove layout puts a file 13 components
// below the root), so the check opens the tree's root and
// the directories that hold many of its entries and stats each entry from
// the nearest one. An anchor is a directory with at least
// max(minAnchored, entries/maxAnchors) entries below it and no
// subdirectory that has as many: at most maxAnchors of them, disjoint.
// On make bench's 10,000-run tree (96,669 entries) this took the stats
// from 100 to 72 ms (two goroutines, best of 7), and an anchor costs an
// open and a close, about 3 µs.
const (
	minAnchored = 64
	maxAnchors  = 256
)

// checks plans the stat of every directory and file of st; a directory's
// size is not compared.
//
// The checks come in the walk's order with each directory's files right
// after it, so that consecutive stats share most of their path: the kernel
// then finds the leading components in cache. On make bench's 10,000-run
// tree that took the stats from 91-112 ms to 76 ms (all directories first,
// then all files, as the state stores them; best of 7, two goroutines).
func (st *treeState) checks() statPlan {
	const anySize = -1
	var dirs, files pathStats
	if h := st.head; h != nil && st.Dirs == nil {
		dirs, files = h.Dirs, h.Files
	} else {
		dirs, files = st.pathStats()
	}
	// entries below (and including) each directory
	below := make([]int, len(dirs))
	for _, f := range files {
		if f.Parent >= 0 {
			below[f.Parent]++
		}
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		below[i]++
		if p := dirs[i].Parent; p >= 0 {
			below[p] += below[i]
		}
	}
	heavy := max(minAnchored, (len(dirs)+len(files))/maxAnchors)
	heavyChild := make([]bool, len(dirs))
	for i, d := range dirs {
		if below[i] >= heavy && d.Parent >= 0 {
			heavyChild[d.Parent] = true
		}
	}

	plan := statPlan{anchors: []statAnchor{{parent: -1, path: st.Root}}}
	plan.checks = make([]statCheck, 0, len(dirs)+len(files))
	// anchor and path relative to it of each directory's entries; base ""
	// is the anchor itself
	anchor := make([]int32, len(dirs))
	base := make([]string, len(dirs))
	// The paths are written one after another into one string, as the
	// state's names are read (pathStats.GobDecode): one allocation instead
	// of one a check. A path is at most its path below the root, which
	// bounds the whole (and past the bound, the builder grows: the paths
	// already taken keep the old bytes).
	pathLen := make([]int, len(dirs))
	bound := 0
	for i, d := range dirs {
		pathLen[i] = len(d.Name)
		if d.Parent >= 0 {
			pathLen[i] += pathLen[d.Parent] + 1
		}
		bound += pathLen[i]
	}
	for _, f := range files {
		bound += len(f.Name)
		if f.Parent >= 0 {
			bound += pathLen[f.Parent] + 1
		}
	}
	var arena strings.Builder
	arena.Grow(bound)
	where := func(parent int32, name string) (int32, string) {
		a, b := int32(0), "" // a parent of -1: name is the path below the root
		if parent >= 0 {
			a, b = anchor[parent], base[parent]
		}
		start := arena.Len()
		if b != "" {
			arena.WriteString(b)
			arena.WriteByte(filepath.Separator)
		}
		arena.WriteString(filepath.FromSlash(name))
		return a, arena.String()[start:]
	}
	file := func(f pathStat) {
		a, p := where(f.Parent, f.Name)
		plan.checks = append(plan.checks, statCheck{anchor: a, path: p, size: f.Size, mtime: f.MTime, follow: f.Follow})
	}
	// The walk appends a directory before the files in it, so the files'
	// parents never decrease; any that would are checked at the end.
	j := 0
	for ; j < len(files) && files[j].Parent < 0; j++ {
		file(files[j])
	}
	for i, d := range dirs {
		a, p := where(d.Parent, d.Name)
		plan.checks = append(plan.checks, statCheck{anchor: a, path: p, size: anySize, mtime: d.MTime, follow: true})
		switch {
		case p == ".":
			anchor[i], base[i] = a, "" // the root
		case below[i] >= heavy && !heavyChild[i]:
			plan.anchors = append(plan.anchors, statAnchor{parent: a, path: p})
			anchor[i], base[i] = int32(len(plan.anchors)-1), ""
		default:
			anchor[i], base[i] = a, p
		}
		for ; j < len(files) && int(files[j].Parent) == i; j++ {
			file(files[j])
		}
	}
	for ; j < len(files); j++ {
		file(files[j])
	}
	return plan
}

// Unchanged says that a collect found the tree as the last collect left
// it, with the same options and its outputs in place: nothing was built.
type Unchanged struct {
	// IDs are the snapshots written by the last collect; Files every file
	// it wrote.
	IDs   []string
	Files []string
	// Tables is the per-experiment tables it printed.
	Tables string
}

// unchangedResult is what Collect returns for an unchanged tree: the last
// collect's report, all of it from the cache.
func (st *treeState) unchangedResult(root string) *Result {
	rep := st.Report
	rep.Root, rep.CacheHits, rep.CacheError = root, rep.RunDirs, ""
	u := &Unchanged{IDs: st.IDs, Tables: st.Tables}
	for _, f := range st.Written {
		u.Files = append(u.Files, f.Rel)
	}
	return &Result{Report: rep, Unchanged: u}
}

// SaveState records, for the next collect of the same tree, what this one
// found and wrote (w, from Write) and the tables it printed. Without a
// StateFile in the options it does nothing.
func (r *Result) SaveState(w *Written, tables string) error {
	st := r.state
	if st == nil || r.stateFile == "" || w == nil {
		return nil
	}
	st.Written = st.Written[:0]
	for _, f := range append(append([]string(nil), w.Snapshots...), w.CSVs...) {
		fi, err := os.Stat(f)
		if err != nil {
			return fmt.Errorf("tree state: %w", err)
		}
		if abs, err := filepath.Abs(f); err == nil {
			f = abs
		}
		st.Written = append(st.Written, fileState{Rel: f, Size: fi.Size(), MTime: fi.ModTime().UnixNano(), Follow: true})
	}
	st.IDs = st.IDs[:0]
	for _, s := range r.Snapshots {
		st.IDs = append(st.IDs, s.ID)
	}
	st.Report, st.Tables = r.Report, tables
	return st.save(r.stateFile)
}
