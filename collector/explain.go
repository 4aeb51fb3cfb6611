package collector

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/lineup-dev/lineup/collector/logparse"
	"github.com/lineup-dev/lineup/collector/snapshot"
)

// Explanation shows how one run's numbers were derived.
type Explanation struct {
	Dir      string          `json:"dir"`
	Layout   Layout          `json:"layout"`
	Files    []ExplainedFile `json:"files"`
	Lines    []LineVerdict   `json:"lines"`
	Mixed    int             `json:"mixed"`
	Steady   int             `json:"steady"`
	Dropped  int             `json:"dropped"`
	Failure  *FailureMatch   `json:"failure,omitempty"`
	Formulas []Formula       `json:"formulas"`
	Run      snapshot.Run    `json:"run"`
}

// ExplainedFile is one file the collector read for the run.
type ExplainedFile struct {
	Path string `json:"path"`
	Role string `json:"role"`
	Size int64  `json:"size"`
}

// LineVerdict says how one stats line of the server log was counted.
type LineVerdict struct {
	LineNo        int     `json:"line"`
	Verdict       string  `json:"verdict"` // mixed, steady, dropped
	Engine        int     `json:"engine"`
	PromptTPS     float64 `json:"prompt_tps,omitempty"`
	GenerationTPS float64 `json:"generation_tps,omitempty"`
	Why           string  `json:"why"`
}

// FailureMatch is the failure pattern that decided a run's status.
type FailureMatch struct {
	Reason   string `json:"reason"`
	Evidence string `json:"evidence"`
	File     string `json:"file"`
}

// Formula is one derived metric with its numbers filled in.
type Formula struct {
	Metric  string  `json:"metric"`
	Formula string  `json:"formula"`
	Value   float64 `json:"value"`
}

