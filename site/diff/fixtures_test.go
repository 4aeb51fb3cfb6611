package diff

import (
	"testing"
	"time"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/collector/snapshot/snapshottest"
)

// Builders for the test snapshots. Every snapshot a test builds goes
// through snapshottest.CheckValue. See testdata/README.md for where the
// figures come from.

// cfgOpt sets one optional setting of a config.
type cfgOpt func(*snapshot.Config)

func mns(v int) cfgOpt  { return func(c *snapshot.Config) { c.MaxNumSeqs = snapshot.Ptr(v) } }
func mnbt(v int) cfgOpt { return func(c *snapshot.Config) { c.MaxNumBatchedTokens = snapshot.Ptr(v) } }
func gmu(v float64) cfgOpt {
	return func(c *snapshot.Config) { c.GPUMemoryUtilization = snapshot.Ptr(v) }
}
func spec(v string) cfgOpt { return func(c *snapshot.Config) { c.Spec = snapshot.Ptr(v) } }
func extra(k, v string) cfgOpt {
	return func(c *snapshot.Config) {
		if c.Extra == nil {
			c.Extra = map[string]string{}
		}
		c.Extra[k] = v
	}
}

func cfg(tp, pp int, opts ...cfgOpt) snapshot.Config {
	c := snapshot.Config{TP: tp, PP: pp}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// baseline is table B's baseline: vLLM defaults.
func baseline(tp int, changes ...cfgOpt) snapshot.Config {
	opts := append([]cfgOpt{mns(256), mnbt(8192), gmu(0.90),
		func(c *snapshot.Config) {
			c.BlockSize = snapshot.Ptr(16)
			c.KVCacheDtype = snapshot.Ptr("auto")
			c.Quantization = snapshot.Ptr("none")
		}, spec("none")}, changes...)
	return cfg(tp, 1, opts...)
}

// ok is a measured run with per-GPU rates; in < 0 means input not stated.
func ok(model string, c snapshot.Config, out, in float64) snapshot.Run {
	r := snapshot.Run{Model: model, Config: c, Status: snapshot.Status{State: snapshot.StateOK}}
	var inp *float64
	if in >= 0 {
		inp = snapshot.Ptr(in)
	}
	r.Metrics.DerivePerGPU(inp, snapshot.Ptr(out), snapshot.DefaultGPUsPerNode)
	r.Metrics.Method = "bench_json"
	return r
}

func failed(model string, c snapshot.Config, reason string) snapshot.Run {
	return snapshot.Run{Model: model, Config: c, Status: snapshot.Status{State: snapshot.StateFailed, Reason: reason}}
}

// samples is n OK runs of one config, one per output rate.
func samples(model string, c snapshot.Config, outs ...float64) []snapshot.Run {
	var rs []snapshot.Run
	for _, o := range outs {
		rs = append(rs, ok(model, c, o, -1))
	}
	return rs
}

func snap(tb testing.TB, id string, day time.Time, env snapshot.Environment, runs ...snapshot.Run) *snapshot.Snapshot {
	tb.Helper()
	if env.GPUsPerNode == 0 {
		env.GPUsPerNode = snapshot.DefaultGPUsPerNode
	}
	s := &snapshot.Snapshot{
		Schema:      snapshot.SchemaV2,
		ID:          id,
		Title:       id,
		Created:     day,
		Source:      snapshot.Source{Kind: snapshot.SourceCluster, Root: "data"},
		Tool:        snapshot.Tool{Name: "lineup", Version: "test"},
		Environment: env,
		Runs:        append([]snapshot.Run{}, runs...),
	}
	snapshottest.CheckValue(tb, s)
	return s
}

func day(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }

// Published example: the seven models tables A and B of
// /work/shared/reference/published-results.md share, plus one model only
// A has (gone) and one only B has (new).
const (
	sourceURL = "https://github.com/huggingface/datatrove/blob/main/examples/inference/benchmark/README.md"
)

func publishedA(tb testing.TB) *snapshot.Snapshot {
	rows := []struct {
		model   string
		tp, pp  int
		in, out float64
	}{
		{"google/gemma-3-1b-it", 1, 1, 2565, 16616},
		{"Qwen/Qwen3-1.7B", 1, 1, 2523, 15397},
		{"google/gemma-3-4b-it", 1, 1, 760, 5427},
		{"openai/gpt-oss-20b", 1, 1, 1330, 6962},
		{"Qwen/Qwen3-30B-A3B-Thinking-2507", 1, 1, 483, 3612},
		{"Qwen/Qwen3-Next-80B-A3B-Thinking", 4, 1, 136, 1017},
		{"openai/gpt-oss-120b", 2, 1, 518, 2704},
		{"moonshotai/Kimi-K2-Instruct", 8, 2, 5, 26.095},
	}
	var runs []snapshot.Run
	for _, r := range rows {
		run := ok(r.model, cfg(r.tp, r.pp), r.out, r.in)
		run.Metrics.Method = "published"
		runs = append(runs, run)
	}
	s := snap(tb, "2026-01-model-lineup", day(1, 31), snapshot.Environment{GPU: "H100 80GB"}, runs...)
	s.Title = "Model Lineup (January 2026)"
	s.Source = snapshot.Source{Kind: snapshot.SourcePublication, Citation: "datatrove inference benchmark README, table \"Model Lineup\"", URL: sourceURL}
	snapshottest.CheckValue(tb, s)
	return s
}

func publishedB(tb testing.TB) *snapshot.Snapshot {
	rows := []struct {
		model         string
		baseTP        int
		base, bestTPS float64
		bestTP        int
		best          []cfgOpt
	}{
		{"HuggingFaceTB/SmolLM2-135M-Instruct", 1, 28391, 45540, 1, []cfgOpt{mns(512), mnbt(32768), spec("ngram_6")}},
		{"google/gemma-3-1b-it", 1, 14838, 16762, 1, []cfgOpt{mns(4096), mnbt(32768)}},
		{"Qwen/Qwen3-1.7B", 1, 11710, 12313, 1, []cfgOpt{mnbt(32768)}},
		{"google/gemma-3-4b-it", 1, 8501, 9253, 1, []cfgOpt{mns(1024), mnbt(32768)}},
		{"openai/gpt-oss-20b", 1, 12432, 14671, 1, []cfgOpt{mns(512), mnbt(16384)}},
		{"Qwen/Qwen3-30B-A3B-Thinking-2507", 1, 2977, 5310, 2, []cfgOpt{mns(512), mnbt(32768)}},
		{"Qwen/Qwen3-Next-80B-A3B-Thinking", 4, 2034, 2678, 4, []cfgOpt{mns(512)}},
		{"openai/gpt-oss-120b", 1, 3138, 6117, 2, []cfgOpt{mns(1024), mnbt(32768)}},
	}
	var runs []snapshot.Run
	for _, r := range rows {
		b := ok(r.model, baseline(r.baseTP), r.base, -1)
		b.Label, b.Metrics.Method = "baseline", "published"
		best := ok(r.model, baseline(r.bestTP, r.best...), r.bestTPS, -1)
		best.Label, best.Metrics.Method = "best", "published"
		runs = append(runs, b, best)
	}
	env := snapshot.Environment{GPU: "H100 80GB", VLLMVersion: "0.15.0", PyTorchVersion: "2.9.1", TransformersVersion: "4.57.6", CUDAVersion: "12.8"}
	s := snap(tb, "2026-02-vllm-0.15.0", day(2, 28), env, runs...)
	s.Title = "Optimization Results (February 2026, vLLM 0.15.0)"
	s.Source = snapshot.Source{Kind: snapshot.SourcePublication, Citation: "datatrove inference benchmark README, table \"Optimization Results\"", URL: sourceURL}
	snapshottest.CheckValue(tb, s)
	return s
}

// Cluster example: synthetic repeated runs, failures and environment
// changes, built to exercise every flag.
var (
	workload = []cfgOpt{extra("input-dataset-name", "simplescaling/s1K-1.1"), extra("prompt-column", "question"), extra("max-tokens", "1024")}
	oldEnv   = snapshot.Environment{VLLMVersion: "0.14.1", GPU: "NVIDIA H100 80GB HBM3", GPUMemoryMiB: 81559, GPUsPerNode: 8, DriverVersion: "550.54.15", CUDAVersion: "12.8"}
	newEnv   = snapshot.Environment{VLLMVersion: "0.15.0", GPU: "NVIDIA H100 80GB HBM3", GPUMemoryMiB: 81559, GPUsPerNode: 8, DriverVersion: "560.35.03", CUDAVersion: "12.8"}
)

func wl(opts ...cfgOpt) []cfgOpt { return append(append([]cfgOpt{}, workload...), opts...) }

func clusterPair(tb testing.TB) (*snapshot.Snapshot, *snapshot.Snapshot) {
	const (
		qwen  = "Qwen/Qwen3-8B"
		gemma = "google/gemma-3-12b-it"
		oss   = "openai/gpt-oss-20b"
		smol  = "HuggingFaceTB/SmolLM2-360M-Instruct"
		kimi  = "moonshotai/Kimi-K2-Instruct"
		big   = "Qwen/Qwen3-235B-A22B-Thinking-2507"
	)
	c1 := cfg(1, 1, wl(mns(256), extra("output-dir", "data"))...)
	c1new := cfg(1, 1, wl(mns(256), extra("output-dir", "results"))...) // output-dir takes no part in the join
	c2 := cfg(1, 1, wl(mns(512))...)
	g1 := cfg(1, 1, wl()...)
	g2 := cfg(2, 1, wl()...)
	o1 := cfg(1, 1, wl(spec("none"))...)
	o2 := cfg(2, 1, wl(spec("ngram_6"))...)
	var old, new []snapshot.Run
	// Four runs each, every new one faster: significant (p=2/70).
	old = append(old, samples(qwen, c1, 1000, 1010, 990, 1005)...)
	new = append(new, samples(qwen, c1new, 1200, 1190, 1210, 1205)...)
	// Three runs each, 20% slower: not significant (p=2/20 at best).
	old = append(old, samples(qwen, c2, 1100, 1090, 1110)...)
	new = append(new, samples(qwen, c2, 880, 870, 890)...)
	// One run each: slower, and within noise.
	old = append(old, ok(gemma, g1, 3000, 400), ok(gemma, g2, 2000, 300))
	new = append(new, ok(gemma, g1, 2700, 380), ok(gemma, g2, 2040, 310))
	// Now failing, now fixed.
	old = append(old, ok(oss, o1, 12000, 2000), failed(oss, o2, snapshot.ReasonTimeout))
	new = append(new, failed(oss, o1, snapshot.ReasonOOM), ok(oss, o2, 13000, 2100))
	// Gone, new, still failing.
	old = append(old, ok(smol, cfg(1, 1, wl()...), 17000, 3000))
	new = append(new, ok(kimi, cfg(8, 2, wl()...), 26, 5))
	old = append(old, failed(big, cfg(8, 1, wl()...), snapshot.ReasonOOM))
	new = append(new, failed(big, cfg(8, 1, wl()...), snapshot.ReasonKVCacheTooSmall), failed(big, cfg(8, 1, wl()...), snapshot.ReasonKVCacheTooSmall))
	return snap(tb, "2026-03-cluster-vllm-0.14.1", day(3, 1), oldEnv, old...),
		snap(tb, "2026-03-cluster-vllm-0.15.0", day(3, 8), newEnv, new...)
}
