// Package jobscript renders the bash job script of one run from a
// text/template (embedded; a file on disk can replace it). Every value that
// comes from the config reaches bash through Quote, so no value is ever
// parsed as shell code; SLURM directives only carry values that package
// sweep restricted to a safe character set.
//
// The script
//
//  1. records the environment into inference/env.json (hosts, SLURM_*
//     variables, nvidia-smi's GPUs, `vllm --version`);
//  2. runs the workload: the config's script, or the built-in
//     `vllm serve` + `vllm bench serve` pair (with a Ray cluster over the
//     job's nodes when nodes-per-task > 1);
//  3. writes inference/status.json: ok or failed, the exit code, a reason
//     when it can tell (OOM, server_fail), start and end times.
package jobscript

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/lineup-dev/lineup/launcher/rundir"
	"github.com/lineup-dev/lineup/launcher/sweep"
)

//go:embed job.sbatch.tmpl
var defaultTemplate string

// DefaultTemplate returns the embedded template text.
func DefaultTemplate() string { return defaultTemplate }

// Template is a parsed job script template.
type Template struct{ t *template.Template }

// Funcs are the template functions: q quotes one value for bash, qa quotes
// and joins a list.
var funcs = template.FuncMap{
	"q":  Quote,
	"qa": QuoteArgs,
	// oneline makes a value safe inside a comment line.
	"oneline": func(s string) string {
		return strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return '?'
			}
			return r
		}, s)
	},
}

// Parse parses template text; name is used in errors.
func Parse(name, text string) (*Template, error) {
	t, err := template.New(name).Funcs(funcs).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("job script template: %w", err)
	}
	return &Template{t}, nil
}

// Load returns the template in file, or the embedded one when file is "".
func Load(file string) (*Template, error) {
	if file == "" {
		return Parse("job.sbatch.tmpl", defaultTemplate)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("job script template: %w", err)
	}
	return Parse(filepath.Base(file), string(b))
}

// Quote returns s as one bash word: unchanged when it holds only
// characters bash never interprets, otherwise in single quotes with each
// ' written as '\”.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("@%+=:,./_-", c) >= 0) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Data is what the template sees.
type Data struct {
	Run *sweep.Run
	// RunDir is the absolute run directory; WorkDir the directory lineup
	// was started in (the job cds there, so a relative script works).
	RunDir, WorkDir string
	LineupVersion   string
	// Directives are the #SBATCH options, e.g. "--qos=high".
	Directives []string
	// Script is the workload script ("" for the built-in workload) and
	// ScriptArgs its arguments.
	Script     string
	ScriptArgs []string
	// Env are exported before the workload runs.
	Env []EnvVar
	// Built-in workload.
	Model         string
	ServeArgs     []string
	BenchArgs     []string
	HFDataset     *HFDataset
	HealthTimeout int
	MultiNode     bool
	Nodes         int
	GPUsPerNode   int
	// Paths relative to RunDir, from package rundir.
	EnvFile, StatusFile, ServerLog, BenchResult, SlurmLogDir string
}

// EnvVar is one exported variable.
type EnvVar struct{ Name, Value string }

// HFDataset is a Hugging Face dataset the job turns into a local JSONL of
// prompts for `vllm bench serve --dataset-name custom`.
type HFDataset struct{ Name, Split, Column string }

// DefaultHealthTimeout bounds the wait for vllm serve's /health (seconds).
const DefaultHealthTimeout = 1800

// DefaultNumPrompts is the benchmark's number of prompts when unset.
const DefaultNumPrompts = 200

