package site

import (
	"bytes"
	"encoding/csv"
	"path"
	"strconv"
	"strings"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// extraColumns follow: the collector's extras first (collector.ExtraColumns),
// then what a site reader needs to reproduce a run: the rest of the
// configuration and the whole environment.
var extraColumns = []string{
	"experiment", "name", "status", "reason", "method", "max_num_seqs", "max_num_batched_tokens",
	"gpu_memory_utilization", "block_size", "kv_cache_dtype", "quantization", "vllm_version", "gpu",
	"attempts", "warnings",
	"label", "nodes", "speculative_config", "max_model_len", "extra_args", "status_detail",
	"gpu_memory_mib", "gpus_per_node", "cuda_version", "pytorch_version", "transformers_version", "driver_version",
	"snapshot",
}

// csvColumns is the header of every run CSV the site writes: the seed
// analyzer's columns in its order (snapshot.SeedCSVColumns, as the
// collector writes them), so a site download opens in the same scripts as
// a collect's CSV, then extraColumns.
func csvColumns() []string { return append(snapshot.SeedCSVColumns(), extraColumns...) }

// runEnvironment is the environment a run was measured in: its own when
// the collector recorded one, else the snapshot's.
func runEnvironment(s *snapshot.Snapshot, r *snapshot.Run) snapshot.Environment {
	if r.Environment != nil {
		e := *r.Environment
		if e.GPUsPerNode < 1 {
			e.GPUsPerNode = s.Environment.GPUsPerNode
		}
		return e
	}
	return s.Environment
}

func csvRow(s *snapshot.Snapshot, r *snapshot.Run) []string {
	c, m := &r.Config, &r.Metrics
	where := r.Path
	if s.Source.Kind == snapshot.SourceCluster && s.Source.Root != "" && where != "" {
		where = path.Join(s.Source.Root, where)
	}
	codes := make([]string, len(r.Warnings))
	for k, w := range r.Warnings {
		codes[k] = w.Code
	}
	env := runEnvironment(s, r)
	memMiB := ""
	if env.GPUMemoryMiB > 0 {
		memMiB = strconv.Itoa(env.GPUMemoryMiB)
	}
	row := append(snapshot.SeedCSVCells(r, where),
		r.Experiment, r.Name, r.Status.State, r.Status.Reason, m.Method,
		intText(c.MaxNumSeqs), intText(c.MaxNumBatchedTokens), floatText(c.GPUMemoryUtilization), intText(c.BlockSize),
		strText(c.KVCacheDtype), strText(c.Quantization), env.VLLMVersion, env.GPU,
		strconv.Itoa(len(r.Attempts)), strings.Join(codes, ";"),
		r.Label, intText(c.Nodes), string(c.SpeculativeConfig), intText(c.MaxModelLen), extraText(c.Extra), r.Status.Detail,
		memMiB, strconv.Itoa(env.GPUsPerNode), env.CUDAVersion, env.PyTorchVersion, env.TransformersVersion, env.DriverVersion,
		s.ID,
	)
	for k, v := range row {
		row[k] = snapshot.SafeCSVCell(v)
	}
	return row
}

// runsCSV encodes runs of s with csvColumns.
func runsCSV(s *snapshot.Snapshot, runs []*snapshot.Run) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(csvColumns())
	for _, r := range runs {
		w.Write(csvRow(s, r))
	}
	w.Flush() // a bytes.Buffer does not fail
	return buf.Bytes()
}

// timelineColumns is the header of a timeline CSV.
var timelineColumns = []string{"t_seconds", "prompt_tps", "generation_tps", "running", "waiting", "kv_cache_usage_pct"}

// timelineCSV encodes a run's stats-line timeline.
func timelineCSV(points []snapshot.TimelinePoint) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(timelineColumns)
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, p := range points {
		w.Write([]string{num(p.T), num(p.PromptTPS), num(p.GenerationTPS), intText(p.Running), intText(p.Waiting), floatText(p.KVCacheUsagePc)})
	}
	w.Flush()
	return buf.Bytes()
}

func intText(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func strText(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func floatText(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

// extraText renders the extra workload arguments as "k=v" pairs in key
// order.
func extraText(m map[string]string) string {
	keys := sortedKeys(m)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, " ")
}
