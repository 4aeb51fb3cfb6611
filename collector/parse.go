package collector

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/lineup-dev/lineup/collector/logparse"
	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/launcher/rundir"
)

// MaxTimelinePoints bounds a run's timeline in a snapshot.
const MaxTimelinePoints = 200

// maxJSONFile bounds the stats.json, bench result, run.json, status.json
// and env.json the collector reads whole; real ones are a few kB.
const maxJSONFile = 16 << 20

// optInt and optFloat are optional values that survive the gob-encoded
// cache (gob drops a pointer to a zero value).
type optInt struct {
	V  int64
	OK bool
}

type optFloat struct {
	V  float64
	OK bool
}

func (o optFloat) ptr() *float64 {
	if !o.OK {
		return nil
	}
	return snapshot.Ptr(o.V)
}

func (o optInt) ptr() *int64 {
	if !o.OK {
		return nil
	}
	return snapshot.Ptr(o.V)
}

func intOpt(p *int) optInt {
	if p == nil {
		return optInt{}
	}
	return optInt{int64(*p), true}
}

func int64Opt(p *int64) optInt {
	if p == nil {
		return optInt{}
	}
	return optInt{*p, true}
}

func floatOpt(p *float64) optFloat {
	if p == nil {
		return optFloat{}
	}
	return optFloat{*p, true}
}

// startupFacts mirrors logparse.Startup in a cache-safe form.
type startupFacts struct {
	VLLMVersion, Model, GPU                             string
	TP, PP, DP, KVCacheTokens                           optInt
	MaxConcurrency, ModelLoadSeconds, EngineInitSeconds optFloat
	NonDefaultArgs                                      map[string]string
}

// throughput mirrors logparse.Throughput in a cache-safe form.
type throughput struct {
	EngineIn, EngineOut    optFloat
	Engines, Mixed, Steady int
	SteadyIdle             int
	UsedSteady             bool
	// Timeline is downsampled to MaxTimelinePoints; the run's snapshot
	// shares it.
	Timeline snapshot.Timeline
}

// outLog is one SLURM .out file of a run: one attempt.
type outLog struct {
	Rel      string
	JobID    string
	Reason   string
	Evidence string
}

// parsedRun is everything the collector learnt from one run directory.
// It is what the incremental cache stores, so it holds no pointers to
// values that may be zero.
type parsedRun struct {
	Rel    string
	Layout Layout
	// InfRel is the inference directory relative to the run directory
	// ("inference_logs", "logs/inference", "inference").
	InfRel string
	// LocPath is the path the configuration is read from (see runDir).
	LocPath string
	// ManifestJSON, StatusJSON and EnvJSON are lineup's run files, as read
	// (nil when absent or unreadable).
	ManifestJSON, StatusJSON, EnvJSON []byte

	Outs []outLog

	HasStats bool
	Stats    logparse.DatatroveStats
	HasBench bool
	Bench    logparse.BenchResult

	ServerLog     string // Rel of the server log read; empty when none
	LogLines      int
	StatsLines    int
	SpecLines     int
	Dropped       map[string]int // reason -> count
	Startup       startupFacts
	Throughput    throughput
	ServerReason  string // failure pattern found in the server log
	ServerEvident string

	// Problems are file-level warnings (unreadable or malformed files).
	Problems []snapshot.Warning
}

func (p *parsedRun) problem(code, field, format string, args ...any) {
	p.Problems = append(p.Problems, snapshot.Warning{Code: code, Field: field, Message: fmt.Sprintf(format, args...)})
}

// JobID returns the SLURM job id in a .out file name ("<jobid>_<array>.out"
// or "<jobid>.out", after any prefix), or "". It is the seed's
// `(\d+)_\d+\.out$` widened to names without an array index, read by a
// byte scan: the digits before "_<digits>.out", else those before ".out".
func JobID(name string) string {
	r, ok := strings.CutSuffix(name, ".out")
	if !ok {
		return ""
	}
	i := digitsBefore(r, len(r))
	if i == len(r) {
		return ""
	}
	if i >= 2 && r[i-1] == '_' {
		if j := digitsBefore(r, i-1); j < i-1 {
			return r[j : i-1]
		}
	}
	return r[i:]
}

// digitsBefore returns where the run of ASCII digits that ends just before
// s[end] starts (end when s[end-1] is not a digit).
func digitsBefore(s string, end int) int {
	for end > 0 && s[end-1] >= '0' && s[end-1] <= '9' {
		end--
	}
	return end
}

