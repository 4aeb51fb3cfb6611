// Package snapshot defines lineup's snapshot format: the versioned JSON
// document that the collector writes and the site reads.
//
// A snapshot is immutable once written. It holds
//
//  1. identity and provenance (ID, Title, Created, Source, Tool),
//  2. the environment the runs were measured in (Environment),
//  3. one Run per run configuration: its normalised Config, its Status, the
//     raw Totals, the derived Metrics and any validity Warnings.
//
// The derived metrics are defined once, in metrics.go; every producer of a
// snapshot computes them with those functions.
//
// The JSON Schema of the format is embedded (SchemaJSON) and kept in
// schema/lineup.snapshot.v2.json; schema/lineup.snapshot.v1.json is the
// earlier version, which Decode still reads.
package snapshot

import (
	"encoding/json"
	"time"
)

// Schema identifiers. Marshal writes SchemaV2; Decode reads both. The only
// difference is the form of a run's timeline (see Timeline).
const (
	SchemaV2 = "lineup.snapshot/v2"
	SchemaV1 = "lineup.snapshot/v1"
)

// Snapshot is one immutable set of measured run configurations.
type Snapshot struct {
	Schema      string      `json:"schema"`
	ID          string      `json:"id"`
	Title       string      `json:"title"`
	Created     time.Time   `json:"created"`
	Source      Source      `json:"source"`
	Tool        Tool        `json:"tool"`
	Environment Environment `json:"environment"`
	Runs        []Run       `json:"runs"`
	// Warnings concern the snapshot as a whole (for example two vLLM
	// versions in one results tree).
	Warnings []Warning `json:"warnings,omitempty"`
}

// Source kinds.
const (
	SourceCluster     = "cluster"     // collected from a results tree
	SourcePublication = "publication" // typed from published figures
)

// Source says where the figures of a snapshot come from.
type Source struct {
	Kind string `json:"kind"`
	// Root is the results root a collect read (SourceCluster).
	Root string `json:"root,omitempty"`
	// Citation and URL name a publication (SourcePublication).
	Citation string `json:"citation,omitempty"`
	URL      string `json:"url,omitempty"`
	Note     string `json:"note,omitempty"`
}

// Tool identifies the program that wrote the snapshot.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Environment describes the hardware and software the runs were measured on.
// Every field but GPUsPerNode is optional: what is unknown stays empty.
type Environment struct {
	VLLMVersion         string `json:"vllm_version,omitempty"`
	GPU                 string `json:"gpu,omitempty"`
	GPUMemoryMiB        int    `json:"gpu_memory_mib,omitempty"`
	GPUsPerNode         int    `json:"gpus_per_node"`
	CUDAVersion         string `json:"cuda_version,omitempty"`
	PyTorchVersion      string `json:"pytorch_version,omitempty"`
	TransformersVersion string `json:"transformers_version,omitempty"`
	DriverVersion       string `json:"driver_version,omitempty"`
}

// DefaultGPUsPerNode is used when a source does not say otherwise.
const DefaultGPUsPerNode = 8

// Config is the normalised configuration of one run. TP and PP are always
// known; the other fields are nil when the source does not state them (the
// published tables omit most settings).
type Config struct {
	TP    int  `json:"tp"`
	PP    int  `json:"pp"`
	DP    *int `json:"dp,omitempty"`
	Nodes *int `json:"nodes,omitempty"`
	// Spec is the speculative decoding label: "none", "ngram_6",
	// "suffix_32", "<draft>_<n>".
	Spec *string `json:"spec,omitempty"`
	// SpeculativeConfig is the canonical JSON given to vLLM, when known.
	SpeculativeConfig    json.RawMessage `json:"speculative_config,omitempty"`
	MaxNumSeqs           *int            `json:"max_num_seqs,omitempty"`
	MaxNumBatchedTokens  *int            `json:"max_num_batched_tokens,omitempty"`
	GPUMemoryUtilization *float64        `json:"gpu_memory_utilization,omitempty"`
	BlockSize            *int            `json:"block_size,omitempty"`
	KVCacheDtype         *string         `json:"kv_cache_dtype,omitempty"`
	Quantization         *string         `json:"quantization,omitempty"`
	MaxModelLen          *int            `json:"max_model_len,omitempty"`
	// Extra holds every other workload argument, as given.
	Extra map[string]string `json:"extra,omitempty"`
}

// GPUsPerReplica is the number of GPUs one model replica (one engine) uses.
func (c Config) GPUsPerReplica() int { return max(c.TP, 1) * max(c.PP, 1) }

// DataParallel returns DP, or 1 when it is not stated.
func (c Config) DataParallel() int {
	if c.DP == nil || *c.DP < 1 {
		return 1
	}
	return *c.DP
}

// Run states.
const (
	StateOK         = "ok"
	StateFailed     = "failed"
	StateIncomplete = "incomplete"
)

