// Package budgettest builds the snapshots the budget tests size jobs from.
// They are built in code, not read from files, so that a change of the
// snapshot contract breaks the build instead of silently aging a fixture.
//
// Where the figures come from (/work/shared/reference/published-results.md):
//
//   - TableA is table A, the "Model Lineup" of the datatrove benchmark README
//     (January 2026; H100 80GB, 8 GPUs per node): one configuration per
//     model, including Kimi-K2 on tp 8 x pp 2, a replica spanning two nodes.
//   - TableB is table B, "Optimization Results" (February 2026; vLLM
//     0.15.0): a baseline and a best configuration per model, so the choice
//     of configuration changes the answer (Qwen3-30B-A3B: tp 1 at 2977
//     tokens/s/GPU against tp 2 at 5310).
//
// Neither table states loading times. TableB's Qwen3-30B-A3B baseline run
// carries the start-up times of a real vLLM 0.9.0.1 log instead
// (/work/shared/reference/vllm-logs/vllm_startup_lines.txt: "Model loading
// took 15.6271 GiB and 119.639792 seconds", "init engine ... took 82.83
// seconds"), so that one model has a measured overhead and the others the
// default; the pairing of that log with that model is made up for the test.
package budgettest

import (
	"fmt"
	"time"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// Source of both tables.
const (
	citation = "huggingface/datatrove, examples/inference/benchmark/README.md"
	url      = "https://github.com/huggingface/datatrove/blob/main/examples/inference/benchmark/README.md"
)

// Startup times of the log cited in the package comment.
const (
	ModelLoadSeconds  = 119.639792
	EngineInitSeconds = 82.83
)

// LineupRow is one row of table A.
type LineupRow struct {
	Model           string
	TP, PP          int
	InputTPSPerGPU  float64
	OutputTPSPerGPU float64
}

// Lineup is table A as published (with the two last output rates to the
// precision the reference gives).
var Lineup = []LineupRow{
	{"google/gemma-3-1b-it", 1, 1, 2565, 16616},
	{"Qwen/Qwen3-1.7B", 1, 1, 2523, 15397},
	{"google/gemma-3-4b-it", 1, 1, 760, 5427},
	{"Qwen/Qwen3-4B-Thinking-2507", 1, 1, 942, 7038},
	{"openai/gpt-oss-20b", 1, 1, 1330, 6962},
	{"nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16", 1, 1, 1253, 5490},
	{"nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-FP8", 1, 1, 3447, 9274},
	{"Qwen/Qwen3-30B-A3B-Thinking-2507", 1, 1, 483, 3612},
	{"Qwen/Qwen3-Next-80B-A3B-Thinking", 4, 1, 136, 1017},
	{"openai/gpt-oss-120b", 2, 1, 518, 2704},
	{"Qwen/Qwen3-235B-A22B-Thinking-2507", 8, 1, 32, 239.25},
	{"moonshotai/Kimi-K2-Instruct", 8, 2, 5, 26.095},
}

// TableA is the "Model Lineup" table as a snapshot.
func TableA() *snapshot.Snapshot {
	s := &snapshot.Snapshot{
		Schema:  snapshot.SchemaV2,
		ID:      "datatrove-lineup-2026-01",
		Title:   "Model Lineup (datatrove README, January 2026)",
		Created: time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC),
		Source:  snapshot.Source{Kind: snapshot.SourcePublication, Citation: citation + ", Model Lineup table", URL: url},
		Tool:    snapshot.Tool{Name: "lineup", Version: "test"},
		Environment: snapshot.Environment{
			GPU: "NVIDIA H100 80GB HBM3", GPUsPerNode: 8,
		},
	}
	for _, row := range Lineup {
		r := snapshot.Run{
			Model:  row.Model,
			Label:  "lineup",
			Config: snapshot.Config{TP: row.TP, PP: row.PP},
			Status: snapshot.Status{State: snapshot.StateOK},
		}
		r.Metrics.DerivePerGPU(snapshot.Ptr(row.InputTPSPerGPU), snapshot.Ptr(row.OutputTPSPerGPU), s.Environment.GPUsPerNode)
		r.Metrics.Method = "published"
		s.Runs = append(s.Runs, r)
	}
	return s
}

// OptimizationRow is one row of table B. BestTP is the best
// configuration's TP (the base TP unless the parameters say tp=N); the
// pointers are the best parameters that differ from the baseline.
type OptimizationRow struct {
	Model               string
	BaseTP              int
	BaseTPS, BestTPS    float64
	BestTP              int
	MaxNumSeqs          int
	MaxNumBatchedTokens int
	GPUMemUtil          float64
	Spec                string
}

