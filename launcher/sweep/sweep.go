// Package sweep expands a parsed sweep file into runs, a pure function:
//
//  1. merge each run's args over fixed_args (a run's key replaces the
//     fixed one, in the fixed key's place);
//  2. take the cartesian product of every list value (a sweep axis), the
//     first axis varying slowest, so the order is the file's order;
//  3. normalise each combination: types and ranges checked, defaults
//     filled, speculative-config made canonical, SLURM keys split off;
//  4. derive each run's name and run directory and check that both are
//     unique and that the GPUs fit the nodes.
//
// Every error names the file, line and column, and the field.
package sweep

import (
	"fmt"
	"math"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/launcher/config"
	"github.com/lineup-dev/lineup/launcher/rundir"
)

// Defaults used when a sweep does not set a value; they are the baseline
// of the seed's two-tier sweep (vLLM's own defaults), and they are always
// passed to vLLM so the recorded config is the one that ran.
const (
	DefaultMaxNumSeqs           = 256
	DefaultMaxNumBatchedTokens  = 8192
	DefaultGPUMemoryUtilization = 0.9
	DefaultBlockSize            = 16
	DefaultKVCacheDtype         = "auto"
	DefaultGPUsPerNode          = snapshot.DefaultGPUsPerNode
	DefaultOutputDir            = "data"
)

// SlurmKeys are consumed by the launcher and become #SBATCH directives.
var SlurmKeys = []string{"qos", "time", "partition", "account", "constraint", "reservation",
	"gpus-per-node", "cpus-per-task", "mem", "exclusive", "nodes-per-task"}

// BuiltinKeys are the workload arguments the built-in vLLM workload
// understands; without a script, any other key is an error.
var BuiltinKeys = []string{
	"model-name-or-path", "tp", "pp", "dp", "speculative-config",
	"max-num-seqs", "max-num-batched-tokens", "gpu-memory-utilization", "block-size",
	"kv-cache-dtype", "quantization", "model-max-context", "trust-remote-code",
	"max-tokens", "num-prompts", "max-concurrency", "request-rate", "seed",
	"input-dataset-name", "input-dataset-split", "prompt-column", "input-dataset-path",
	"random-input-len", "health-timeout", "output-dir",
}

// Run is one fully resolved run configuration.
type Run struct {
	// Experiment is the name of the runs entry it came from.
	Experiment string
	// Name is unique in the sweep: the experiment plus every value that
	// differs from the defaults.
	Name string
	// Model is the full model id or path.
	Model  string
	Config snapshot.Config
	// Workload holds every workload argument (all keys but SLURM's), as
	// written in the config (speculative-config in canonical JSON).
	Workload map[string]string
	// Slurm holds the SLURM keys given for this run.
	Slurm map[string]string
	// OutputDir is the output-dir argument, as given.
	OutputDir string
	// Rel is the run directory relative to OutputDir.
	Rel         string
	GPUs        int
	Nodes       int
	GPUsPerNode int
	// Pos is the position of the runs entry.
	Pos config.Pos
}

// GPUsPerNodeUsed is the number of GPUs the job asks for on each node.
func (r *Run) GPUsPerNodeUsed() int { return (r.GPUs + r.Nodes - 1) / r.Nodes }

// Sweep is an expanded sweep file.
type Sweep struct {
	Path              string
	Script            string
	ContinueOnFailure bool
	Runs              []Run
}

// value is one argument value with where it came from.
type value struct {
	key string
	config.Value
}

// axis is one argument of a merged run: one or more values.
type axis struct {
	key    string
	pos    config.Pos
	values []config.Value
}