// Explain collects the single run under dir (a lineup run directory, a
// datatrove run directory, or its inference directory) and explains it.
func Explain(ctx context.Context, dir string, opt Options) (*Explanation, error) {
	if opt.GPUsPerNode < 1 {
		opt.GPUsPerNode = snapshot.DefaultGPUsPerNode
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	dirs, skipped, err := discoverWith(ctx, abs, filepath.ToSlash(abs))
	if err != nil {
		return nil, err
	}
	switch {
	case len(dirs) == 0 && len(skipped) > 0:
		return nil, fmt.Errorf("%s: no run here: %s: %s", dir, skipped[0].Path, skipped[0].Reason)
	case len(dirs) == 0:
		return nil, fmt.Errorf("%s: no run here (no run.json, inference_logs/ or logs/inference/)", dir)
	case len(dirs) > 1:
		var names []string
		for _, d := range dirs {
			names = append(names, path.Join(dir, d.Rel))
		}
		return nil, fmt.Errorf("%s holds %d runs; explain one of: %s", dir, len(dirs), strings.Join(names, ", "))
	}
	d := &dirs[0]
	p := parseRun(d, nil)
	rec := assemble(p, opt.Resolver, opt.GPUsPerNode)
	e := &Explanation{Dir: dir, Layout: p.Layout, Run: rec.Run, Lines: []LineVerdict{}}
	for _, f := range d.Files {
		e.Files = append(e.Files, ExplainedFile{Path: path.Join(filepath.ToSlash(d.Dir), d.InfRel, f.Rel), Role: fileRole(f.Rel), Size: f.Size})
	}
	if p.ServerLog != "" {
		if f := d.file(p.ServerLog); f != nil {
			if err := e.verdicts(f.Path); err != nil {
				return nil, err
			}
		}
	}
	if st := rec.Run.Status; st.State == snapshot.StateFailed {
		e.Failure = &FailureMatch{Reason: st.Reason, Evidence: st.Detail, File: failureFile(p)}
	}
	e.Formulas = formulas(p, rec.Run, opt.GPUsPerNode)
	return e, nil
}

func fileRole(rel string) string {
	switch {
	case rel == "../run.json":
		return "run manifest (configuration, model id)"
	case rel == "stats.json":
		return "datatrove stats (token totals, inference time)"
	case rel == "bench_result.json":
		return "vllm bench serve result"
	case rel == "status.json":
		return "job status"
	case rel == "env.json":
		return "environment (GPU, driver, vLLM version)"
	case strings.HasPrefix(rel, "slurm_logs/"):
		return "SLURM output (one attempt; searched for failures)"
	case strings.HasPrefix(rel, "server_logs/"):
		return "vLLM server log (stats lines, startup facts)"
	}
	return ""
}

func failureFile(p *parsedRun) string {
	for _, o := range p.Outs {
		if o.Reason != "" {
			return o.Rel
		}
	}
	if p.ServerReason != "" {
		return p.ServerLog
	}
	return "status.json"
}

func (e *Explanation) verdicts(file string) error {
	fh, err := os.Open(file)
	if err != nil {
		return err
	}
	defer fh.Close()
	sl, err := logparse.ParseServerLog(fh)
	if err != nil && sl == nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	var all []LineVerdict
	for _, s := range sl.Stats {
		v := LineVerdict{LineNo: s.LineNo, Engine: s.Engine, PromptTPS: s.PromptTPS, GenerationTPS: s.GenerationTPS}
		if s.PromptTPS > 0 {
			v.Verdict, v.Why = "mixed", "prompt throughput > 0: its prompt rate counts towards input TPS; its generation rate only if no line is steady"
			e.Mixed++
		} else {
			v.Verdict, v.Why = "steady", "prompt throughput 0: pure generation, counts towards output TPS"
			e.Steady++
		}
		all = append(all, v)
	}
	for _, d := range sl.Dropped {
		all = append(all, LineVerdict{LineNo: d.LineNo, Verdict: "dropped", Why: d.Reason + ": " + d.Text})
		e.Dropped++
	}
	// Lines in file order.
	for i := 1; i < len(all); i++ {
		for j := i; j > 0 && all[j].LineNo < all[j-1].LineNo; j-- {
			all[j], all[j-1] = all[j-1], all[j]
		}
	}
	e.Lines = all
	return nil
}

func formulas(p *parsedRun, run snapshot.Run, gpusPerNode int) []Formula {
	m := run.Metrics
	var out []Formula
	add := func(metric string, v *float64, format string, args ...any) {
		if v != nil {
			out = append(out, Formula{Metric: metric, Formula: fmt.Sprintf(format, args...), Value: *v})
		}
	}
	thr := p.Throughput
	switch m.Method {
	case "stats_lines":
		add("tokens_input_per_sec", m.TokensInputPerSec, "mean prompt throughput of the %d mixed lines (prompt > 0)", thr.Mixed)
		if thr.UsedSteady {
			add("tokens_output_per_sec", m.TokensOutputPerSec, "mean generation throughput of the %d steady lines (prompt = 0)", thr.Steady)
		} else {
			add("tokens_output_per_sec", m.TokensOutputPerSec, "mean generation throughput of the %d mixed lines (no steady line)", thr.Mixed)
		}
		if thr.Engines > 1 {
			out = append(out, Formula{Metric: "engines", Formula: "data-parallel engine lines summed per interval", Value: float64(thr.Engines)})
		}
	case "token_counts":
		add("tokens_input_per_sec", m.TokensInputPerSec, "prompt_tokens / inference_time = %d / %.3f s", p.Stats.PromptTokens, p.Stats.InferenceSeconds)
		add("tokens_output_per_sec", m.TokensOutputPerSec, "completion_tokens / inference_time = %d / %.3f s", p.Stats.CompletionTokens, p.Stats.InferenceSeconds)
	case "bench_json":
		add("tokens_input_per_sec", m.TokensInputPerSec, "total_input_tokens / duration = %d / %.3f s", p.Bench.TotalInputTokens, p.Bench.Duration)
		add("tokens_output_per_sec", m.TokensOutputPerSec, "the bench result's output_throughput")
	}
	gpus := run.Config.GPUsPerReplica()
	gpuText := fmt.Sprintf("(tp %d x pp %d)", run.Config.TP, run.Config.PP)
	if m.TokensOutputPerSec != nil && m.OutputTPSPerGPU != nil && *m.OutputTPSPerGPU > 0 {
		if g := int(*m.TokensOutputPerSec / *m.OutputTPSPerGPU + 0.5); g != gpus && gpus > 0 {
			gpuText = fmt.Sprintf("(tp %d x pp %d x dp %d)", run.Config.TP, run.Config.PP, g/gpus)
			gpus = g
		}
	}
	if m.TokensInputPerSec != nil {
		add("input_tps_per_gpu", m.InputTPSPerGPU, "%.2f / %s = %.2f / %d", *m.TokensInputPerSec, gpuText, *m.TokensInputPerSec, gpus)
	}
	if m.TokensOutputPerSec != nil {
		add("output_tps_per_gpu", m.OutputTPSPerGPU, "%.2f / %s = %.2f / %d", *m.TokensOutputPerSec, gpuText, *m.TokensOutputPerSec, gpus)
	}
	if o := m.OutputTPSPerGPU; o != nil {
		add("gpu_days_to_process_1b_tokens", m.GPUDaysToProcess1BTokens, "1e9 / %.2f / 86400", *o)
		add("node_days_to_process_1b_tokens", m.NodeDaysToProcess1BTokens, "1e9 / %.2f / 86400 / %d GPUs per node", *o, gpusPerNode)
		add("gpus_for_1b_tokens_per_hour", m.GPUsFor1BTokensPerHour, "1e9 / (%.2f x 3600)", *o)
	}
	return out
}

// WriteText renders e for a terminal.
func (e *Explanation) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	r := e.Run
	ew.printf("run %s (%s layout)\n", e.Dir, e.Layout)
	ew.printf("  model %s  tp=%d pp=%d", r.Model, r.Config.TP, r.Config.PP)
	if r.Config.DP != nil {
		ew.printf(" dp=%d", *r.Config.DP)
	}
	if r.Config.Spec != nil {
		ew.printf(" spec=%s", *r.Config.Spec)
	}
	ew.printf("\n  status %s", r.Status.State)
	if r.Status.Reason != "" {
		ew.printf(" (%s)", r.Status.Reason)
	}
	ew.printf("\n\nfiles read:\n")
	for _, f := range e.Files {
		ew.printf("  %s  %d bytes  %s\n", f.Path, f.Size, f.Role)
	}
	ew.printf("\nstats lines: %d mixed, %d steady, %d dropped\n", e.Mixed, e.Steady, e.Dropped)
	for _, l := range e.Lines {
		if l.Verdict == "dropped" {
			ew.printf("  line %6d  dropped  %s\n", l.LineNo, l.Why)
			continue
		}
		ew.printf("  line %6d  %-7s engine %d  prompt %10.1f  generation %10.1f\n", l.LineNo, l.Verdict, l.Engine, l.PromptTPS, l.GenerationTPS)
	}
	if e.Failure != nil {
		ew.printf("\nfailure: %s, matched in %s: %s\n", e.Failure.Reason, e.Failure.File, e.Failure.Evidence)
	}
	if len(e.Formulas) > 0 {
		ew.printf("\nmetrics (method %s):\n", r.Metrics.Method)
		for _, f := range e.Formulas {
			ew.printf("  %-32s = %s = %.4f\n", f.Metric, f.Formula, f.Value)
		}
	}
	if len(r.Warnings) > 0 {
		ew.printf("\nwarnings:\n")
		for _, w := range r.Warnings {
			field := ""
			if w.Field != "" {
				field = " [" + w.Field + "]"
			}
			ew.printf("  %s%s: %s\n", w.Code, field, w.Message)
		}
	}
	return ew.err
}

// WriteJSON renders e as indented JSON.
func (e *Explanation) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(e)
}

type errWriter struct {
	w   io.Writer
	err error
}

func (ew *errWriter) printf(format string, args ...any) {
	if ew.err == nil {
		_, ew.err = fmt.Fprintf(ew.w, format, args...)
	}
}