// Optimization is table B as published.
var Optimization = []OptimizationRow{
	{"HuggingFaceTB/SmolLM2-135M-Instruct", 1, 28391, 45540, 1, 512, 32768, 0, "ngram_6"},
	{"HuggingFaceTB/SmolLM2-360M-Instruct", 1, 17887, 23996, 1, 512, 0, 0, "ngram_6"},
	{"Qwen/Qwen3-0.6B", 1, 13527, 14069, 1, 512, 0, 0, ""},
	{"google/gemma-3-270m-it", 1, 22996, 23585, 1, 0, 32768, 0, ""},
	{"google/gemma-3-1b-it", 1, 14838, 16762, 1, 4096, 32768, 0, ""},
	{"HuggingFaceTB/SmolLM2-1.7B-Instruct", 1, 5255, 9220, 1, 2048, 32768, 0.95, "suffix_32"},
	{"Qwen/Qwen3-1.7B", 1, 11710, 12313, 1, 0, 32768, 0, ""},
	{"Qwen/Qwen3-4B", 1, 7919, 8086, 1, 0, 32768, 0, ""},
	{"google/gemma-3-4b-it", 1, 8501, 9253, 1, 1024, 32768, 0, ""},
	{"Qwen/Qwen3-8B", 1, 6338, 6443, 1, 0, 0, 0.95, ""},
	{"google/gemma-3-12b-it", 1, 2999, 3046, 1, 0, 0, 0.95, ""},
	{"Qwen/Qwen3-14B", 1, 4414, 4549, 2, 0, 0, 0, ""},
	{"openai/gpt-oss-20b", 1, 12432, 14671, 1, 512, 16384, 0, ""},
	{"google/gemma-3-27b-it", 2, 1724, 1724, 2, 0, 0, 0, ""},
	{"Qwen/Qwen3-30B-A3B-Thinking-2507", 1, 2977, 5310, 2, 512, 32768, 0, ""},
	{"Qwen/Qwen3-32B", 4, 1987, 2078, 4, 512, 16384, 0.95, ""},
	{"Qwen/Qwen3-Next-80B-A3B-Thinking", 4, 2034, 2678, 4, 512, 0, 0, ""},
	{"openai/gpt-oss-120b", 1, 3138, 6117, 2, 1024, 32768, 0, ""},
}

// StartupModel is the model whose baseline run carries measured start-up
// times in TableB.
const StartupModel = "Qwen/Qwen3-30B-A3B-Thinking-2507"

// TableB is the "Optimization Results" table as a snapshot: per model a
// run labelled "baseline" and one labelled "best", in that order.
func TableB() *snapshot.Snapshot {
	s := &snapshot.Snapshot{
		Schema:  snapshot.SchemaV2,
		ID:      "datatrove-optimization-2026-02",
		Title:   "Optimization Results (datatrove README, February 2026)",
		Created: time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC),
		Source:  snapshot.Source{Kind: snapshot.SourcePublication, Citation: citation + ", Optimization Results table", URL: url},
		Tool:    snapshot.Tool{Name: "lineup", Version: "test"},
		Environment: snapshot.Environment{
			VLLMVersion: "0.15.0", GPU: "NVIDIA H100 80GB HBM3", GPUsPerNode: 8, CUDAVersion: "12.8",
			PyTorchVersion: "2.9.1", TransformersVersion: "4.57.6",
		},
	}
	for _, row := range Optimization {
		base := baselineConfig(row.BaseTP)
		best := baselineConfig(row.BestTP)
		if row.MaxNumSeqs > 0 {
			best.MaxNumSeqs = snapshot.Ptr(row.MaxNumSeqs)
		}
		if row.MaxNumBatchedTokens > 0 {
			best.MaxNumBatchedTokens = snapshot.Ptr(row.MaxNumBatchedTokens)
		}
		if row.GPUMemUtil > 0 {
			best.GPUMemoryUtilization = snapshot.Ptr(row.GPUMemUtil)
		}
		if row.Spec != "" {
			best.Spec = snapshot.Ptr(row.Spec)
		}
		for _, c := range []struct {
			label string
			cfg   snapshot.Config
			tps   float64
		}{{"baseline", base, row.BaseTPS}, {"best", best, row.BestTPS}} {
			r := snapshot.Run{
				Model:      row.Model,
				Experiment: "optimization",
				Name:       fmt.Sprintf("%s-%s", shortName(row.Model), c.label),
				Label:      c.label,
				Config:     c.cfg,
				Status:     snapshot.Status{State: snapshot.StateOK},
			}
			r.Metrics.DerivePerGPU(nil, snapshot.Ptr(c.tps), s.Environment.GPUsPerNode)
			r.Metrics.Method = "published"
			if row.Model == StartupModel && c.label == "baseline" {
				r.Startup = &snapshot.Startup{
					ModelLoadSeconds:  snapshot.Ptr(ModelLoadSeconds),
					EngineInitSeconds: snapshot.Ptr(EngineInitSeconds),
				}
			}
			s.Runs = append(s.Runs, r)
		}
	}
	return s
}

// baselineConfig is vLLM's defaults as table B's baseline states them.
func baselineConfig(tp int) snapshot.Config {
	return snapshot.Config{
		TP: tp, PP: 1,
		Spec:                 snapshot.Ptr("none"),
		MaxNumSeqs:           snapshot.Ptr(256),
		MaxNumBatchedTokens:  snapshot.Ptr(8192),
		GPUMemoryUtilization: snapshot.Ptr(0.90),
		BlockSize:            snapshot.Ptr(16),
		KVCacheDtype:         snapshot.Ptr("auto"),
	}
}

func shortName(model string) string {
	for i := len(model) - 1; i >= 0; i-- {
		if model[i] == '/' {
			return model[i+1:]
		}
	}
	return model
}
