package collector

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

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
const stateFormat = "lineup.collect-tree/4"

// DefaultStateName is the tree state's name in the snapshot directory.
const DefaultStateName = ".lineup-collect.tree"

// racyWindow: a directory modified this recently may change again within
// the same mtime tick, so it is not vouched for (git's "racily clean"
// problem).
const racyWindow = 2 * time.Second

// treeState is what one collect of a tree leaves for the next.
type treeState struct {
	Root string // absolute
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
	// Report and Tables what was printed (a loaded state's Tables are
	// read from its file only when asked for: st.tables).
	Written []fileState
	IDs     []string
	Report  Report
	Tables  string
	// plan is a loaded state's (Dirs and Files are then nil), and source
	// where its listings are.
	plan   *statPlan
	source stateSource
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

// The state file: the line stateFormat, the lengths of the head, the plan
// and the tables (three little-endian uint32s), the head (a gob
// stateHead), the plan's checks (statPlan.data, as they are read), the
// tables and the directory listings (a gob []string, one per directory of
// the plan, in order). A collect that finds the tree unchanged reads the
// head and the plan; the tables are read to be printed (1.5 MB at 10,000
// runs, which cost 2 ms: 69.9 -> 67.9 ms, medians of 41 alternating
// unchanged collects with -q), the listings only for a walk.
type stateHead struct {
	Tool, Root, Key, Digest string
	Complete                bool
	Plan                    statPlan
	Written                 []fileState
	IDs                     []string
	Report                  Report
}

// stateSource is where a loaded state's tables and listings lie: file
// (info, as it was when loaded), from offsets tables and listings.
type stateSource struct {
	file             string
	info             os.FileInfo
	tables, listings int64
}

// open opens the file a state was loaded from, if it is still that file.
func (src stateSource) open() (*os.File, error) {
	f, err := os.Open(src.file)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && (!os.SameFile(fi, src.info) || fi.Size() != src.info.Size() || !fi.ModTime().Equal(src.info.ModTime())) {
		err = fmt.Errorf("%s: replaced since it was loaded", src.file)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// loadState reads the state file up to its listings; a missing, foreign
// or damaged one is nil (the collect then reads every directory).
func loadState(file string) *treeState {
	f, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil
	}
	prelude := make([]byte, len(stateFormat)+1+12)
	if _, err := io.ReadFull(f, prelude); err != nil || string(prelude[:len(stateFormat)+1]) != stateFormat+"\n" {
		return nil
	}
	headLen := int64(binary.LittleEndian.Uint32(prelude[len(prelude)-12:]))
	planLen := int64(binary.LittleEndian.Uint32(prelude[len(prelude)-8:]))
	tablesLen := int64(binary.LittleEndian.Uint32(prelude[len(prelude)-4:]))
	tablesAt := int64(len(prelude)) + headLen + planLen
	if tablesAt+tablesLen > fi.Size() {
		return nil
	}
	buf := make([]byte, headLen+planLen)
	if _, err := io.ReadFull(f, buf); err != nil {
		return nil
	}
	var h stateHead
	if gob.NewDecoder(bytes.NewReader(buf[:headLen])).Decode(&h) != nil || h.Tool != cacheTool() {
		return nil
	}
	h.Plan.data = buf[headLen:]
	if !h.Plan.valid() {
		return nil
	}
	return &treeState{Root: h.Root, Key: h.Key, Digest: h.Digest, Complete: h.Complete,
		Written: h.Written, IDs: h.IDs, Report: h.Report, plan: &h.Plan,
		source: stateSource{file: file, info: fi, tables: tablesAt, listings: tablesAt + tablesLen}}
}

// listings reads a loaded state's directory listings.
func (st *treeState) listings() ([]string, error) {
	f, err := st.source.open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ls []string
	err = gob.NewDecoder(bufio.NewReader(io.NewSectionReader(f, st.source.listings, st.source.info.Size()-st.source.listings))).Decode(&ls)
	return ls, err
}

// tables returns the tables printed by the collect that saved st: for a
// loaded state, read from its file.
func (st *treeState) tables() (string, error) {
	src := st.source
	if src.file == "" {
		return st.Tables, nil
	}
	f, err := src.open()
	if err != nil {
		return "", fmt.Errorf("tree state: %w", err)
	}
	defer f.Close()
	b := make([]byte, src.listings-src.tables)
	if _, err := f.ReadAt(b, src.tables); err != nil {
		return "", fmt.Errorf("tree state: %w", err)
	}
	return string(b), nil
}

func (st *treeState) save(file string) error {
	plan, err := st.makePlan()
	if err != nil {
		return err
	}
	h := stateHead{Tool: cacheTool(), Root: st.Root, Key: st.Key, Digest: st.Digest, Complete: st.Complete,
		Plan: plan, Written: st.Written, IDs: st.IDs, Report: st.Report}
	var head bytes.Buffer
	if err := gob.NewEncoder(&head).Encode(&h); err != nil {
		return fmt.Errorf("tree state: %w", err)
	}
	if int64(head.Len()) > math.MaxUint32 || int64(len(plan.data)) > math.MaxUint32 || int64(len(st.Tables)) > math.MaxUint32 {
		return errors.New("tree state: too large")
	}
	listings := make([]string, len(st.Dirs))
	for i, d := range st.Dirs {
		listings[i] = d.Entries
	}
	err = snapshot.WriteAtomic(file, 0o644, func(f io.Writer) error {
		w := bufio.NewWriterSize(f, 256<<10)
		w.WriteString(stateFormat + "\n")
		var lens []byte
		for _, n := range []int{head.Len(), len(plan.data), len(st.Tables)} {
			lens = binary.LittleEndian.AppendUint32(lens, uint32(n))
		}
		w.Write(lens)
		w.Write(head.Bytes())
		w.Write(plan.data)
		w.WriteString(st.Tables)
		if err := gob.NewEncoder(w).Encode(listings); err != nil {
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
	dirs := st.Dirs
	if st.plan != nil {
		ls, err := st.listings()
		if err != nil {
			return nil
		}
		rels := st.plan.anchorRels()
		dirs = make([]dirState, 0, len(ls))
		err = st.plan.each(func(c statCheck, path string) {
			if c.Dir && len(dirs) < len(ls) {
				dirs = append(dirs, dirState{Rel: joinRel(rels[c.Anchor], filepath.ToSlash(path)), MTime: c.MTime, Entries: ls[len(dirs)]})
			}
		})
		if err != nil || len(dirs) != len(ls) {
			return nil
		}
	}
	m := make(map[string]dirState, len(dirs))
	for _, d := range dirs {
		m[d.Rel] = d
	}
	return m
}

// matches reports whether f is as recorded; abs is its path.
func (f *fileState) matches(abs string) bool {
	size, mtime, err := sizeMTime(abs, f.Follow)
	return err == nil && (size == f.Size || f.Size < 0) && mtime == f.MTime
}

// Unchanged says that a collect found the tree as the last collect left
// it, with the same options and its outputs in place: nothing was built.
type Unchanged struct {
	// IDs are the snapshots written by the last collect; Files every file
	// it wrote.
	IDs    []string
	Files  []string
	tables func() (string, error)
}

// Tables returns the per-experiment tables the last collect printed; they
// are read from the tree state only when asked for.
func (u *Unchanged) Tables() (string, error) { return u.tables() }

// unchangedResult is what Collect returns for an unchanged tree: the last
// collect's report, all of it from the cache.
func (st *treeState) unchangedResult(root string) *Result {
	rep := st.Report
	rep.Root, rep.CacheHits, rep.CacheError = root, rep.RunDirs, ""
	u := &Unchanged{IDs: st.IDs, tables: st.tables}
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