// Failure reasons. The first three are the seed's; the rest are lineup's.
const (
	ReasonOOM              = "OOM"
	ReasonTimeout          = "timeout"
	ReasonServerFail       = "server_fail"
	ReasonPreempted        = "preempted"
	ReasonNodeFail         = "node_fail"
	ReasonCancelled        = "cancelled"
	ReasonKVCacheTooSmall  = "kv_cache_too_small"
	ReasonEngineInitFailed = "engine_init_failed"
	ReasonNCCL             = "nccl"
	ReasonUnknown          = "unknown"
)

// Status is the outcome of a run.
type Status struct {
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Totals are raw counts and times as measured, before any derivation.
type Totals struct {
	PromptTokens       *int64   `json:"prompt_tokens,omitempty"`
	CompletionTokens   *int64   `json:"completion_tokens,omitempty"`
	SuccessfulRequests *int64   `json:"successful_requests,omitempty"`
	FailedRequests     *int64   `json:"failed_requests,omitempty"`
	InferenceSeconds   *float64 `json:"inference_seconds,omitempty"`
	E2ESeconds         *float64 `json:"e2e_seconds,omitempty"`
}

// Metrics are the seed's derived metrics plus the engine-level rates they
// come from. Nil means not measurable (for example input throughput that a
// publication did not state).
type Metrics struct {
	// TokensInputPerSec and TokensOutputPerSec are whole-engine rates
	// (all GPUs of the run).
	TokensInputPerSec         *float64 `json:"tokens_input_per_sec,omitempty"`
	TokensOutputPerSec        *float64 `json:"tokens_output_per_sec,omitempty"`
	InputTPSPerGPU            *float64 `json:"input_tps_per_gpu,omitempty"`
	OutputTPSPerGPU           *float64 `json:"output_tps_per_gpu,omitempty"`
	GPUDaysToProcess1BTokens  *float64 `json:"gpu_days_to_process_1b_tokens,omitempty"`
	NodeDaysToProcess1BTokens *float64 `json:"node_days_to_process_1b_tokens,omitempty"`
	GPUsFor1BTokensPerHour    *float64 `json:"gpus_for_1b_tokens_per_hour,omitempty"`
	// Method says how the headline throughput was measured: "stats_lines",
	// "token_counts", "bench_json" or "published".
	Method string `json:"method,omitempty"`
}

// Warning is a validity remark attached to a run or a snapshot.
type Warning struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// TimelinePoint is one periodic stats sample of a run.
type TimelinePoint struct {
	// T is seconds since the first sample.
	T              float64  `json:"t"`
	PromptTPS      float64  `json:"prompt_tps"`
	GenerationTPS  float64  `json:"generation_tps"`
	Running        *int     `json:"running,omitempty"`
	Waiting        *int     `json:"waiting,omitempty"`
	KVCacheUsagePc *float64 `json:"kv_cache_usage_pct,omitempty"`
}

// Startup holds facts printed while vLLM starts.
type Startup struct {
	KVCacheTokens     *int64   `json:"kv_cache_tokens,omitempty"`
	MaxConcurrency    *float64 `json:"max_concurrency,omitempty"`
	ModelLoadSeconds  *float64 `json:"model_load_seconds,omitempty"`
	EngineInitSeconds *float64 `json:"engine_init_seconds,omitempty"`
}

// Attempt is one SLURM job (or local execution) of a run configuration.
type Attempt struct {
	JobID  string `json:"job_id"`
	Path   string `json:"path,omitempty"`
	State  string `json:"state,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// Run is one run configuration of one model and what was measured.
type Run struct {
	// Model is the full Hugging Face id, e.g. "google/gemma-3-1b-it".
	Model      string `json:"model"`
	Experiment string `json:"experiment,omitempty"`
	// Name is the run's name within its experiment.
	Name string `json:"name,omitempty"`
	// Path is the run directory relative to the results root.
	Path    string  `json:"path,omitempty"`
	Config  Config  `json:"config"`
	Status  Status  `json:"status"`
	Totals  Totals  `json:"totals"`
	Metrics Metrics `json:"metrics"`
	// Label is a short human description of the configuration where a
	// publication gives one ("baseline", "best").
	Label       string       `json:"label,omitempty"`
	Warnings    []Warning    `json:"warnings,omitempty"`
	Startup     *Startup     `json:"startup,omitempty"`
	Timeline    Timeline     `json:"timeline,omitzero"`
	Attempts    []Attempt    `json:"attempts,omitempty"`
	Environment *Environment `json:"environment,omitempty"`
}

// OK reports whether the run finished and has an output throughput.
func (r Run) OK() bool { return r.Status.State == StateOK && r.Metrics.OutputTPSPerGPU != nil }

// Ptr returns a pointer to v; it keeps literal optional fields short.
func Ptr[T any](v T) *T { return &v }