// Expand turns a parsed file into its runs.
func Expand(f *config.File) (*Sweep, error) {
	s := &Sweep{Path: f.Path, Script: f.Script, ContinueOnFailure: f.ContinueOnFailure}
	names := map[string]*Run{}
	dirs := map[string]*Run{}
	for ri, rs := range f.Runs {
		axes := merge(f.FixedArgs, rs.Args)
		combos := 1
		for _, a := range axes {
			combos *= len(a.values)
			if combos > 10_000_000 {
				return nil, f.Errorf(rs.Pos, fmt.Sprintf("%s[%d]", f.RunsKey, ri), "more than 10,000,000 runs; split the sweep")
			}
		}
		swept := map[string]bool{}
		for _, a := range axes {
			if len(a.values) > 1 {
				swept[a.key] = true
			}
		}
		idx := make([]int, len(axes))
		for range combos {
			vals := make([]value, len(axes))
			for i, a := range axes {
				vals[i] = value{key: a.key, Value: a.values[idx[i]]}
			}
			r, err := build(f, rs, vals, swept)
			if err != nil {
				return nil, err
			}
			s.Runs = append(s.Runs, r)
			// Advance the odometer, last axis fastest.
			for i := len(idx) - 1; i >= 0; i-- {
				idx[i]++
				if idx[i] < len(axes[i].values) {
					break
				}
				idx[i] = 0
			}
		}
	}
	for i := range s.Runs {
		r := &s.Runs[i]
		key := path.Join(r.OutputDir, r.Rel)
		if prev, dup := dirs[key]; dup {
			return nil, f.Errorf(r.Pos, "", "runs %q and %q would share the run directory %s; runs that differ only in SLURM settings are the same run", prev.Name, r.Name, key)
		}
		dirs[key] = r
		if prev, dup := names[r.Name]; dup {
			return nil, f.Errorf(r.Pos, "name", "two runs are named %q (the other from the entry at line %d); give the entries different names or vary a value", r.Name, prev.Pos.Line)
		}
		names[r.Name] = r
	}
	return s, nil
}

// merge lays a run's args over the fixed ones.
func merge(fixed, args config.Args) []axis {
	var out []axis
	at := map[string]int{}
	for _, list := range []config.Args{fixed, args} {
		for _, a := range list {
			x := axis{key: a.Key, pos: a.Pos, values: a.Values}
			if i, ok := at[a.Key]; ok {
				out[i] = x
				continue
			}
			at[a.Key] = len(out)
			out = append(out, x)
		}
	}
	return out
}

var (
	slurmSet   = setOf(SlurmKeys)
	builtinSet = setOf(BuiltinKeys)
	// coreSet are the keys with a field of their own in snapshot.Config
	// (and a place in the run directory); the others go to Config.Extra.
	coreSet = setOf([]string{"model-name-or-path", "tp", "pp", "dp", "speculative-config", "max-num-seqs",
		"max-num-batched-tokens", "gpu-memory-utilization", "block-size", "kv-cache-dtype", "quantization",
		"model-max-context", "output-dir"})
	// SLURM values land in #SBATCH lines, which sbatch does not parse as
	// shell: keep them to characters that need no quoting anywhere.
	slurmValue = regexp.MustCompile(`^[A-Za-z0-9._:,=+@%/-]+$`)
	timeValue  = regexp.MustCompile(`^[0-9]+(-[0-9]+)?(:[0-9]+){0,2}$|^[0-9]+-[0-9]+$`)
	memValue   = regexp.MustCompile(`^[0-9]+[KMGT]?$`)
	dtypeValue = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
)

