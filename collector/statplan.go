package collector

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

// The unchanged-tree check (treeState.unchanged) stats every directory and
// file the last walk saw: 96,669 of them for make bench's 10,000-run tree,
// where a cold collect takes 1.2-1.5 s and the check has to fit in a
// twentieth of that. So its plan is made when the state is saved, not when
// it is loaded, and it is stored the way the check reads it: no decoding
// into structures, one allocation for the lot.
//
// A stat costs the kernel a dentry lookup per path component, and a run
// tree is deep (the datatrove layout puts a file 13 components below the
// root). So the plan opens the root and the directories that hold many
// entries (anchors), and stats each entry relative to its nearest anchor.

// planChunk is the number of checks in a chunk of the plan: the unit of a
// goroutine's work, and of the paths' front coding.
const planChunk = 256

// Anchors: a directory with at least minAnchored entries below it
// (itself included) is one. Opening and closing one costs about 2 µs and
// a path component about 75 ns, so a directory with 64 entries below it
// pays for itself even one level below the anchor above it. On make
// bench's 10,000-run tree that makes 869 anchors and 7.5 components a
// stat; a threshold of 512 made 197 and 8.5, and measured the same (median
// of 31 alternating unchanged collects: 86.0 and 86.9 ms). Past maxAnchors
// the threshold doubles until they fit.
//
// Each chunk opens the anchors it needs and closes them when it is done.
// Growing a multithreaded process's table of descriptors waits for an RCU
// grace period: in a fresh Go process on this machine, the open that
// returned descriptor 256 took 11-16 ms, and 512 another 11-20. Opening
// all 869 anchors up front took 22 ms, against 1.2 ms for the same opens
// in a process whose table had already grown.
const (
	minAnchored = 64
	maxAnchors  = 4096
)

// statPlan is the unchanged-tree check: the anchors, and N checks in
// chunks of planChunk, encoded in data (see planBuilder.add). Anchors[0]
// is the root's absolute path, the others are relative to it.
type statPlan struct {
	Anchors []string
	// Chunks are the offsets in data where each chunk of checks begins.
	Chunks []int
	N      int
	data   []byte
}

// statCheck is one check: a stat of a path relative to Anchors[Anchor]
// must find MTime and, unless Dir, Size. Follow: stat, not lstat.
type statCheck struct {
	Anchor      int32
	Size, MTime int64
	Dir, Follow bool
}

// The flags byte of a check.
const (
	checkDir = 1 << iota
	checkFollow
)

// planBuilder encodes checks. A check is its flags byte, its anchor, the
// length of the prefix its path shares with the previous check's in the
// chunk, the length and bytes of the rest (uvarints), its size (a varint,
// not for a directory) and its mtime (8 bytes, little-endian). The walk
// order puts a directory's entries one after another, so most of a path is
// its predecessor's: the plan of make bench's 10,000-run tree takes 2.5 MB,
// against 8.4 MB with whole paths.
type planBuilder struct {
	plan statPlan
	prev string
}

func (b *planBuilder) add(c statCheck, path string) error {
	if path == "" || strings.IndexByte(path, 0) >= 0 {
		return fmt.Errorf("tree state: path %q cannot be stated", path)
	}
	p := &b.plan
	if p.N%planChunk == 0 {
		p.Chunks = append(p.Chunks, len(p.data))
		b.prev = ""
	}
	shared := 0
	for shared < min(len(b.prev), len(path)) && b.prev[shared] == path[shared] {
		shared++
	}
	var flags byte
	if c.Dir {
		flags |= checkDir
	}
	if c.Follow {
		flags |= checkFollow
	}
	p.data = append(p.data, flags)
	p.data = binary.AppendUvarint(p.data, uint64(c.Anchor))
	p.data = binary.AppendUvarint(p.data, uint64(shared))
	p.data = binary.AppendUvarint(p.data, uint64(len(path)-shared))
	p.data = append(p.data, path[shared:]...)
	if !c.Dir {
		p.data = binary.AppendVarint(p.data, c.Size)
	}
	p.data = binary.LittleEndian.AppendUint64(p.data, uint64(c.MTime))
	b.prev = path
	p.N++
	return nil
}

var errDamagedPlan = errors.New("tree state: damaged stat plan")

// valid reports whether p's anchors and chunks are consistent (a loaded
// plan's; the checks themselves are verified as they are read).
func (p *statPlan) valid() bool {
	if len(p.Anchors) == 0 || p.N < 0 || len(p.Chunks) != (p.N+planChunk-1)/planChunk {
		return false
	}
	last := 0
	for _, off := range p.Chunks {
		if off < last || off > len(p.data) {
			return false
		}
		last = off
	}
	return true
}