// NewData builds the template data of a run.
func NewData(r *sweep.Run, script, runDir, workDir, outputRoot, version string) *Data {
	d := &Data{
		Run: r, RunDir: runDir, WorkDir: workDir, LineupVersion: version,
		Model: r.Model, Nodes: r.Nodes, GPUsPerNode: r.GPUsPerNodeUsed(), MultiNode: r.Nodes > 1,
		HealthTimeout: DefaultHealthTimeout,
		EnvFile:       rundir.EnvFile, StatusFile: rundir.StatusFile, ServerLog: rundir.ServerLogFile,
		BenchResult: rundir.BenchResult, SlurmLogDir: rundir.SlurmLogDir,
	}
	d.Directives = Directives(r)
	d.Env = []EnvVar{
		{"LINEUP_RUN_DIR", runDir},
		{"LINEUP_INFERENCE_DIR", filepath.Join(runDir, rundir.InferenceDir)},
		{"LINEUP_SERVER_LOG", filepath.Join(runDir, rundir.ServerLogFile)},
		{"LINEUP_EXPERIMENT", r.Experiment},
		{"LINEUP_RUN_NAME", r.Name},
		{"LINEUP_MODEL", r.Model},
		{"LINEUP_TP", strconv.Itoa(r.Config.TP)},
		{"LINEUP_PP", strconv.Itoa(r.Config.PP)},
		{"LINEUP_DP", strconv.Itoa(r.Config.DataParallel())},
		{"LINEUP_NODES", strconv.Itoa(r.Nodes)},
	}
	if script != "" {
		d.Script = script
		keys := make([]string, 0, len(r.Workload))
		for k := range r.Workload {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := r.Workload[k]
			if k == "output-dir" {
				// As the seed: the experiment's directory under output-dir.
				v = filepath.Join(outputRoot, rundir.Segment(r.Experiment))
			}
			d.ScriptArgs = append(d.ScriptArgs, "--"+k, v)
		}
		return d
	}
	c := r.Config
	w := r.Workload
	d.ServeArgs = []string{
		"--tensor-parallel-size", strconv.Itoa(c.TP),
		"--pipeline-parallel-size", strconv.Itoa(c.PP),
		"--data-parallel-size", strconv.Itoa(c.DataParallel()),
		"--max-num-seqs", strconv.Itoa(*c.MaxNumSeqs),
		"--max-num-batched-tokens", strconv.Itoa(*c.MaxNumBatchedTokens),
		"--gpu-memory-utilization", strconv.FormatFloat(*c.GPUMemoryUtilization, 'f', -1, 64),
		"--block-size", strconv.Itoa(*c.BlockSize),
		"--kv-cache-dtype", *c.KVCacheDtype,
	}
	if c.SpeculativeConfig != nil {
		d.ServeArgs = append(d.ServeArgs, "--speculative-config", string(c.SpeculativeConfig))
	}
	if q := *c.Quantization; q != "none" {
		d.ServeArgs = append(d.ServeArgs, "--quantization", q)
	}
	if c.MaxModelLen != nil {
		d.ServeArgs = append(d.ServeArgs, "--max-model-len", strconv.Itoa(*c.MaxModelLen))
	}
	trust := strings.EqualFold(w["trust-remote-code"], "true") || strings.EqualFold(w["trust-remote-code"], "yes")
	if trust {
		d.ServeArgs = append(d.ServeArgs, "--trust-remote-code")
	}
	if d.MultiNode {
		d.ServeArgs = append(d.ServeArgs, "--distributed-executor-backend", "ray")
	}
	if v, ok := w["health-timeout"]; ok {
		d.HealthTimeout, _ = strconv.Atoi(v)
	}
	numPrompts := strconv.Itoa(DefaultNumPrompts)
	if v, ok := w["num-prompts"]; ok {
		numPrompts = v
	}
	d.BenchArgs = []string{"--backend", "vllm", "--model", r.Model, "--endpoint", "/v1/completions", "--num-prompts", numPrompts}
	maxTokens, hasMax := w["max-tokens"]
	switch {
	case w["input-dataset-path"] != "":
		d.BenchArgs = append(d.BenchArgs, "--dataset-name", "custom", "--dataset-path", w["input-dataset-path"])
		if hasMax {
			d.BenchArgs = append(d.BenchArgs, "--custom-output-len", maxTokens)
		}
	case w["input-dataset-name"] != "":
		split := w["input-dataset-split"]
		if split == "" {
			split = "train"
		}
		col := w["prompt-column"]
		if col == "" {
			col = "prompt"
		}
		d.HFDataset = &HFDataset{Name: w["input-dataset-name"], Split: split, Column: col}
		d.BenchArgs = append(d.BenchArgs, "--dataset-name", "custom", "--dataset-path", filepath.Join(runDir, rundir.InferenceDir, "prompts.jsonl"))
		if hasMax {
			d.BenchArgs = append(d.BenchArgs, "--custom-output-len", maxTokens)
		}
	default:
		in := w["random-input-len"]
		if in == "" {
			in = "1024"
		}
		d.BenchArgs = append(d.BenchArgs, "--dataset-name", "random", "--random-input-len", in)
		if hasMax {
			d.BenchArgs = append(d.BenchArgs, "--random-output-len", maxTokens)
		}
	}
	for _, k := range []string{"max-concurrency", "request-rate", "seed"} {
		if v, ok := w[k]; ok {
			d.BenchArgs = append(d.BenchArgs, "--"+k, v)
		}
	}
	if trust {
		d.BenchArgs = append(d.BenchArgs, "--trust-remote-code")
	}
	d.BenchArgs = append(d.BenchArgs, "--save-result", "--result-dir", filepath.Join(runDir, rundir.InferenceDir),
		"--result-filename", filepath.Base(rundir.BenchResult))
	return d
}

// Directives are the #SBATCH options of a run: nodes and GPUs from the
// sweep, then the SLURM keys of the config in a fixed order.
func Directives(r *sweep.Run) []string {
	d := []string{
		"--nodes=" + strconv.Itoa(r.Nodes),
		"--ntasks-per-node=1",
		"--gres=gpu:" + strconv.Itoa(r.GPUsPerNodeUsed()),
	}
	for _, k := range []string{"partition", "qos", "account", "time", "constraint", "reservation", "cpus-per-task", "mem"} {
		if v, ok := r.Slurm[k]; ok {
			d = append(d, "--"+k+"="+v)
		}
	}
	if v := strings.ToLower(r.Slurm["exclusive"]); v == "true" || v == "yes" {
		d = append(d, "--exclusive")
	}
	return d
}

// Render renders the job script of d.
func (t *Template) Render(d *Data) ([]byte, error) {
	var buf bytes.Buffer
	if err := t.t.Execute(&buf, d); err != nil {
		return nil, fmt.Errorf("render job script for %s: %w", d.Run.Name, err)
	}
	return buf.Bytes(), nil
}

// QuoteArgs quotes each argument and joins them with spaces: a command
// line a user can paste into bash.
func QuoteArgs(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = Quote(a)
	}
	return strings.Join(out, " ")
}