func setOf(keys []string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

func build(f *config.File, rs config.Run, vals []value, swept map[string]bool) (Run, error) {
	r := Run{
		Experiment: rs.Name,
		Workload:   map[string]string{},
		Slurm:      map[string]string{},
		OutputDir:  DefaultOutputDir,
		Pos:        rs.Pos,
	}
	bad := func(v value, format string, args ...any) error {
		return f.Errorf(v.Pos, v.key, format, args...)
	}
	c := snapshot.Config{TP: 1, PP: 1}
	dp := 1
	nodesPerTask := 0
	r.GPUsPerNode = DefaultGPUsPerNode
	spec := Spec{Label: "none"}
	mns, mnbt, bs := DefaultMaxNumSeqs, DefaultMaxNumBatchedTokens, DefaultBlockSize
	gmu := DefaultGPUMemoryUtilization
	kvc, quant := DefaultKVCacheDtype, "none"
	var extraKeys []string
	for _, v := range vals {
		if v.Mapping && v.key != "speculative-config" {
			return r, bad(v, "a mapping is only allowed for speculative-config")
		}
		if strings.ContainsFunc(v.Text, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return r, bad(v, "control characters (a newline, a tab...) are not allowed in a value")
		}
		if !v.Null && !v.Mapping && strings.TrimSpace(v.Text) != v.Text {
			return r, bad(v, "leading or trailing spaces in %q", v.Text)
		}
		intVal := func(lo, hi int) (int, error) {
			n, err := strconv.Atoi(v.Text)
			if err != nil || n < lo || n > hi {
				return 0, bad(v, "must be an integer from %d to %d, not %q", lo, hi, v.Text)
			}
			return n, nil
		}
		var err error
		switch v.key {
		case "model-name-or-path":
			if v.Null || v.Text == "" {
				return r, bad(v, "missing model")
			}
			r.Model = v.Text
		case "tp":
			c.TP, err = intVal(1, 1024)
		case "pp":
			c.PP, err = intVal(1, 1024)
		case "dp":
			dp, err = intVal(1, 1024)
		case "nodes-per-task":
			nodesPerTask, err = intVal(1, 4096)
		case "gpus-per-node":
			r.GPUsPerNode, err = intVal(1, 1024)
		case "cpus-per-task":
			_, err = intVal(1, 4096)
		case "max-num-seqs":
			mns, err = intVal(1, 1<<24)
		case "max-num-batched-tokens":
			mnbt, err = intVal(1, 1<<30)
		case "block-size":
			bs, err = intVal(1, 1<<16)
		case "model-max-context":
			var n int
			n, err = intVal(1, 1<<30)
			c.MaxModelLen = &n
		case "max-tokens", "num-prompts", "max-concurrency", "random-input-len", "health-timeout":
			_, err = intVal(1, 1<<30)
		case "seed":
			_, err = intVal(0, math.MaxInt32)
		case "gpu-memory-utilization":
			g, perr := strconv.ParseFloat(v.Text, 64)
			if perr != nil || !(g > 0 && g <= 1) {
				return r, bad(v, "must be a fraction in (0, 1], not %q", v.Text)
			}
			gmu = g
		case "request-rate":
			if v.Text != "inf" {
				g, perr := strconv.ParseFloat(v.Text, 64)
				if perr != nil || !(g > 0) || math.IsInf(g, 0) {
					return r, bad(v, "must be a positive number of requests per second or inf, not %q", v.Text)
				}
			}
		case "kv-cache-dtype":
			if !dtypeValue.MatchString(v.Text) {
				return r, bad(v, "%q is not a dtype name (letters, digits, '.', '_', '-')", v.Text)
			}
			kvc = v.Text
		case "quantization":
			switch {
			case v.Null || strings.EqualFold(v.Text, "none") || v.Text == "":
				quant = "none"
			case !dtypeValue.MatchString(v.Text):
				return r, bad(v, "%q is not a quantization name (letters, digits, '.', '_', '-')", v.Text)
			default:
				quant = v.Text
			}
		case "speculative-config":
			spec, err = ParseSpec(v.Text, v.Null)
			if err != nil {
				return r, bad(v, "%v", err)
			}
		case "exclusive", "trust-remote-code":
			switch strings.ToLower(v.Text) {
			case "true", "false", "yes", "no":
			default:
				return r, bad(v, "must be true or false, not %q", v.Text)
			}
		case "time":
			if !timeValue.MatchString(v.Text) {
				return r, bad(v, "%q is not a SLURM time (MM, MM:SS, HH:MM:SS, D-HH[:MM[:SS]])", v.Text)
			}
		case "mem":
			if !memValue.MatchString(v.Text) {
				return r, bad(v, "%q is not a SLURM memory size (a number with an optional K, M, G or T)", v.Text)
			}
		case "output-dir":
			if v.Null || v.Text == "" {
				return r, bad(v, "must be a directory")
			}
			if swept[v.key] {
				return r, bad(v, "cannot be a sweep axis")
			}
			r.OutputDir = v.Text
		default:
			if slurmSet[v.key] {
				if !slurmValue.MatchString(v.Text) {
					return r, bad(v, "%q: SLURM values may hold only letters, digits and ._:,=+@%%/-", v.Text)
				}
				break
			}
			if f.Script == "" && !builtinSet[v.key] {
				return r, bad(v, "not an argument of the built-in vLLM workload (known: %s); set `script` to pass other arguments to a script", strings.Join(BuiltinKeys, ", "))
			}
		}
		if err != nil {
			return r, err
		}
		if !slurmSet[v.key] && !coreSet[v.key] {
			if swept[v.key] {
				extraKeys = append(extraKeys, v.key)
			}
			c.Extra = addExtra(c.Extra, v)
		}
		switch {
		case slurmSet[v.key]:
			if !v.Null {
				r.Slurm[v.key] = v.Text
			}
		case v.key == "speculative-config" && !spec.None():
			r.Workload[v.key] = string(spec.JSON)
		case v.Null:
			// An explicit null means "not set": it is not passed on.
		default:
			r.Workload[v.key] = v.Text
		}
	}
	if r.Model == "" {
		return r, f.Errorf(rs.Pos, "model-name-or-path", "run %q has no model (set model-name-or-path in fixed_args or its args)", rs.Name)
	}
	if swept["nodes-per-task"] {
		extraKeys = append(extraKeys, "nodes-per-task")
	}
	c.DP = &dp
	c.Spec = &spec.Label
	c.SpeculativeConfig = spec.JSON
	c.MaxNumSeqs, c.MaxNumBatchedTokens, c.BlockSize = &mns, &mnbt, &bs
	c.GPUMemoryUtilization = &gmu
	c.KVCacheDtype, c.Quantization = &kvc, &quant
	r.Config = c

	// GPUs and nodes.
	r.GPUs = c.TP * c.PP * dp
	if nodesPerTask > 0 {
		r.Nodes = nodesPerTask
		if r.GPUs > r.Nodes*r.GPUsPerNode {
			return r, f.Errorf(rs.Pos, "nodes-per-task", "run %q (model %s) needs tp x pp x dp = %d x %d x %d = %d GPUs but nodes-per-task x gpus-per-node = %d x %d = %d",
				rs.Name, r.Model, c.TP, c.PP, dp, r.GPUs, r.Nodes, r.GPUsPerNode, r.Nodes*r.GPUsPerNode)
		}
	} else {
		r.Nodes = (r.GPUs + r.GPUsPerNode - 1) / r.GPUsPerNode
	}
	r.Config.Nodes = &r.Nodes

	// Name and directory.
	r.Name = name(rs.Name, r, swept, extraKeys)
	segs := []string{rundir.Segment(rs.Name), rundir.ModelDir(r.Model), rundir.ParallelDir(c.TP, c.PP, dp), rundir.SpecDir(c), rundir.LeafDir(c)}
	if len(extraKeys) > 0 {
		sort.Strings(extraKeys)
		var parts []string
		for _, k := range extraKeys {
			v := r.Workload[k]
			if k == "nodes-per-task" {
				v = strconv.Itoa(r.Nodes)
			}
			parts = append(parts, k+"_"+v)
		}
		segs = append(segs, rundir.Segment(strings.Join(parts, "-")))
	}
	r.Rel = path.Join(segs...)
	return r, nil
}

func addExtra(m map[string]string, v value) map[string]string {
	if v.Null {
		return m
	}
	if m == nil {
		m = map[string]string{}
	}
	m[v.key] = v.Text
	return m
}

// name derives a run's name: the experiment, the model's short name when
// the experiment sweeps models, then every value that differs from the
// defaults, e.g. "Qwen3-4B_tp2_mns512_spec-ngram_6".
func name(exp string, r Run, swept map[string]bool, extraKeys []string) string {
	c := r.Config
	parts := []string{exp}
	if swept["model-name-or-path"] {
		parts = append(parts, path.Base(strings.TrimRight(r.Model, "/")))
	}
	if c.TP != 1 {
		parts = append(parts, "tp"+strconv.Itoa(c.TP))
	}
	if c.PP != 1 {
		parts = append(parts, "pp"+strconv.Itoa(c.PP))
	}
	if d := c.DataParallel(); d != 1 {
		parts = append(parts, "dp"+strconv.Itoa(d))
	}
	if *c.MaxNumSeqs != DefaultMaxNumSeqs {
		parts = append(parts, "mns"+strconv.Itoa(*c.MaxNumSeqs))
	}
	if *c.MaxNumBatchedTokens != DefaultMaxNumBatchedTokens {
		parts = append(parts, "mnbt"+strconv.Itoa(*c.MaxNumBatchedTokens))
	}
	if *c.GPUMemoryUtilization != DefaultGPUMemoryUtilization {
		parts = append(parts, "gmu"+rundir.GMU(*c.GPUMemoryUtilization))
	}
	if *c.BlockSize != DefaultBlockSize {
		parts = append(parts, "bs"+strconv.Itoa(*c.BlockSize))
	}
	if *c.KVCacheDtype != DefaultKVCacheDtype {
		parts = append(parts, "kvc-"+*c.KVCacheDtype)
	}
	if *c.Spec != "none" {
		parts = append(parts, "spec-"+*c.Spec)
	}
	if *c.Quantization != "none" {
		parts = append(parts, "quant-"+*c.Quantization)
	}
	for _, k := range extraKeys {
		v := r.Workload[k]
		if k == "nodes-per-task" {
			v = strconv.Itoa(r.Nodes)
		}
		parts = append(parts, k+"-"+v)
	}
	return strings.Join(parts, "_")
}