// chunk calls fn with each check of chunk i and its path, NUL-terminated,
// in buf's storage (valid until fn returns). It returns buf for reuse, and
// false when the plan is damaged or fn returned false.
func (p *statPlan) chunk(i int, buf []byte, fn func(c statCheck, path []byte) bool) ([]byte, bool) {
	end := len(p.data)
	if i+1 < len(p.Chunks) {
		end = p.Chunks[i+1]
	}
	d := p.data[p.Chunks[i]:end]
	uvarint := func() (uint64, bool) {
		v, n := binary.Uvarint(d)
		if n <= 0 {
			return 0, false
		}
		d = d[n:]
		return v, true
	}
	buf = buf[:0]
	for range min(planChunk, p.N-i*planChunk) {
		if len(d) == 0 || d[0]&^(checkDir|checkFollow) != 0 {
			return buf, false
		}
		c := statCheck{Dir: d[0]&checkDir != 0, Follow: d[0]&checkFollow != 0}
		d = d[1:]
		anchor, ok1 := uvarint()
		shared, ok2 := uvarint()
		rest, ok3 := uvarint()
		if !ok1 || !ok2 || !ok3 || anchor >= uint64(len(p.Anchors)) || shared > uint64(len(buf)) ||
			rest > uint64(len(d)) || shared+rest == 0 || bytes.IndexByte(d[:rest], 0) >= 0 {
			return buf, false
		}
		c.Anchor = int32(anchor)
		buf = append(buf[:shared], d[:rest]...)
		d = d[rest:]
		if !c.Dir {
			size, n := binary.Varint(d)
			if n <= 0 {
				return buf, false
			}
			c.Size, d = size, d[n:]
		}
		if len(d) < 8 {
			return buf, false
		}
		c.MTime, d = int64(binary.LittleEndian.Uint64(d)), d[8:]
		buf = append(buf, 0)
		if !fn(c, buf) {
			return buf, false
		}
		buf = buf[:len(buf)-1]
	}
	return buf, len(d) == 0
}

// each calls fn with every check of p and its path (not NUL-terminated);
// it returns errDamagedPlan when the plan cannot be read to its end.
func (p *statPlan) each(fn func(c statCheck, path string)) error {
	var buf []byte
	for i := range p.Chunks {
		var ok bool
		buf, ok = p.chunk(i, buf, func(c statCheck, path []byte) bool {
			fn(c, string(path[:len(path)-1]))
			return true
		})
		if !ok {
			return errDamagedPlan
		}
	}
	return nil
}

// anchorRels returns each anchor's path relative to the root, with '/'.
func (p *statPlan) anchorRels() []string {
	rels := make([]string, len(p.Anchors))
	rels[0] = "."
	for i, a := range p.Anchors[1:] {
		rels[i+1] = filepath.ToSlash(a)
	}
	return rels
}

