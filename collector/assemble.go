package collector

import (
	"encoding/json"
	"fmt"
	"math"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/launcher/rundir"
)

// Warning codes a run or a snapshot can carry. They are stable: the site
// and scripts key on them.
const (
	WarnZeroCompletionTokens = "zero_completion_tokens"
	WarnFailedRequests       = "failed_requests"
	WarnFewSteadyLines       = "few_steady_lines"
	WarnNeverSteady          = "never_steady"
	WarnNoStatsLines         = "no_stats_lines"
	WarnNoServerLog          = "server_log_missing"
	WarnThroughputMismatch   = "throughput_mismatch"
	WarnStatsLinesDropped    = "stats_lines_dropped"
	WarnIdleSteadyLines      = "idle_steady_lines"
	WarnModelUnresolved      = "model_unresolved"
	WarnDPMismatch           = "dp_engines_mismatch"
	WarnRunJSONUnreadable    = "run_json_unreadable"
	WarnMixedVLLMVersions    = "mixed_vllm_versions"
	WarnMixedGPUs            = "mixed_gpus"
	WarnSkipped              = "skipped"
	WarnDuplicateAttempts    = "duplicate_run_directories"
)

// MinSteadyLines is the validity gate's minimum number of steady-state
// stats lines behind a headline output throughput.
const MinSteadyLines = 3

// MismatchTolerance is the relative disagreement between the stats-line
// and the token-count throughput beyond which a run is flagged.
const MismatchTolerance = 0.15

// ModelResolver maps a lossy model directory name ("gemma_3_1b_it") back
// to a full model id. *catalog.Catalog implements it.
type ModelResolver interface {
	ResolveDirName(dir string) (id string, ok bool)
}

// record is one assembled run with what the dedup and the CSV need.
type record struct {
	Run     snapshot.Run
	Env     snapshot.Environment // this run's own environment
	Key     string               // configuration identity for dedup
	Loc     Location
	OutPath string // the .out file of the chosen attempt, root-relative
	JobID   string // newest job id of the run directory
	Parsed  *parsedRun
}

