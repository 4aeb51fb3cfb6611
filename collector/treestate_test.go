package collector

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lineup-dev/lineup/collector/internal/synthtree"
	"github.com/lineup-dev/lineup/collector/snapshot"
)

// tablesOf returns u's tables, failing t if they cannot be read.
func tablesOf(t *testing.T, u *Unchanged) string {
	t.Helper()
	tables, err := u.Tables()
	if err != nil {
		t.Fatal(err)
	}
	return tables
}

// ageTree sets every directory's mtime an hour back, as a tree written by
// finished jobs looks: listings older than racyWindow are remembered.
func ageTree(t testing.TB, root string) {
	t.Helper()
	old := time.Now().Add(-time.Hour)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.Chtimes(p, old, old)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// collectAndWrite is what `lineup collect` does: Collect, Write, then
// SaveState with the printed tables.
func collectAndWrite(t *testing.T, opt Options, out string) *Result {
	t.Helper()
	res := collect(t, opt)
	if res.Unchanged != nil {
		return res
	}
	w, err := Write(res, WriteOptions{OutDir: out, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	var tables bytes.Buffer
	PrintTables(&tables, res.Snapshots[0].Runs)
	if err := res.SaveState(w, tables.String()); err != nil {
		t.Fatal(err)
	}
	return res
}

func firstFile(t *testing.T, root, name string) string {
	t.Helper()
	var found string
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if found == "" && d != nil && d.Name() == name {
			found = p
		}
		return nil
	})
	if found == "" {
		t.Fatalf("no %s under %s", name, root)
	}
	return found
}

// TestUnchangedTree: a re-collect of an unchanged tree builds and writes
// nothing and says since which snapshot; -force, a changed file, a new
// run, other outputs and a removed snapshot each make it collect again,
// re-parsing only what changed.
func TestUnchangedTree(t *testing.T) {
	root, out := t.TempDir(), t.TempDir()
	if err := synthtree.Generate(root, 15, 40, 5); err != nil {
		t.Fatal(err)
	}
	ageTree(t, root)
	opt := Options{Root: root, CacheFile: filepath.Join(out, DefaultCacheName), StateFile: filepath.Join(out, DefaultStateName), OutputKey: "out"}

	first := collectAndWrite(t, opt, out)
	if first.Unchanged != nil || first.Report.RunDirs != 15 {
		t.Fatalf("first collect: unchanged %v, %d run dirs", first.Unchanged, first.Report.RunDirs)
	}
	st := loadState(opt.StateFile)
	if st == nil || st.plan == nil || st.plan.N == 0 || len(st.Written) < 2 { // the snapshot and its CSVs
		t.Fatalf("state after the first collect: %+v", st)
	}
	snapFile := filepath.Join(out, first.Snapshots[0].ID+".json")
	written, err := os.ReadFile(snapFile)
	if err != nil {
		t.Fatal(err)
	}

	again := collect(t, opt)
	if again.Unchanged == nil {
		t.Fatal("re-collect of an unchanged tree built snapshots again")
	}
	if len(again.Snapshots) != 0 || strings.Join(again.Unchanged.IDs, ",") != first.Snapshots[0].ID || !strings.Contains(tablesOf(t, again.Unchanged), first.Snapshots[0].Runs[0].Model) {
		t.Errorf("unchanged: %+v, %d snapshots", again.Unchanged, len(again.Snapshots))
	}
	if r := again.Report; r.RunDirs != 15 || r.Runs != first.Report.Runs || r.OK != first.Report.OK || r.CacheHits != 15 {
		t.Errorf("unchanged report %+v, first %+v", r, first.Report)
	}

	// -force builds the same snapshot again, from the cache.
	forced := opt
	forced.Force = true
	if res := collect(t, forced); res.Unchanged != nil || res.Report.CacheHits != 15 {
		t.Errorf("forced: unchanged %v, %d cache hits", res.Unchanged, res.Report.CacheHits)
	} else if b, _ := encodeSnapshot(res.Snapshots[0]); !bytes.Equal(b, written) {
		t.Error("forced re-collect differs from the snapshot written")
	}

	// Other outputs (another -out, -csv or catalog): not unchanged.
	other := opt
	other.OutputKey = "elsewhere"
	if res := collect(t, other); res.Unchanged != nil {
		t.Error("a state recorded for other outputs counted as unchanged")
	}

	// A server log appended to (its directory's listing unchanged, so
	// served from the state): that run, and only that run, is parsed again.
	log := firstFile(t, root, "server_rank_00000_node_-1.log")
	f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	line := "(APIServer pid=3646) INFO 02-05 23:59:59 [loggers.py:257] Engine 000: Avg prompt throughput: 0.0 tokens/s, Avg generation throughput: 1.0 tokens/s, Running: 1 reqs, Waiting: 0 reqs, GPU KV cache usage: 1.0%, Prefix cache hit rate: 0.0%\n"
	if _, err := f.WriteString(line); err != nil {
		t.Fatal(err)
	}
	f.Close()
	changed := collectAndWrite(t, opt, out)
	if changed.Unchanged != nil || changed.Report.CacheHits != 14 {
		t.Fatalf("after appending to a log: unchanged %v, %d cache hits (want 14)", changed.Unchanged, changed.Report.CacheHits)
	}
	cold := collect(t, Options{Root: root})
	a, _ := snapshot.Marshal(changed.Snapshots[0])
	b, _ := snapshot.Marshal(cold.Snapshots[0])
	if !bytes.Equal(a, b) {
		t.Error("the re-collect after a change differs from a cold collect of the changed tree")
	}
	if bytes.Equal(a, written) {
		t.Error("the appended stats line changed nothing in the snapshot")
	}
	if res := collect(t, opt); res.Unchanged == nil {
		t.Error("not unchanged after the changed tree was collected and written")
	}

	// Directory times moved, nothing else: unchanged after a walk (the
	// stat-only check sees the times), and the new times are kept.
	ageTree(t, root)
	if res := collectAndWrite(t, opt, out); res.Unchanged == nil {
		t.Fatal("ageing the directories counted as a change")
	}
	if st := loadState(opt.StateFile); st == nil || !st.Complete || !st.unchanged(t.Context(), 2) {
		t.Fatal("the state after a walk that found the tree unchanged does not vouch for it")
	}

	// A new run deep in the tree: its parent directory's mtime changes.
	mustWrite(t, synthtree.Run{Experiment: "sweep00", Model: synthtree.Models[0], TP: 1, PP: 1, DP: 1, Spec: "eagle", EngineInputTPS: 1000, EngineOutputTPS: 5000, Mixed: 2, Steady: 10, JobID: 99, Seed: 1}, root)
	added := collectAndWrite(t, opt, out)
	if added.Unchanged != nil || added.Report.RunDirs != 16 || added.Report.CacheHits != 15 {
		t.Fatalf("after adding a run: unchanged %v, %d run dirs, %d cache hits", added.Unchanged, added.Report.RunDirs, added.Report.CacheHits)
	}

	// The written snapshot removed: written again.
	if err := os.Remove(filepath.Join(out, added.Snapshots[0].ID+".json")); err != nil {
		t.Fatal(err)
	}
	if res := collect(t, opt); res.Unchanged != nil {
		t.Error("unchanged although the snapshot it wrote is gone")
	}
}

// TestStateListingsFollowTheTree: listings served from the state give the
// same walk as reading every directory; a tree modified within racyWindow
// is not vouched for; a symbolic link makes the state incomplete.
func TestStateListingsFollowTheTree(t *testing.T) {
	root := t.TempDir()
	if err := synthtree.Generate(root, 6, 10, 2); err != nil {
		t.Fatal(err)
	}
	fresh, err := walkTree(t.Context(), root, "", nil, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.next.Complete || len(fresh.next.Dirs) != 0 {
		t.Errorf("directories modified just now: complete %v, %d listings remembered", fresh.next.Complete, len(fresh.next.Dirs))
	}
	ageTree(t, root)
	first, err := walkTree(t.Context(), root, "", nil, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	second, err := walkTree(t.Context(), root, "", first.next.dirMap(), true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !first.next.Complete || len(first.next.Dirs) == 0 || len(first.next.Files) != 6*3 { // 6 runs: .out, server log, stats.json
		t.Errorf("first walk: complete %v, %d dirs, %d files", first.next.Complete, len(first.next.Dirs), len(first.next.Files))
	}
	want := fmt.Sprint(first.runs, first.skipped, first.next.Dirs, first.next.Files)
	for _, w := range []*walker{fresh, second} {
		if got := fmt.Sprint(w.runs, w.skipped); got != fmt.Sprint(first.runs, first.skipped) {
			t.Errorf("a walk from remembered listings differs from reading every directory:\n%s\nwant\n%s", got, fmt.Sprint(first.runs, first.skipped))
		}
	}
	if got := fmt.Sprint(second.runs, second.skipped, second.next.Dirs, second.next.Files); got != want {
		t.Error("the state of a walk from remembered listings differs")
	}

	// The state file round trip: the stat plan made when saving, the
	// listings read only for a walk.
	file := filepath.Join(t.TempDir(), DefaultStateName)
	if err := first.next.save(file); err != nil {
		t.Fatal(err)
	}
	loaded := loadState(file)
	if loaded == nil {
		t.Fatal("the state saved cannot be loaded")
	}
	if got, want := fmt.Sprint(loaded.dirMap()), fmt.Sprint(first.next.dirMap()); got != want {
		t.Errorf("listings after a round trip:\n%s\nwant\n%s", got, want)
	}
	plan, err := first.next.makePlan()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := planned(t, loaded.plan), planned(t, &plan); !slices.Equal(got, want) {
		t.Errorf("stat checks of the loaded state:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A state file replaced after it was loaded does not lend its
	// listings to the walk: not a copy renamed over it with the same size
	// and mtime, nor the file rewritten in place.
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	copied := file + ".copy"
	if err := os.WriteFile(copied, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(copied, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(copied, file); err != nil {
		t.Fatal(err)
	}
	if m := loaded.dirMap(); m != nil {
		t.Error("listings read from a copy renamed over the state file")
	}
	reloaded := loadState(file)
	if reloaded.dirMap() == nil {
		t.Error("the copy, loaded, lends no listings")
	}
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if m := reloaded.dirMap(); m != nil {
		t.Errorf("listings read from a state file rewritten in place: %v", m)
	}
	for _, garbage := range []string{"", "not gob", stateFormat, stateFormat + "\n" + strings.Repeat("\x00", 12), stateFormat + "\n\xff\xff\xff\xff" + strings.Repeat("\x00", 8), stateFormat + "\n" + strings.Repeat("\x00", 8) + "\xff\xff\xff\xff"} {
		if err := os.WriteFile(file, []byte(garbage), 0o644); err != nil {
			t.Fatal(err)
		}
		if loadState(file) != nil {
			t.Errorf("a state file holding %q loaded", garbage)
		}
	}

	if err := os.Symlink(root, filepath.Join(root, "loop")); err != nil {
		t.Fatal(err)
	}
	ageTree(t, root)
	linked, err := walkTree(t.Context(), root, "", nil, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if linked.next.Complete {
		t.Error("a walk that met a symbolic link is complete")
	}
}

// TestUnchangedFreshTree: a tree written moments ago is not vouched for by
// its times (racyWindow), so the re-collect walks it; finding the same runs
// and files, it is unchanged all the same.
func TestUnchangedFreshTree(t *testing.T) {
	root, out := t.TempDir(), t.TempDir()
	if err := synthtree.Generate(root, 4, 20, 8); err != nil {
		t.Fatal(err)
	}
	opt := Options{Root: root, CacheFile: filepath.Join(out, DefaultCacheName), StateFile: filepath.Join(out, DefaultStateName), OutputKey: "out"}
	first := collectAndWrite(t, opt, out)
	if st := loadState(opt.StateFile); st == nil || st.Complete {
		t.Fatalf("state of a fresh tree: %+v", st)
	}
	// The walk's verdict saves the state again: the tables printed by the
	// first collect stay with it.
	model := first.Snapshots[0].Runs[0].Model
	for range 2 {
		res := collect(t, opt)
		if res.Unchanged == nil || res.Report.RunDirs != 4 {
			t.Fatalf("fresh unchanged tree: %+v", res.Report)
		}
		if tables := tablesOf(t, res.Unchanged); !strings.Contains(tables, model) {
			t.Errorf("tables of the unchanged tree lack %s:\n%s", model, tables)
		}
	}
}

// planned lists p's checks, one line each, failing t if p is damaged.
func planned(t *testing.T, p *statPlan) []string {
	t.Helper()
	var out []string
	if err := p.each(func(c statCheck, path string) { out = append(out, fmt.Sprintf("%+v %q", c, path)) }); err != nil {
		t.Fatal(err)
	}
	if len(out) != p.N {
		t.Fatalf("%d checks read, the plan has %d", len(out), p.N)
	}
	return out
}

// TestStatPlanEncoding: checks read back as they were added, across
// chunks (where the front coding starts again); a damaged plan is an error
// wherever it is cut or flipped, never a panic; a path that cannot be
// stated is refused.
func TestStatPlanEncoding(t *testing.T) {
	var b planBuilder
	b.plan.Anchors = []string{"/root", "exp"}
	var want []string
	for i := range 2*planChunk + 7 {
		c := statCheck{Anchor: int32(i % 2), MTime: int64(i)*1e9 - 5, Follow: i%3 == 0}
		path := fmt.Sprintf("m%d/tp%d/inference_logs", i/40, i/7)
		if i%5 == 0 {
			c.Dir = true
		} else {
			c.Size = int64(i * 1000)
			path += fmt.Sprintf("/f%d.log", i)
		}
		if i == 3 {
			path = "." // the root's check
		}
		if err := b.add(c, path); err != nil {
			t.Fatal(err)
		}
		want = append(want, fmt.Sprintf("%+v %q", c, path))
	}
	p := b.plan
	if !p.valid() || len(p.Chunks) != 3 {
		t.Fatalf("plan of %d checks: valid %v, %d chunks", p.N, p.valid(), len(p.Chunks))
	}
	if got := planned(t, &p); !slices.Equal(got, want) {
		t.Errorf("round trip:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for cut := range len(p.data) {
		q := p
		q.data = p.data[:cut]
		if q.valid() && q.each(func(statCheck, string) {}) == nil {
			t.Fatalf("a plan cut at byte %d of %d read without error", cut, len(p.data))
		}
	}
	for i := range p.data {
		q := p
		q.data = slices.Clone(p.data)
		q.data[i] ^= 0xff
		q.each(func(statCheck, string) {}) // an error or other checks: either way no panic
	}
	for _, bad := range []string{"", "a\x00b"} {
		if err := b.add(statCheck{}, bad); err == nil {
			t.Errorf("path %q added", bad)
		}
	}
	for name, q := range map[string]statPlan{
		"no anchors":       {N: 0},
		"chunks short":     {Anchors: p.Anchors, N: 300, Chunks: []int{0}, data: p.data},
		"chunk past end":   {Anchors: p.Anchors, N: 1, Chunks: []int{len(p.data) + 1}, data: p.data},
		"chunks backwards": {Anchors: p.Anchors, N: 300, Chunks: []int{10, 5}, data: p.data},
	} {
		if q.valid() {
			t.Errorf("%s: valid", name)
		}
	}
}

// TestAnchorThreshold: past maxAnchors directories with minAnchored
// entries below them, the threshold doubles until fewer qualify; the root
// does not count.
func TestAnchorThreshold(t *testing.T) {
	fill := func(n, entries int) []int {
		below := make([]int, n)
		for i := range below {
			below[i] = entries
		}
		return below
	}
	for _, tc := range []struct {
		name  string
		below []int
		root  int
		want  int
	}{
		{"few anchors", fill(10, 1000), -1, minAnchored},
		{"none", fill(10, 3), -1, minAnchored},
		{"one too many", fill(maxAnchors, minAnchored), -1, 2 * minAnchored},
		{"just fits, root aside", fill(maxAnchors, minAnchored), 0, minAnchored},
		{"five doublings", append(fill(maxAnchors, 8*minAnchored), fill(maxAnchors, 16*minAnchored)...), -1, 32 * minAnchored},
	} {
		if got := anchorThreshold(tc.below, tc.root); got != tc.want {
			t.Errorf("%s: threshold %d, want %d", tc.name, got, tc.want)
		}
	}
}

// FuzzStatPlan: whatever a plan's checks hold, reading them never panics.
func FuzzStatPlan(f *testing.F) {
	var b planBuilder
	b.plan.Anchors = []string{"/root", "exp"}
	for i := range 5 {
		b.add(statCheck{Anchor: int32(i % 2), Size: int64(i), MTime: int64(i), Dir: i == 0}, fmt.Sprintf("a/b%d", i))
	}
	f.Add(b.plan.data, uint16(b.plan.N))
	f.Fuzz(func(t *testing.T, data []byte, n uint16) {
		p := statPlan{Anchors: b.plan.Anchors, N: int(n) % (3 * planChunk), data: data}
		for i := 0; i < p.N; i += planChunk {
			p.Chunks = append(p.Chunks, min(len(data), i/planChunk*len(data)/3))
		}
		if !p.valid() {
			t.Fatalf("plan %+v not valid", p)
		}
		p.each(func(statCheck, string) {})
	})
}

// TestUnchangedAnchored: the stat-only check stats each entry relative to
// an anchor directory (statplan.go). The plan covers every directory and
// file of the state exactly once, relative to anchors below the root, some
// below others; and a
// change below an anchor, to an anchor itself, or an anchor that is gone
// are all seen.
func TestUnchangedAnchored(t *testing.T) {
	setup := func(t *testing.T) (root string, st *treeState, plan statPlan) {
		root, out := t.TempDir(), t.TempDir()
		// 40 runs in 5 model directories: more than minAnchored entries each
		if err := synthtree.Generate(root, 40, 10, 3); err != nil {
			t.Fatal(err)
		}
		ageTree(t, root)
		opt := Options{Root: root, CacheFile: filepath.Join(out, DefaultCacheName), StateFile: filepath.Join(out, DefaultStateName), OutputKey: "out"}
		collectAndWrite(t, opt, out)
		st = loadState(opt.StateFile)
		if st == nil || !st.Complete {
			t.Fatalf("state: %+v", st)
		}
		return root, st, *st.plan
	}
	// where resolves an anchor to its absolute path.
	where := func(root string, plan statPlan, a int32) string {
		if a == 0 {
			return root
		}
		return filepath.Join(root, plan.Anchors[a])
	}

	t.Run("plan", func(t *testing.T) {
		root, st, plan := setup(t)
		nested := slices.ContainsFunc(plan.Anchors[1:], func(a string) bool {
			return slices.ContainsFunc(plan.Anchors[1:], func(b string) bool { return within(a, b) && a != b })
		})
		if len(plan.Anchors) < 3 || plan.Anchors[0] != st.Root || !nested {
			t.Fatalf("anchors %+v: want the root and anchors below it, some below others", plan.Anchors)
		}
		var got, want []string
		err := plan.each(func(c statCheck, path string) {
			if filepath.IsAbs(path) {
				t.Errorf("check %+v %q: an absolute path", c, path)
			}
			got = append(got, filepath.Join(where(root, plan, c.Anchor), path))
		})
		if err != nil {
			t.Fatal(err)
		}
		w, err := walkTree(t.Context(), root, "", nil, true, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range w.next.Dirs {
			want = append(want, filepath.Join(root, d.Rel))
		}
		for _, f := range w.next.Files {
			want = append(want, filepath.Join(root, f.Rel))
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("the checks stat\n%s\nwant every directory and file of the state\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if !st.unchanged(t.Context(), 2) {
			t.Error("the unchanged tree is not unchanged")
		}
	})

	for _, tc := range []struct {
		name   string
		change func(t *testing.T, root, anchor string)
	}{
		{"a log below an anchor appended to", func(t *testing.T, root, anchor string) {
			f, err := os.OpenFile(firstFile(t, anchor, "server_rank_00000_node_-1.log"), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteString("x\n"); err != nil {
				t.Fatal(err)
			}
		}},
		{"a file's mtime only", func(t *testing.T, root, anchor string) {
			p := firstFile(t, anchor, "stats.json")
			if err := os.Chtimes(p, time.Now(), time.Now()); err != nil {
				t.Fatal(err)
			}
		}},
		{"a file added to an anchor", func(t *testing.T, root, anchor string) {
			if err := os.WriteFile(filepath.Join(anchor, "notes.txt"), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"a file added deep below an anchor", func(t *testing.T, root, anchor string) {
			dir := filepath.Dir(firstFile(t, anchor, "server_rank_00000_node_-1.log"))
			if err := os.WriteFile(filepath.Join(dir, "server_rank_00001_node_-1.log"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"an anchor removed", func(t *testing.T, root, anchor string) {
			if err := os.RemoveAll(anchor); err != nil {
				t.Fatal(err)
			}
		}},
		{"an anchor renamed", func(t *testing.T, root, anchor string) {
			if err := os.Rename(anchor, anchor+"-old"); err != nil {
				t.Fatal(err)
			}
		}},
		{"a directory deep below an anchor removed", func(t *testing.T, root, anchor string) {
			if err := os.RemoveAll(filepath.Dir(firstFile(t, anchor, "server_rank_00000_node_-1.log"))); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, st, plan := setup(t)
			if !st.unchanged(t.Context(), 2) {
				t.Fatal("the unchanged tree is not unchanged")
			}
			tc.change(t, root, where(root, plan, int32(len(plan.Anchors)-1)))
			if st.unchanged(t.Context(), 2) {
				t.Error("the change was not seen")
			}
		})
	}
}

// FuzzLoadState: whatever the state file holds, loading it and using it
// for a walk, for the stat-only check and for its tables never panics.
func FuzzLoadState(f *testing.F) {
	root, out := f.TempDir(), f.TempDir()
	if err := synthtree.Generate(root, 3, 5, 1); err != nil {
		f.Fatal(err)
	}
	opt := Options{Root: root, CacheFile: filepath.Join(out, DefaultCacheName), StateFile: filepath.Join(out, DefaultStateName), OutputKey: "out"}
	res, err := Collect(context.Background(), opt)
	if err != nil {
		f.Fatal(err)
	}
	w, err := Write(res, WriteOptions{OutDir: out, Force: true})
	if err != nil {
		f.Fatal(err)
	}
	if err := res.SaveState(w, "tables"); err != nil {
		f.Fatal(err)
	}
	data, err := os.ReadFile(opt.StateFile)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(stateFormat))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		file := filepath.Join(dir, "state")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		st := loadState(file)
		if st == nil {
			return
		}
		st.unchanged(context.Background(), 2)
		st.dirMap()
		st.tables()
	})
}