// makePlan plans the stat of every directory and file of st (Dirs and
// Files, from a walk); a directory's size is not compared.
//
// The checks come in the walk's order with each directory's files right
// after it, so that consecutive stats share most of their path: the kernel
// then finds the leading components in cache. On make bench's 10,000-run
// tree that took the stats from 91-112 ms to 76 ms (all directories first,
// then all files; best of 7, two goroutines).
func (st *treeState) makePlan() (statPlan, error) {
	// each directory's and file's parent in Dirs (-1: none, the name is
	// the whole path below the root)
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
	dirParent := make([]int32, len(st.Dirs))
	dirName := make([]string, len(st.Dirs))
	for i, d := range st.Dirs {
		dirParent[i], dirName[i] = split(d.Rel)
		index[d.Rel] = int32(i)
	}
	fileParent := make([]int32, len(st.Files))
	fileName := make([]string, len(st.Files))
	for i, f := range st.Files {
		fileParent[i], fileName[i] = split(f.Rel)
	}
	// entries below (and including) each directory
	below := make([]int, len(st.Dirs))
	for _, p := range fileParent {
		if p >= 0 {
			below[p]++
		}
	}
	for i := len(st.Dirs) - 1; i >= 0; i-- {
		below[i]++
		if p := dirParent[i]; p >= 0 {
			below[p] += below[i]
		}
	}
	root := slices.IndexFunc(st.Dirs, func(d dirState) bool { return d.Rel == "." })
	threshold := anchorThreshold(below, root)

	var b planBuilder
	b.plan.Anchors = []string{st.Root}
	// anchor and path relative to it of each directory's entries; base ""
	// is the anchor itself
	anchor := make([]int32, len(st.Dirs))
	base := make([]string, len(st.Dirs))
	where := func(parent int32, name string) (int32, string) {
		name = filepath.FromSlash(name)
		if parent < 0 {
			return 0, name
		}
		if base[parent] == "" {
			return anchor[parent], name
		}
		return anchor[parent], base[parent] + string(filepath.Separator) + name
	}
	file := func(i int) error {
		a, p := where(fileParent[i], fileName[i])
		f := st.Files[i]
		return b.add(statCheck{Anchor: a, Size: f.Size, MTime: f.MTime, Follow: f.Follow}, p)
	}
	// The walk appends a directory before the files in it, so the files'
	// parents never decrease; any that would are checked at the end.
	j := 0
	for ; j < len(st.Files) && fileParent[j] < 0; j++ {
		if err := file(j); err != nil {
			return statPlan{}, err
		}
	}
	for i, d := range st.Dirs {
		a, p := where(dirParent[i], dirName[i])
		if err := b.add(statCheck{Anchor: a, MTime: d.MTime, Dir: true, Follow: true}, p); err != nil {
			return statPlan{}, err
		}
		switch {
		case d.Rel == ".":
			anchor[i], base[i] = 0, ""
		case below[i] >= threshold:
			if a > 0 {
				p = b.plan.Anchors[a] + string(filepath.Separator) + p
			}
			b.plan.Anchors = append(b.plan.Anchors, p)
			anchor[i], base[i] = int32(len(b.plan.Anchors)-1), ""
		default:
			anchor[i], base[i] = a, p
		}
		for ; j < len(st.Files) && int(fileParent[j]) == i; j++ {
			if err := file(j); err != nil {
				return statPlan{}, err
			}
		}
	}
	for ; j < len(st.Files); j++ {
		if err := file(j); err != nil {
			return statPlan{}, err
		}
	}
	return b.plan, nil
}

// anchorThreshold returns how many entries below it make a directory an
// anchor: minAnchored, doubled until fewer than maxAnchors directories
// (not counting root, an index in below or -1) have that many.
func anchorThreshold(below []int, root int) int {
	threshold := minAnchored
	for {
		n := 0
		for i, b := range below {
			if b >= threshold && i != root {
				n++
			}
		}
		if n < maxAnchors {
			return threshold
		}
		threshold *= 2
	}
}

// unchanged reports whether the tree and the written files are all as st
// recorded them: one stat of each directory and file (st.Complete says
// these cover everything the walk read), spread over jobs goroutines and
// stopping at the first difference.
func (st *treeState) unchanged(ctx context.Context, jobs int) bool {
	if !st.Complete || !st.writtenIntact() {
		return false
	}
	plan := st.plan
	if plan == nil {
		p, err := st.makePlan()
		if err != nil {
			return false
		}
		plan = &p
	}
	root, err := openStatDir(nil, plan.Anchors[0])
	if err != nil {
		return false // gone, or cannot vouch for it: walk
	}
	defer root.close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var changed atomic.Bool
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(jobs)
	for i := range plan.Chunks {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if gctx.Err() != nil {
				return nil
			}
			if !plan.unchangedChunk(i, root) {
				changed.Store(true)
				cancel()
			}
			return nil
		})
	}
	g.Wait()
	return !changed.Load() && ctx.Err() == nil
}

// unchangedChunk reports whether the checks of chunk i all find what they
// recorded, opening the anchors they need relative to root.
func (p *statPlan) unchangedChunk(i int, root *statDir) bool {
	// the anchors the chunk opened (consecutive checks mostly share one)
	type opened struct {
		anchor int32
		dir    *statDir
	}
	var open []opened
	defer func() {
		for _, o := range open {
			o.dir.close()
		}
	}()
	last, lastDir := int32(0), root
	_, ok := p.chunk(i, make([]byte, 0, 256), func(c statCheck, path []byte) bool {
		if c.Anchor != last {
			j := slices.IndexFunc(open, func(o opened) bool { return o.anchor == c.Anchor })
			switch {
			case c.Anchor == 0:
				lastDir = root
			case j >= 0:
				lastDir = open[j].dir
			default:
				d, err := openStatDir(root, p.Anchors[c.Anchor])
				if err != nil {
					return false
				}
				open = append(open, opened{c.Anchor, d})
				lastDir = d
			}
			last = c.Anchor
		}
		size, mtime, err := lastDir.sizeMTime(path, c.Follow)
		return err == nil && (c.Dir || size == c.Size) && mtime == c.MTime
	})
	return ok
}
