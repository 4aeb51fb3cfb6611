// Package published builds snapshots from throughput tables that were
// published rather than measured (content/published/*.yaml). The figures are
// typed in as published; every derived metric is computed with the
// snapshot package's formulas.
package published

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// Table is one published table.
type Table struct {
	ID          string          `yaml:"id"`
	Title       string          `yaml:"title"`
	Created     time.Time       `yaml:"created"`
	Source      snapshot.Source `yaml:"source"`
	Environment environment     `yaml:"environment"`
	Defaults    Settings        `yaml:"defaults"`
	Rows        []Row           `yaml:"rows"`
}

type environment struct {
	VLLMVersion         string `yaml:"vllm_version"`
	GPU                 string `yaml:"gpu"`
	GPUMemoryMiB        int    `yaml:"gpu_memory_mib"`
	GPUsPerNode         int    `yaml:"gpus_per_node"`
	CUDAVersion         string `yaml:"cuda_version"`
	PyTorchVersion      string `yaml:"pytorch_version"`
	TransformersVersion string `yaml:"transformers_version"`
	DriverVersion       string `yaml:"driver_version"`
}

// Settings are the configuration values a publication states, with the
// seed's abbreviations. Nil means not stated.
type Settings struct {
	TP    *int     `yaml:"tp"`
	PP    *int     `yaml:"pp"`
	DP    *int     `yaml:"dp"`
	Spec  *string  `yaml:"spec"`
	MNS   *int     `yaml:"mns"`
	MNBT  *int     `yaml:"mnbt"`
	GMU   *float64 `yaml:"gmu"`
	BS    *int     `yaml:"bs"`
	KVC   *string  `yaml:"kvc"`
	Quant *string  `yaml:"quant"`
}

// Row is one configuration of one model.
type Row struct {
	Model           string `yaml:"model"`
	Label           string `yaml:"label"`
	Settings        `yaml:",inline"`
	InputTPSPerGPU  *float64 `yaml:"input_tps_per_gpu"`
	OutputTPSPerGPU *float64 `yaml:"output_tps_per_gpu"`
	// Published checks, not used to build the snapshot: the table's own
	// derived columns, for tests.
	PublishedGPUsPer1BH *float64 `yaml:"published_gpus_per_1b_h"`
	PublishedSpeedup    *float64 `yaml:"published_speedup"`
	line                int
}

// Line is the line of the row in its file.
func (r Row) Line() int { return r.line }

// Load reads a table file.
func Load(file string) (*Table, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return Parse(file, data)
}

// Parse decodes a table; unknown keys and rows without a model or output
// figure are errors naming the line.
func Parse(name string, data []byte) (*Table, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var t Table
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var doc yaml.Node
	_ = yaml.Unmarshal(data, &doc)
	lines := rowLines(&doc)
	for i := range t.Rows {
		if i < len(lines) {
			t.Rows[i].line = lines[i]
		}
		r := t.Rows[i]
		where := name + ":" + strconv.Itoa(r.line) + ": rows[" + strconv.Itoa(i) + "]"
		switch {
		case r.Model == "":
			return nil, fmt.Errorf("%s.model: missing", where)
		case r.OutputTPSPerGPU == nil || *r.OutputTPSPerGPU <= 0:
			return nil, fmt.Errorf("%s.output_tps_per_gpu: missing or not positive", where)
		case r.TP == nil && t.Defaults.TP == nil:
			return nil, fmt.Errorf("%s.tp: missing", where)
		}
	}
	return &t, nil
}

func rowLines(doc *yaml.Node) []int {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "rows" {
			var out []int
			for _, n := range root.Content[i+1].Content {
				out = append(out, n.Line)
			}
			return out
		}
	}
	return nil
}

// merge returns the row's settings over the table defaults.
func merge(def, row Settings) Settings {
	out := def
	over(&out.TP, row.TP)
	over(&out.PP, row.PP)
	over(&out.DP, row.DP)
	over(&out.Spec, row.Spec)
	over(&out.MNS, row.MNS)
	over(&out.MNBT, row.MNBT)
	over(&out.GMU, row.GMU)
	over(&out.BS, row.BS)
	over(&out.KVC, row.KVC)
	over(&out.Quant, row.Quant)
	return out
}

// over sets *dst to v when the row states v.
func over[T any](dst **T, v *T) {
	if v != nil {
		*dst = v
	}
}

// Snapshot builds the snapshot of a table. tool is recorded as the writer.
func (t *Table) Snapshot(tool snapshot.Tool) (*snapshot.Snapshot, error) {
	env := snapshot.Environment{
		VLLMVersion: t.Environment.VLLMVersion, GPU: t.Environment.GPU, GPUMemoryMiB: t.Environment.GPUMemoryMiB,
		GPUsPerNode: t.Environment.GPUsPerNode, CUDAVersion: t.Environment.CUDAVersion,
		PyTorchVersion: t.Environment.PyTorchVersion, TransformersVersion: t.Environment.TransformersVersion,
		DriverVersion: t.Environment.DriverVersion,
	}
	if env.GPUsPerNode == 0 {
		env.GPUsPerNode = snapshot.DefaultGPUsPerNode
	}
	s := &snapshot.Snapshot{
		Schema:      snapshot.SchemaV2,
		ID:          t.ID,
		Title:       t.Title,
		Created:     t.Created.UTC(),
		Source:      t.Source,
		Tool:        tool,
		Environment: env,
		Runs:        []snapshot.Run{},
	}
	for _, row := range t.Rows {
		set := merge(t.Defaults, row.Settings)
		cfg := snapshot.Config{
			TP: deref(set.TP, 1), PP: deref(set.PP, 1), DP: set.DP, Spec: set.Spec,
			MaxNumSeqs: set.MNS, MaxNumBatchedTokens: set.MNBT, GPUMemoryUtilization: set.GMU,
			BlockSize: set.BS, KVCacheDtype: set.KVC, Quantization: set.Quant,
		}
		run := snapshot.Run{
			Model:  row.Model,
			Label:  row.Label,
			Config: cfg,
			Status: snapshot.Status{State: snapshot.StateOK},
		}
		run.Metrics.DerivePerGPU(row.InputTPSPerGPU, row.OutputTPSPerGPU, env.GPUsPerNode)
		run.Metrics.Method = "published"
		// The whole-run rates follow from the per-GPU ones.
		gpus := float64(cfg.GPUsPerReplica() * cfg.DataParallel())
		if row.InputTPSPerGPU != nil {
			run.Metrics.TokensInputPerSec = snapshot.Ptr(*row.InputTPSPerGPU * gpus)
		}
		run.Metrics.TokensOutputPerSec = snapshot.Ptr(*row.OutputTPSPerGPU * gpus)
		s.Runs = append(s.Runs, run)
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("table %s: %w", t.ID, err)
	}
	return s, nil
}

func deref(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}
