package collector

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/lineup-dev/lineup/collector/logparse"
	"github.com/lineup-dev/lineup/collector/snapshot"
)

// Options configure a collect.
type Options struct {
	// Root is the results tree.
	Root string
	// Resolver maps lossy model directory names to full ids (the catalog).
	// Nil keeps directory names, with a warning. It is called from several
	// goroutines.
	Resolver ModelResolver
	// GPUsPerNode sizes the node-days metric; 0 means snapshot.DefaultGPUsPerNode.
	GPUsPerNode int
	// ID overrides the snapshot id (with Split, the vLLM version is appended).
	ID string
	// Title overrides the snapshot title.
	Title string
	// Split writes one snapshot per vLLM version instead of one snapshot
	// with a mixed-environment warning.
	Split bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Jobs bounds the files parsed at once; 0 means GOMAXPROCS.
	Jobs int
	// CacheFile, when set, is the incremental cache: runs whose files have
	// the same paths, sizes and modification times are not parsed again.
	CacheFile string
	// Progress, when set, is called (from several goroutines) as runs are
	// parsed.
	Progress func(done, total int)
	// StateFile, when set, is the tree state (see treestate.go): the
	// directory listings of the last collect, so that unchanged directories
	// are not read again, and what it wrote, so that a collect of an
	// unchanged tree builds nothing and returns Result.Unchanged. Result.
	// SaveState updates it after Write.
	StateFile string
	// OutputKey names what else shapes the outputs (where they are
	// written, the catalog file's version): a state recorded under another
	// key does not count as unchanged.
	OutputKey string
	// Force builds the snapshots even when the tree is unchanged.
	Force bool
}

// Report says what a collect did.
type Report struct {
	Root string `json:"root"`
	// RunDirs is the number of run directories found; Runs the number of
	// run configurations after merging attempts.
	RunDirs    int            `json:"run_dirs"`
	Runs       int            `json:"runs"`
	OK         int            `json:"ok"`
	Failed     map[string]int `json:"failed"` // by reason
	Incomplete int            `json:"incomplete"`
	Warned     int            `json:"warned"`
	Skipped    []Skip         `json:"skipped"`
	Merged     int            `json:"merged"` // run directories folded into another as attempts
	CacheHits  int            `json:"cache_hits"`
	// CacheError is set when the cache could not be read or written; the
	// collect itself is unaffected.
	CacheError string `json:"cache_error,omitempty"`
}

// Result is a finished collect: the snapshots to write and the report.
type Result struct {
	Snapshots []*snapshot.Snapshot
	Report    Report
	// Unchanged is set, and Snapshots empty, when the tree, the options
	// and the last collect's outputs are as they were (Options.StateFile).
	Unchanged *Unchanged
	records   []*record
	state     *treeState // to save with SaveState
	stateFile string
}

