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

// csvRow is r's row of csvColumns, every cell through the formula guard.
// row is reused for the result.
func csvRow(row []string, s *snapshot.Snapshot, r *snapshot.Run) []string {
	c, m := &r.Config, &r.Metrics
	where := r.Path
	if s.Source.Kind == snapshot.SourceCluster && s.Source.Root != "" && where != "" {
		where = path.Join(s.Source.Root, where)
	}
	codes := ""
	for k, w := range r.Warnings {
		if k > 0 {
			codes += ";"
		}
		codes += w.Code
	}
	env := runEnvironment(s, r)
	memMiB := ""
	if env.GPUMemoryMiB > 0 {
		memMiB = strconv.Itoa(env.GPUMemoryMiB)
	}
	row = append(row[:0], snapshot.SeedCSVCells(r, where)...)
	row = append(row,
		r.Experiment, r.Name, r.Status.State, r.Status.Reason, m.Method,
		intText(c.MaxNumSeqs), intText(c.MaxNumBatchedTokens), floatText(c.GPUMemoryUtilization), intText(c.BlockSize),
		strText(c.KVCacheDtype), strText(c.Quantization), env.VLLMVersion, env.GPU,
		strconv.Itoa(len(r.Attempts)), codes,
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
	writeRunsCSV(&buf, s, runs, nil)
	return buf.Bytes()
}

// writeRunsCSV appends the header and the rows of runs to buf, and to ends
// the offset in buf where the header ends and where each row ends: the
// rows of one encoding then make a model's CSV and each run's own.
func writeRunsCSV(buf *bytes.Buffer, s *snapshot.Snapshot, runs []*snapshot.Run, ends []int) []int {
	w := csv.NewWriter(buf)
	w.Write(csvColumns())
	w.Flush() // a bytes.Buffer does not fail
	ends = append(ends, buf.Len())
	var row []string
	for _, r := range runs {
		row = csvRow(row, s, r)
		w.Write(row)
		w.Flush()
		ends = append(ends, buf.Len())
	}
	return ends
}

// timelineColumns is the header of a timeline CSV.
var timelineColumns = []string{"t_seconds", "prompt_tps", "generation_tps", "running", "waiting", "kv_cache_usage_pct"}

// appendTimelineCSV appends the timeline CSV (a run's stats lines) of
// tl to dst. Every cell is a number, which encoding/csv writes as it
// is (no quotes, no guard), so the cells are appended straight from
// strconv, with no string each.
func appendTimelineCSV(dst []byte, tl snapshot.Timeline) []byte {
	dst = append(dst, strings.Join(timelineColumns, ",")...)
	dst = append(dst, '\n')
	for i, t := range tl.T {
		dst = strconv.AppendFloat(dst, t, 'f', -1, 64)
		dst = append(dst, ',')
		dst = strconv.AppendFloat(dst, tl.PromptTPS[i], 'f', -1, 64)
		dst = append(dst, ',')
		dst = strconv.AppendFloat(dst, tl.GenerationTPS[i], 'f', -1, 64)
		dst = append(dst, ',')
		if tl.Running != nil && tl.Running[i] >= 0 {
			dst = strconv.AppendInt(dst, int64(tl.Running[i]), 10)
		}
		dst = append(dst, ',')
		if tl.Waiting != nil && tl.Waiting[i] >= 0 {
			dst = strconv.AppendInt(dst, int64(tl.Waiting[i]), 10)
		}
		dst = append(dst, ',')
		if tl.KVCacheUsagePct != nil && tl.KVCacheUsagePct[i] >= 0 {
			dst = strconv.AppendFloat(dst, tl.KVCacheUsagePct[i], 'f', -1, 64)
		}
		dst = append(dst, '\n')
	}
	return dst
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