// hfID matches "org/name" model ids (not local paths).
var hfID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9_.-]+$`)

// assemble turns one parsed run directory into a run record. It is pure:
// the same parsedRun and options give the same record.
func assemble(p *parsedRun, res ModelResolver, gpusPerNode int) *record {
	rec := &record{Parsed: p}
	run := &rec.Run
	run.Path = p.Rel
	run.Warnings = append(run.Warnings, p.Problems...)
	warn := func(code, field, format string, args ...any) {
		run.Warnings = append(run.Warnings, snapshot.Warning{Code: code, Field: field, Message: fmt.Sprintf(format, args...)})
	}

	var man *rundir.Manifest
	if p.ManifestJSON != nil {
		var m rundir.Manifest
		if err := json.Unmarshal(p.ManifestJSON, &m); err != nil {
			warn(WarnRunJSONUnreadable, "config", "%s: %v", path.Join(p.Rel, rundir.ManifestFile), err)
		} else {
			man = &m
		}
	}
	var loc Location
	if p.Layout != LayoutLineup {
		loc, _ = ParsePath(p.LocPath)
	}
	rec.Loc = loc
	st := p.Startup
	switch {
	case man != nil:
		run.Config, run.Model, run.Experiment, run.Name = man.Config, man.Model, man.Experiment, man.Name
		rec.Key = "lineup|" + p.Rel
	default:
		run.Config = configOf(loc)
		run.Experiment = loc.Experiment
		if p.Layout == LayoutLineup {
			// run.json unreadable: the path is all there is.
			rec.Key = "lineup|" + p.Rel
		} else if p.Layout == LayoutDatatrove {
			rec.Key = "datatrove|" + p.Rel
		} else {
			rec.Key = strings.Join([]string{"seed", loc.Experiment, loc.ModelDir, strconv.Itoa(loc.TP), strconv.Itoa(loc.PP), strconv.Itoa(loc.DP), loc.Spec}, "|")
		}
		run.Model = resolveModel(loc.ModelDir, st.Model, res, warn)
	}
	if run.Config.TP < 1 {
		run.Config.TP = int(max(st.TP.V, 1))
	}
	if run.Config.PP < 1 {
		run.Config.PP = int(max(st.PP.V, 1))
	}
	if run.Config.DP == nil && st.DP.OK && st.DP.V > 0 {
		run.Config.DP = snapshot.Ptr(int(st.DP.V))
	}
	if run.Model == "" {
		run.Model = "unknown"
	}

	rec.Env = environmentOf(p, gpusPerNode)
	if st.KVCacheTokens.OK || st.MaxConcurrency.OK || st.ModelLoadSeconds.OK || st.EngineInitSeconds.OK {
		run.Startup = &snapshot.Startup{
			KVCacheTokens: st.KVCacheTokens.ptr(), MaxConcurrency: nonNegative(st.MaxConcurrency),
			ModelLoadSeconds: nonNegative(st.ModelLoadSeconds), EngineInitSeconds: nonNegative(st.EngineInitSeconds),
		}
	}
	run.Totals = totalsOf(p)
	run.Status = statusOf(p)
	run.Attempts, rec.JobID, rec.OutPath = attemptsOf(p, run.Status)
	run.Timeline = p.Throughput.Timeline

	if run.Status.State == snapshot.StateOK {
		deriveMetrics(p, run, gpusPerNode, warn)
		gate(p, run, warn)
	}
	return rec
}

func nonNegative(o optFloat) *float64 {
	if !o.OK || o.V < 0 || math.IsNaN(o.V) || math.IsInf(o.V, 0) {
		return nil
	}
	return snapshot.Ptr(o.V)
}

// configOf is the configuration the path states.
func configOf(loc Location) snapshot.Config {
	c := snapshot.Config{TP: loc.TP, PP: loc.PP}
	if loc.DP > 0 {
		c.DP = snapshot.Ptr(loc.DP)
	}
	if loc.Spec != "" {
		c.Spec = snapshot.Ptr(loc.Spec)
	}
	if loc.MaxNumSeqs > 0 {
		c.MaxNumSeqs = snapshot.Ptr(loc.MaxNumSeqs)
	}
	if loc.MaxNumBatchedTokens > 0 {
		c.MaxNumBatchedTokens = snapshot.Ptr(loc.MaxNumBatchedTokens)
	}
	if loc.GMUPercent > 0 && loc.GMUPercent <= 100 {
		c.GPUMemoryUtilization = snapshot.Ptr(float64(loc.GMUPercent) / 100)
	}
	if loc.BlockSize > 0 {
		c.BlockSize = snapshot.Ptr(loc.BlockSize)
	}
	if loc.KVCacheDtype != "" {
		c.KVCacheDtype = snapshot.Ptr(loc.KVCacheDtype)
	}
	if loc.Quantization != "" {
		c.Quantization = snapshot.Ptr(loc.Quantization)
	}
	return c
}

// resolveModel finds the full model id of a path's model directory: the
// id vLLM printed at startup when it is one, else the catalog's, else the
// directory name itself with a warning.
func resolveModel(dir, startupModel string, res ModelResolver, warn func(code, field, format string, args ...any)) string {
	if hfID.MatchString(startupModel) {
		return startupModel
	}
	if res != nil && dir != "" {
		if id, ok := res.ResolveDirName(dir); ok {
			return id
		}
	}
	if dir == "" {
		warn(WarnModelUnresolved, "model", "the path names no model directory and the server log no model id")
		return ""
	}
	warn(WarnModelUnresolved, "model", "model directory %q is not in the catalog and the server log names no model id; kept as written", dir)
	return dir
}

func environmentOf(p *parsedRun, gpusPerNode int) snapshot.Environment {
	env := snapshot.Environment{GPUsPerNode: gpusPerNode, VLLMVersion: p.Startup.VLLMVersion, GPU: p.Startup.GPU}
	if p.EnvJSON != nil {
		var e rundir.Env
		if json.Unmarshal(p.EnvJSON, &e) == nil {
			if e.VLLMVersion != "" {
				env.VLLMVersion = e.VLLMVersion
			}
			if len(e.GPUs) > 0 {
				env.GPU, env.GPUMemoryMiB, env.DriverVersion = e.GPUs[0].Name, max(e.GPUs[0].MemoryMiB, 0), e.GPUs[0].Driver
			}
		}
	}
	return env
}

func totalsOf(p *parsedRun) snapshot.Totals {
	var t snapshot.Totals
	nn := func(v int64) *int64 { return snapshot.Ptr(max(v, 0)) }
	nf := func(v float64) *float64 {
		if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return snapshot.Ptr(v)
	}
	switch {
	case p.HasStats:
		s := p.Stats
		t.PromptTokens, t.CompletionTokens, t.SuccessfulRequests = nn(s.PromptTokens), nn(s.CompletionTokens), nn(s.SuccessfulRequests)
		t.FailedRequests = nn(s.FailedRequests) // absent in stats.json means none, as the seed reads it
		t.InferenceSeconds, t.E2ESeconds = nf(s.InferenceSeconds), nf(s.E2ESeconds)
	case p.HasBench:
		b := p.Bench
		t.PromptTokens, t.CompletionTokens, t.SuccessfulRequests, t.FailedRequests = nn(b.TotalInputTokens), nn(b.TotalOutputTokens), nn(b.Completed), nn(b.Failed)
		t.InferenceSeconds = nf(b.Duration)
	}
	return t
}

// statusOf decides a run's outcome: lineup's status.json when present;
// else a stats.json or bench result means it completed; else the newest
// failure pattern in the .out files, then in the server log.
func statusOf(p *parsedRun) snapshot.Status {
	if p.StatusJSON != nil {
		var st rundir.Status
		if err := json.Unmarshal(p.StatusJSON, &st); err == nil {
			switch st.State {
			case rundir.StatusOK:
				return snapshot.Status{State: snapshot.StateOK, Detail: st.Detail}
			case rundir.StatusFailed:
				s := snapshot.Status{State: snapshot.StateFailed, Reason: st.Reason, Detail: st.Detail}
				if s.Reason == "" || s.Reason == snapshot.ReasonUnknown {
					if r, ev := logFailure(p); r != "" {
						s.Reason, s.Detail = r, ev
					}
				}
				if s.Reason == "" {
					s.Reason = snapshot.ReasonUnknown
					if s.Detail == "" {
						s.Detail = fmt.Sprintf("exit code %d and no known failure pattern in the logs", st.ExitCode)
					}
				}
				return s
			}
		}
	}
	if p.HasStats || p.HasBench {
		return snapshot.Status{State: snapshot.StateOK}
	}
	if r, ev := logFailure(p); r != "" {
		return snapshot.Status{State: snapshot.StateFailed, Reason: r, Detail: ev}
	}
	return snapshot.Status{State: snapshot.StateIncomplete, Detail: "no stats.json or bench result and no failure pattern in the logs: still running, or stopped without a trace"}
}

// logFailure returns the failure of the newest attempt that shows one,
// else the server log's.
func logFailure(p *parsedRun) (reason, evidence string) {
	outs := append([]outLog(nil), p.Outs...)
	sort.SliceStable(outs, func(i, j int) bool { return newerJob(outs[i].JobID, outs[j].JobID) })
	for _, o := range outs {
		if o.Reason != "" {
			return o.Reason, o.Evidence
		}
	}
	return p.ServerReason, p.ServerEvident
}

func attemptsOf(p *parsedRun, st snapshot.Status) (atts []snapshot.Attempt, newest, outPath string) {
	infRel := p.infRel()
	for _, o := range p.Outs {
		a := snapshot.Attempt{JobID: o.JobID, Path: path.Join(p.Rel, infRel, o.Rel), Reason: o.Reason}
		if a.JobID == "" {
			a.JobID = path.Base(o.Rel)
		}
		switch {
		case o.Reason != "":
			a.State = snapshot.StateFailed
		case st.State == snapshot.StateOK:
			a.State = snapshot.StateOK
		}
		atts = append(atts, a)
		if newest == "" || newerJob(o.JobID, newest) {
			newest, outPath = o.JobID, a.Path
		}
	}
	return atts, newest, outPath
}

// infRel is the inference directory relative to the run directory.
func (p *parsedRun) infRel() string {
	switch {
	case p.Layout == LayoutLineup:
		return rundir.InferenceDir
	case p.InfRel != "":
		return p.InfRel
	}
	return "inference_logs"
}

// deriveMetrics computes the headline throughput by the seed's method
// (stats lines), falling back to the bench result or the token counts, and
// cross-checks the two methods.
func deriveMetrics(p *parsedRun, run *snapshot.Run, gpusPerNode int, warn func(code, field, format string, args ...any)) {
	cfg := run.Config
	thr := p.Throughput
	tokenRate, tokenHow := 0.0, ""
	switch {
	case p.HasStats && p.Stats.InferenceSeconds > 0:
		tokenRate = float64(p.Stats.CompletionTokens) / p.Stats.InferenceSeconds
		tokenHow = fmt.Sprintf("completion_tokens / inference_time = %d / %.1f s", p.Stats.CompletionTokens, p.Stats.InferenceSeconds)
	case p.HasBench && p.Bench.OutputThroughput > 0:
		tokenRate = p.Bench.OutputThroughput
		tokenHow = "the bench result's output_throughput"
	}
	switch {
	case thr.EngineOut.OK:
		gpus := cfg.GPUsPerReplica()
		if thr.Engines > 1 {
			dp := cfg.DataParallel()
			if dp != thr.Engines {
				warn(WarnDPMismatch, "config.dp", "the server log has lines of %d engines but the configuration says dp=%d; per-GPU rates divide by dp=%d", thr.Engines, dp, max(dp, thr.Engines))
				dp = max(dp, thr.Engines)
			}
			gpus *= dp
		}
		run.Metrics.Derive(thr.EngineIn.ptr(), thr.EngineOut.ptr(), gpus, gpusPerNode)
		run.Metrics.Method = "stats_lines"
		if tokenRate > 0 {
			if d := math.Abs(thr.EngineOut.V-tokenRate) / tokenRate; d > MismatchTolerance {
				warn(WarnThroughputMismatch, "metrics.tokens_output_per_sec",
					"stats-line output throughput %.1f tokens/s differs by %.0f%% from the token count's %.1f tokens/s (%s)",
					thr.EngineOut.V, d*100, tokenRate, tokenHow)
			}
		}
	case p.HasBench && p.Bench.OutputThroughput > 0:
		var in *float64
		if p.Bench.Duration > 0 {
			in = snapshot.Ptr(float64(p.Bench.TotalInputTokens) / p.Bench.Duration)
		}
		run.Metrics.Derive(in, snapshot.Ptr(p.Bench.OutputThroughput), cfg.GPUsPerReplica()*cfg.DataParallel(), gpusPerNode)
		run.Metrics.Method = "bench_json"
	case p.HasStats && p.Stats.InferenceSeconds > 0:
		in := float64(p.Stats.PromptTokens) / p.Stats.InferenceSeconds
		run.Metrics.Derive(&in, &tokenRate, cfg.GPUsPerReplica()*cfg.DataParallel(), gpusPerNode)
		run.Metrics.Method = "token_counts"
	}
}

// gate applies the validity checks: the run stays, with warnings the site
// shows.
func gate(p *parsedRun, run *snapshot.Run, warn func(code, field, format string, args ...any)) {
	if p.HasStats && p.Stats.CompletionTokens == 0 {
		warn(WarnZeroCompletionTokens, "totals.completion_tokens", "stats.json counts zero completion tokens")
	}
	if f := run.Totals.FailedRequests; f != nil && *f > 0 {
		warn(WarnFailedRequests, "totals.failed_requests", "%d requests failed", *f)
	}
	thr := p.Throughput
	switch {
	case p.ServerLog == "" && p.Layout != LayoutLineup:
		warn(WarnNoServerLog, "metrics.output_tps_per_gpu", "no server_logs/server_rank_*.log: throughput from %s", methodText(run.Metrics.Method))
	case p.ServerLog == "":
	case p.StatsLines == 0:
		warn(WarnNoStatsLines, "metrics.output_tps_per_gpu", "%s has no periodic stats lines: throughput from %s", p.ServerLog, methodText(run.Metrics.Method))
	case thr.Steady == 0:
		warn(WarnNeverSteady, "metrics.output_tps_per_gpu", "the timeline never reaches steady state (all %d stats lines have prompt throughput > 0): output throughput is the mean of mixed lines", thr.Mixed)
	case thr.Steady < MinSteadyLines:
		warn(WarnFewSteadyLines, "metrics.output_tps_per_gpu", "only %d steady stats lines (fewer than %d)", thr.Steady, MinSteadyLines)
	}
	if thr.UsedSteady && thr.SteadyIdle > 0 && run.Metrics.Method == "stats_lines" {
		warn(WarnIdleSteadyLines, "metrics.output_tps_per_gpu", "%d of the %d steady stats lines show an idle server (generation 0 too); like the seed, they are averaged in and lower the output throughput", thr.SteadyIdle, thr.Steady)
	}
	if n, text := droppedSummary(p.Dropped); n > 0 {
		warn(WarnStatsLinesDropped, "timeline", "%d damaged stats lines dropped (%s)", n, text)
	}
}

func methodText(m string) string {
	switch m {
	case "":
		return "nowhere: no throughput"
	case "token_counts":
		return "the token counts"
	case "bench_json":
		return "the bench result"
	}
	return m
}