// Collect reads the results tree and builds its snapshot(s). It writes
// nothing but the cache; a cancelled ctx returns ctx's error and no result.
func Collect(ctx context.Context, opt Options) (*Result, error) {
	if opt.GPUsPerNode < 1 {
		opt.GPUsPerNode = snapshot.DefaultGPUsPerNode
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Jobs < 1 {
		opt.Jobs = runtime.GOMAXPROCS(0)
	}
	var prev *treeState
	var key string
	if opt.StateFile != "" {
		abs, err := filepath.Abs(opt.Root)
		if err != nil {
			return nil, err
		}
		key = optionsKey(opt, abs)
		if prev = loadState(opt.StateFile); prev != nil && prev.Root != abs {
			prev = nil // another tree's listings
		}
		if prev != nil && !opt.Force && prev.Key == key && prev.unchanged(ctx, opt.Jobs) {
			return prev.unchangedResult(opt.Root), nil
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// When the tree may turn out unchanged (a state of the same options),
	// the walk comes first: its digest may end the collect. Otherwise runs
	// are parsed as the walk finds them, the walk overlapping the parse.
	mayBeUnchanged := prev != nil && !opt.Force && prev.Key == key
	var (
		cache    *runCache
		cacheErr error
		w        *walker
	)
	if !mayBeUnchanged && opt.CacheFile != "" {
		cache, cacheErr = loadCache(opt.CacheFile)
	}
	type job struct {
		i int
		d *runDir
	}
	jobs := make(chan job, 64)
	g, gctx := errgroup.WithContext(ctx)
	if mayBeUnchanged {
		var err error
		if w, err = walkTree(ctx, opt.Root, "", prev.dirMap(), opt.StateFile != "", nil); err != nil {
			return nil, err
		}
		if state := w.next; state != nil {
			state.Key, state.Digest = key, runsDigest(w.runs, w.skipped)
			if prev.Digest == state.Digest && prev.writtenIntact() {
				// Same runs, same files: only directory times moved. Keep
				// the new listings and times for the next stat-only check.
				tables, err := prev.tables()
				state.Written, state.IDs, state.Report, state.Tables = prev.Written, prev.IDs, prev.Report, tables
				res := state.unchangedResult(opt.Root)
				if err == nil {
					err = state.save(opt.StateFile)
				} // else the state is not saved: it would lose the tables
				if err != nil {
					res.Report.CacheError = err.Error()
				}
				return res, nil
			}
		}
		if opt.CacheFile != "" {
			cache, cacheErr = loadCache(opt.CacheFile)
		}
		g.Go(func() error {
			defer close(jobs)
			for i := range w.runs {
				select {
				case jobs <- job{i, &w.runs[i]}:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
			return nil
		})
	} else {
		g.Go(func() error {
			defer close(jobs)
			i := 0
			var err error
			w, err = walkTree(gctx, opt.Root, "", prev.dirMap(), opt.StateFile != "", func(d *runDir) error {
				select {
				case jobs <- job{i, d}:
					i++
					return nil
				case <-gctx.Done():
					return gctx.Err()
				}
			})
			return err
		})
	}

	// A fixed pool of workers, each with its own scanner (read buffer,
	// parser records, failure windows) reused from run to run.
	var (
		mu      sync.Mutex
		results = map[int]*record{}
		hits    atomic.Int64
	)
	for range opt.Jobs {
		g.Go(func() error {
			sc := new(logparse.LogScanner)
			for j := range jobs {
				if err := gctx.Err(); err != nil {
					return err
				}
				p := cache.get(j.d.Dir, j.d.fingerprint())
				if p != nil {
					hits.Add(1)
				} else {
					p = parseRun(j.d, sc)
				}
				// assemble is pure: done here, it runs in parallel too
				rec := assemble(p, opt.Resolver, opt.GPUsPerNode)
				if opt.CacheFile == "" {
					rec.Parsed = nil // only the cache needs it
				}
				mu.Lock()
				results[j.i] = rec
				n := len(results)
				mu.Unlock()
				if opt.Progress != nil {
					opt.Progress(n, max(n, j.i+1))
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dirs, skipped := w.runs, w.skipped
	recs := make([]*record, len(dirs))
	for i := range recs {
		recs[i] = results[i]
	}
	state := w.next
	if state != nil && state.Digest == "" {
		state.Key, state.Digest = key, runsDigest(dirs, skipped)
	}
	rep := Report{Root: opt.Root, RunDirs: len(dirs), Skipped: skipped, Failed: map[string]int{}}
	if cacheErr != nil {
		rep.CacheError = cacheErr.Error()
	}
	rep.CacheHits = int(hits.Load())
	// An unchanged tree leaves the cache as it is: rewriting it would cost
	// as much as reading it.
	unchanged := cache != nil && rep.CacheHits == len(dirs) && len(cache.Entries) == len(dirs) && rep.CacheError == ""
	if opt.CacheFile != "" && !unchanged {
		next := newCache()
		next.base = cache
		for i := range dirs {
			next.put(dirs[i].Dir, dirs[i].fingerprint(), recs[i].Parsed)
		}
		if err := next.save(opt.CacheFile); err != nil {
			rep.CacheError = err.Error()
		}
	}
	// The parsed runs (a timeline each, in the cache's form) are not
	// needed past the cache: let them go before the snapshot is built.
	for _, r := range recs {
		r.Parsed = nil
	}

	recs, merged := dedup(recs)
	rep.Merged = merged
	rep.Runs = len(recs)
	for _, r := range recs {
		switch r.Run.Status.State {
		case snapshot.StateOK:
			rep.OK++
		case snapshot.StateFailed:
			rep.Failed[r.Run.Status.Reason]++
		default:
			rep.Incomplete++
		}
		if len(r.Run.Warnings) > 0 {
			rep.Warned++
		}
	}
	res := &Result{Report: rep, records: recs, state: state, stateFile: opt.StateFile}
	snaps, err := buildSnapshots(recs, skipped, opt)
	if err != nil {
		return nil, err
	}
	res.Snapshots = snaps
	return res, nil
}

// dedup merges run directories of one configuration (retries, the seed
// layout's several trees) into one record: the most complete, then the
// newest job id. The others become attempts of the kept one.
func dedup(recs []*record) ([]*record, int) {
	groups := map[string][]*record{}
	var order []string
	for _, r := range recs {
		if _, ok := groups[r.Key]; !ok {
			order = append(order, r.Key)
		}
		groups[r.Key] = append(groups[r.Key], r)
	}
	out := make([]*record, 0, len(order))
	merged := 0
	for _, k := range order {
		g := groups[k]
		if len(g) > 1 {
			sort.SliceStable(g, func(i, j int) bool {
				ci, cj := completeness(g[i]), completeness(g[j])
				if ci != cj {
					return ci > cj
				}
				return newerJob(g[i].JobID, g[j].JobID)
			})
			keep := g[0]
			var paths []string
			for _, o := range g[1:] {
				keep.Run.Attempts = append(keep.Run.Attempts, o.Run.Attempts...)
				paths = append(paths, o.Run.Path)
				merged++
			}
			keep.Run.Warnings = append(keep.Run.Warnings, snapshot.Warning{
				Code:    WarnDuplicateAttempts,
				Message: fmt.Sprintf("%d other run directories of this configuration were merged as attempts: %s", len(g)-1, strings.Join(paths, ", ")),
			})
		}
		out = append(out, g[0])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Run.Path < out[j].Run.Path })
	return out, merged
}

// completeness counts the seed's "metric" columns a record fills.
func completeness(r *record) int {
	m := r.Run.Metrics
	n := 0
	for _, p := range []*float64{m.NodeDaysToProcess1BTokens, m.GPUDaysToProcess1BTokens, m.InputTPSPerGPU, m.OutputTPSPerGPU} {
		if p != nil {
			n++
		}
	}
	return n
}

// buildSnapshots groups records into one snapshot (or one per vLLM version
// with Split) and settles each snapshot's environment.
func buildSnapshots(recs []*record, skipped []Skip, opt Options) ([]*snapshot.Snapshot, error) {
	groups := [][]*record{recs}
	if opt.Split {
		groups = splitByVersion(recs)
	}
	created := opt.Now().UTC().Truncate(time.Second)
	var out []*snapshot.Snapshot
	seen := map[string]bool{}
	for _, g := range groups {
		s := &snapshot.Snapshot{
			Schema:  snapshot.SchemaV2,
			Created: created,
			Source:  snapshot.Source{Kind: snapshot.SourceCluster, Root: opt.Root},
			Tool:    snapshot.ThisTool(),
			Runs:    []snapshot.Run{},
		}
		s.Environment, s.Warnings = settleEnvironment(g, opt.GPUsPerNode)
		for _, sk := range skipped {
			s.Warnings = append(s.Warnings, snapshot.Warning{Code: WarnSkipped, Message: sk.Path + ": " + sk.Reason})
		}
		for _, r := range g {
			run := r.Run
			if env := r.Env; env != s.Environment && (env.VLLMVersion != "" || env.GPU != "") {
				run.Environment = &env
			}
			s.Runs = append(s.Runs, run)
		}
		s.ID = SnapshotID(created, s.Environment.VLLMVersion, s.Environment.GPU)
		if opt.ID != "" {
			s.ID = opt.ID
			if len(groups) > 1 {
				s.ID = opt.ID + "-" + slug(firstNonEmpty(s.Environment.VLLMVersion, "unknown"))
			}
		}
		if seen[s.ID] {
			s.ID += "-" + strconv.Itoa(len(out)+1)
		}
		seen[s.ID] = true
		s.Title = opt.Title
		if s.Title == "" {
			s.Title = defaultTitle(opt.Root, created, s.Environment)
		}
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("snapshot %s: %w", s.ID, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func defaultTitle(root string, created time.Time, env snapshot.Environment) string {
	t := "Collected from " + filepath.Base(filepath.Clean(root)) + " on " + created.Format("2006-01-02")
	var what []string
	if env.VLLMVersion != "" {
		what = append(what, "vLLM "+env.VLLMVersion)
	}
	if env.GPU != "" {
		what = append(what, env.GPU)
	}
	if len(what) > 0 {
		t += " (" + strings.Join(what, ", ") + ")"
	}
	return t
}

// splitByVersion groups records by vLLM version, largest group first; runs
// whose version is unknown join the largest group.
func splitByVersion(recs []*record) [][]*record {
	by := map[string][]*record{}
	var unknown []*record
	for _, r := range recs {
		if v := r.Env.VLLMVersion; v != "" {
			by[v] = append(by[v], r)
		} else {
			unknown = append(unknown, r)
		}
	}
	if len(by) <= 1 {
		return [][]*record{recs}
	}
	var versions []string
	for v := range by {
		versions = append(versions, v)
	}
	sort.Slice(versions, func(i, j int) bool {
		if len(by[versions[i]]) != len(by[versions[j]]) {
			return len(by[versions[i]]) > len(by[versions[j]])
		}
		return versions[i] < versions[j]
	})
	var out [][]*record
	for i, v := range versions {
		g := by[v]
		if i == 0 {
			g = append(g, unknown...)
			sort.SliceStable(g, func(a, b int) bool { return g[a].Run.Path < g[b].Run.Path })
		}
		out = append(out, g)
	}
	return out
}

// settleEnvironment picks the most common value of each environment field
// and warns when runs disagree on the vLLM version or the GPU.
func settleEnvironment(recs []*record, gpusPerNode int) (snapshot.Environment, []snapshot.Warning) {
	env := snapshot.Environment{GPUsPerNode: gpusPerNode}
	var warns []snapshot.Warning
	field := func(get func(snapshot.Environment) string, code, name string) string {
		counts := map[string]int{}
		for _, r := range recs {
			if v := get(r.Env); v != "" {
				counts[v]++
			}
		}
		best, list := majority(counts)
		if len(counts) > 1 && code != "" {
			warns = append(warns, snapshot.Warning{Code: code, Field: "environment." + name,
				Message: fmt.Sprintf("runs of this tree differ in %s: %s (the snapshot records %s; use -split for one snapshot per vLLM version)", name, list, best)})
		}
		return best
	}
	env.VLLMVersion = field(func(e snapshot.Environment) string { return e.VLLMVersion }, WarnMixedVLLMVersions, "vllm_version")
	env.GPU = field(func(e snapshot.Environment) string { return e.GPU }, WarnMixedGPUs, "gpu")
	env.DriverVersion = field(func(e snapshot.Environment) string { return e.DriverVersion }, "", "driver_version")
	mem := field(func(e snapshot.Environment) string {
		if e.GPUMemoryMiB > 0 {
			return strconv.Itoa(e.GPUMemoryMiB)
		}
		return ""
	}, "", "")
	env.GPUMemoryMiB, _ = strconv.Atoi(mem)
	// A run differs from the snapshot only by what it states.
	for _, r := range recs {
		e := &r.Env
		if e.DriverVersion == "" {
			e.DriverVersion = env.DriverVersion
		}
		if e.GPUMemoryMiB == 0 {
			e.GPUMemoryMiB = env.GPUMemoryMiB
		}
		if e.VLLMVersion == "" {
			e.VLLMVersion = env.VLLMVersion
		}
		if e.GPU == "" {
			e.GPU = env.GPU
		}
	}
	return env, warns
}

// majority returns the most frequent key (ties: the smallest) and a
// "a (3), b (1)" listing.
func majority(counts map[string]int) (string, string) {
	var keys []string
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if counts[keys[i]] != counts[keys[j]] {
			return counts[keys[i]] > counts[keys[j]]
		}
		return keys[i] < keys[j]
	})
	if len(keys) == 0 {
		return "", ""
	}
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s (%d runs)", k, counts[k]))
	}
	return keys[0], strings.Join(parts, ", ")
}

// SnapshotID builds an id from the collect date, the vLLM version and the
// GPU: "2026-02-05-vllm-0.15.0-nvidia-h100-80gb-hbm3".
func SnapshotID(created time.Time, vllmVersion, gpu string) string {
	parts := []string{created.UTC().Format("2006-01-02")}
	if vllmVersion != "" {
		parts = append(parts, "vllm-"+slug(vllmVersion))
	}
	if gpu != "" {
		parts = append(parts, slug(gpu))
	}
	id := strings.Trim(strings.Join(parts, "-"), "-.")
	if len(id) > 128 {
		id = strings.TrimRight(id[:128], "-.")
	}
	return id
}

// slug lower-cases s and keeps letters, digits and '.', turning every
// other run of characters into one '-'.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.':
			if r == '.' && strings.HasSuffix(b.String(), ".") {
				continue // ".." is not allowed in an id
			}
			b.WriteRune(r)
			dash = false
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	return strings.Trim(b.String(), "-.")
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