// newerJob reports whether job id a is newer (numerically larger) than b.
func newerJob(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

// parseRun reads the files of one run directory. It never fails: a file
// it cannot use becomes a problem carried with the result. sc holds the
// buffers of the goroutine calling it (nil: fresh ones).
func parseRun(r *runDir, sc *logparse.LogScanner) *parsedRun {
	if sc == nil {
		sc = new(logparse.LogScanner)
	}
	p := &parsedRun{Rel: r.Rel, Layout: r.Layout, InfRel: r.InfRel, LocPath: r.LocPath}
	readSmall := func(f *fileRef) ([]byte, bool) {
		if f.Size > maxJSONFile {
			p.problem("file_too_large", "", "%s: %d bytes, more than the %d a %s can be; not read", rel(r, f), f.Size, maxJSONFile, path.Base(f.Rel))
			return nil, false
		}
		data, err := readFile(f.Path, f.Size)
		if err != nil {
			p.problem("file_unreadable", "", "%s: %v", rel(r, f), unwrapPath(err))
			return nil, false
		}
		return data, true
	}
	if f := r.file("../" + rundir.ManifestFile); f != nil {
		if data, ok := readSmall(f); ok {
			p.ManifestJSON = data
		}
	}
	if f := r.file("status.json"); f != nil {
		if data, ok := readSmall(f); ok {
			p.StatusJSON = data
		}
	}
	if f := r.file("env.json"); f != nil {
		if data, ok := readSmall(f); ok {
			p.EnvJSON = data
		}
	}
	if f := r.file("stats.json"); f != nil {
		if data, ok := readSmall(f); ok {
			st, err := logparse.ParseStatsJSON(rel(r, f), data)
			if err != nil {
				p.problem("stats_json_unreadable", "totals", "%v", err)
			} else {
				p.HasStats, p.Stats = true, *st
			}
		}
	}
	if f := r.file("bench_result.json"); f != nil {
		if data, ok := readSmall(f); ok {
			b, err := logparse.ParseBenchJSON(rel(r, f), data)
			if err != nil {
				p.problem("bench_json_unreadable", "totals", "%v", err)
			} else {
				p.HasBench, p.Bench = true, *b
			}
		}
	}
	// In a finished run the newest job is the one that finished it (no job
	// runs after a success), so only the older attempts are searched.
	newest := ""
	if p.finished() {
		for _, f := range r.Files {
			if id := JobID(path.Base(f.Rel)); strings.HasPrefix(f.Rel, "slurm_logs/") && (newest == "" || newerJob(id, newest)) {
				newest = id
			}
		}
	}
	var serverLogs, nodeLogs []*fileRef
	for i := range r.Files {
		f := &r.Files[i]
		switch {
		case strings.HasPrefix(f.Rel, "slurm_logs/"):
			o := outLog{Rel: f.Rel, JobID: JobID(path.Base(f.Rel))}
			if newest == "" || o.JobID != newest {
				o.Reason, o.Evidence = classify(p, r, f, sc)
			}
			p.Outs = append(p.Outs, o)
		case strings.HasPrefix(f.Rel, "server_logs/"):
			serverLogs = append(serverLogs, f)
			if strings.Contains(f.Rel, "_node_") {
				nodeLogs = append(nodeLogs, f)
			}
		}
	}
	// The seed reads the first server_rank_*_node_*.log, else the first
	// server_rank_*.log: the rank-0 (master node) log.
	if len(nodeLogs) > 0 {
		serverLogs = nodeLogs
	}
	if len(serverLogs) > 0 {
		p.readServerLog(r, serverLogs[0], sc)
	}
	return p
}

// outFailure reports whether an .out file showed a failure pattern, which
// takes precedence over the server log's (see logFailure).
func (p *parsedRun) outFailure() bool {
	for _, o := range p.Outs {
		if o.Reason != "" {
			return true
		}
	}
	return false
}

// finished reports whether the run's own files say it completed, so that
// the server log need not be searched for a failure.
func (p *parsedRun) finished() bool {
	if p.HasStats || p.HasBench {
		return true
	}
	var st rundir.Status
	return p.StatusJSON != nil && json.Unmarshal(p.StatusJSON, &st) == nil && st.State == rundir.StatusOK
}

func (p *parsedRun) readServerLog(r *runDir, f *fileRef, sc *logparse.LogScanner) {
	p.ServerLog = f.Rel
	fh, err := openFile(f.Path)
	if err != nil {
		p.problem("server_log_unreadable", "metrics", "%s: %v", rel(r, f), unwrapPath(err))
		return
	}
	defer fh.Close()
	sl, err := sc.Summary(fh)
	if err != nil {
		p.problem("server_log_unreadable", "metrics", "%s: %v", rel(r, f), err)
	}
	if sl != nil {
		p.LogLines, p.StatsLines, p.SpecLines = sl.Lines, sl.StatsLines, sl.SpecLines
		if len(sl.Dropped) > 0 {
			p.Dropped = map[string]int{}
			for _, d := range sl.Dropped {
				p.Dropped[d.Reason]++
			}
		}
		p.Startup = startupOf(sl.Startup)
		p.Throughput = throughputOf(sl.Throughput)
	}
	// The server log's failure pattern only counts when the run did not
	// finish and no attempt's .out showed one (logFailure, failureFile).
	if !p.finished() && !p.outFailure() {
		p.ServerReason, p.ServerEvident = classifyFile(p, r, f, fh, sc)
	}
}

func classify(p *parsedRun, r *runDir, f *fileRef, sc *logparse.LogScanner) (reason, evidence string) {
	fh, err := openFile(f.Path)
	if err != nil {
		p.problem("file_unreadable", "", "%s: %v", rel(r, f), unwrapPath(err))
		return "", ""
	}
	defer fh.Close()
	return classifyFile(p, r, f, fh, sc)
}

func classifyFile(p *parsedRun, r *runDir, f *fileRef, ra io.ReaderAt, sc *logparse.LogScanner) (reason, evidence string) {
	reason, evidence, err := sc.ClassifyFailure(ra, f.Size)
	if err != nil {
		p.problem("file_unreadable", "", "%s: %v", rel(r, f), err)
	}
	return reason, evidence
}

func startupOf(s logparse.Startup) startupFacts {
	return startupFacts{
		VLLMVersion: s.VLLMVersion, Model: s.Model, GPU: s.GPU,
		TP: intOpt(s.TP), PP: intOpt(s.PP), DP: intOpt(s.DP), KVCacheTokens: int64Opt(s.KVCacheTokens),
		MaxConcurrency: floatOpt(s.MaxConcurrency), ModelLoadSeconds: floatOpt(s.ModelLoadSeconds),
		EngineInitSeconds: floatOpt(s.EngineInitSeconds), NonDefaultArgs: s.NonDefaultArgs,
	}
}

func throughputOf(t logparse.Throughput) throughput {
	out := throughput{
		EngineIn: floatOpt(t.EngineInputTPS), EngineOut: floatOpt(t.EngineOutputTPS),
		Engines: t.Engines, Mixed: t.Mixed, Steady: t.Steady, SteadyIdle: t.SteadyIdle, UsedSteady: t.UsedSteady,
	}
	pts := downsample(t.Timeline, MaxTimelinePoints)
	n := len(pts)
	if n == 0 {
		return out
	}
	// one allocation for each kind of column
	floats := make([]float64, 4*n)
	counts := make([]int, 2*n)
	tl := snapshot.Timeline{
		T: floats[:n:n], PromptTPS: floats[n : 2*n : 2*n], GenerationTPS: floats[2*n : 3*n : 3*n], KVCacheUsagePct: floats[3*n:],
		Running: counts[:n:n], Waiting: counts[n:],
	}
	var running, waiting, kv bool
	for i, pt := range pts {
		tl.T[i], tl.PromptTPS[i], tl.GenerationTPS[i] = pt.T, pt.PromptTPS, pt.GenerationTPS
		tl.Running[i], tl.Waiting[i], tl.KVCacheUsagePct[i] = -1, -1, -1
		if pt.Running != nil && *pt.Running >= 0 {
			tl.Running[i], running = *pt.Running, true
		}
		if pt.Waiting != nil && *pt.Waiting >= 0 {
			tl.Waiting[i], waiting = *pt.Waiting, true
		}
		if pt.KVCacheUsagePct != nil && *pt.KVCacheUsagePct >= 0 {
			tl.KVCacheUsagePct[i], kv = *pt.KVCacheUsagePct, true
		}
	}
	// as snapshot.TimelineOf leaves them: a column no sample has is nil
	if !running {
		tl.Running = nil
	}
	if !waiting {
		tl.Waiting = nil
	}
	if !kv {
		tl.KVCacheUsagePct = nil
	}
	out.Timeline = tl
	return out
}

// downsample keeps at most n points, evenly spaced, always the first and
// the last.
func downsample[T any](pts []T, n int) []T {
	if len(pts) <= n {
		return pts
	}
	out := make([]T, 0, n)
	last := len(pts) - 1
	for k := 0; k < n; k++ {
		out = append(out, pts[(k*last+(n-1)/2)/(n-1)])
	}
	return out
}

// droppedSummary renders the dropped-line counts, most frequent first.
func droppedSummary(m map[string]int) (total int, text string) {
	type kv struct {
		k string
		v int
	}
	var all []kv
	for k, v := range m {
		all = append(all, kv{k, v})
		total += v
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].v != all[j].v {
			return all[i].v > all[j].v
		}
		return all[i].k < all[j].k
	})
	var parts []string
	for _, e := range all {
		parts = append(parts, e.k+": "+strconv.Itoa(e.v))
	}
	return total, strings.Join(parts, ", ")
}

// rel names f for messages: root-relative, slash-separated.
func rel(r *runDir, f *fileRef) string { return path.Join(r.Rel, r.InfRel, f.Rel) }

// unwrapPath drops the absolute path a *PathError repeats.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
