package site_test

// Snapshot pairs for the comparison pages' tests. The format is the
// snapshot contract of collector/snapshot (schema
// collector/snapshot/schema/lineup.snapshot.v2.json); every snapshot is
// checked with snapshottest.CheckValue. Beside the two bundled example
// snapshots (content/snapshots, typed from the datatrove README's tables,
// /work/shared/reference/published-results.md), the pairs are synthetic,
// in the shape of a collected results tree: workload arguments from the
// seed README's sample config (/work/shared/seed/vllm-benchmark-README.md:
// input-dataset-name, prompt-column, max-tokens), GPU and driver strings
// as nvidia-smi prints them (/work/shared/reference/nvidia-smi-output.md).
// They are made to reach every rule of site/diff: repeated runs (exact and
// normal U tests, ties, the smallest possible p), every flag, partial and
// ambiguous joins, environment and workload warnings, per-run hardware,
// and hostile names.

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/collector/snapshot/snapshottest"
	"github.com/lineup-dev/lineup/site/diff"
)

var (
	h100Env  = snapshot.Environment{VLLMVersion: "0.14.1", GPU: "NVIDIA H100 80GB HBM3", GPUMemoryMiB: 81559, GPUsPerNode: 8, DriverVersion: "570.124.06", CUDAVersion: "12.8"}
	seedLoad = map[string]string{"input-dataset-name": "simplescaling/s1K-1.1", "prompt-column": "question", "max-tokens": "1024"}
)

// pairSnapshot builds a cluster snapshot.
func pairSnapshot(tb testing.TB, id string, day int, env snapshot.Environment, runs ...snapshot.Run) *snapshot.Snapshot {
	tb.Helper()
	s := &snapshot.Snapshot{
		Schema: snapshot.SchemaV2, ID: id, Title: "Snapshot " + id,
		Created:     time.Date(2026, 3, day, 9, 30, 0, 0, time.UTC),
		Source:      snapshot.Source{Kind: snapshot.SourceCluster, Root: "data/" + id},
		Tool:        snapshot.Tool{Name: "lineup", Version: "test"},
		Environment: env,
		Runs:        runs,
	}
	snapshottest.CheckValue(tb, s)
	return s
}

// engineCfg is a swept configuration with the seed's workload.
func engineCfg(tp, mns int, extra ...string) snapshot.Config {
	c := snapshot.Config{TP: tp, PP: 1, DP: snapshot.Ptr(1), MaxNumSeqs: snapshot.Ptr(mns), MaxNumBatchedTokens: snapshot.Ptr(8192),
		GPUMemoryUtilization: snapshot.Ptr(0.9), Spec: snapshot.Ptr("none"), Extra: map[string]string{}}
	for k, v := range seedLoad {
		c.Extra[k] = v
	}
	for i := 0; i+1 < len(extra); i += 2 {
		c.Extra[extra[i]] = extra[i+1]
	}
	return c
}

// measured is an OK run with per-GPU rates; in < 0: input not measured.
func measured(model string, c snapshot.Config, out, in float64) snapshot.Run {
	r := snapshot.Run{Model: model, Config: c, Status: snapshot.Status{State: snapshot.StateOK}}
	var inp *float64
	if in >= 0 {
		inp = snapshot.Ptr(in)
	}
	r.Metrics.DerivePerGPU(inp, snapshot.Ptr(out), 8)
	r.Metrics.Method = "stats_lines"
	return r
}

func runsOf(model string, c snapshot.Config, outs ...float64) []snapshot.Run {
	var rs []snapshot.Run
	for i, o := range outs {
		rs = append(rs, measured(model, c, o, o/5+float64(i)))
	}
	return rs
}

func failedRun(model string, c snapshot.Config, reason string) snapshot.Run {
	return snapshot.Run{Model: model, Config: c, Status: snapshot.Status{State: snapshot.StateFailed, Reason: reason}}
}

// spread returns n values around base, all different.
func spread(base float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = base + float64(i%7)*3.5 + float64(i)/10
	}
	return out
}

func cat(runs ...[]snapshot.Run) []snapshot.Run {
	var out []snapshot.Run
	for _, r := range runs {
		out = append(out, r...)
	}
	return out
}

// statsPair exercises the U test and every flag.
func statsPair(tb testing.TB) (*snapshot.Snapshot, *snapshot.Snapshot) {
	const q, g, o, smol, kimi, big, zero = "Qwen/Qwen3-8B", "google/gemma-3-12b-it", "openai/gpt-oss-20b", "HuggingFaceTB/SmolLM2-360M-Instruct", "moonshotai/Kimi-K2-Instruct", "Qwen/Qwen3-235B-A22B-Thinking-2507", "acme/zero"
	newEnv := h100Env
	newEnv.VLLMVersion = "0.15.0"
	c := func(mns int) snapshot.Config { return engineCfg(1, mns, "output-dir", "data/a") }
	cn := func(mns int) snapshot.Config { return engineCfg(1, mns, "output-dir", "data/b") } // output-dir takes no part in the join
	spec := engineCfg(2, 256)
	spec.Spec = snapshot.Ptr("ngram_6")
	spec.SpeculativeConfig = json.RawMessage(`{"method":"ngram","num_speculative_tokens":6,"prompt_lookup_max":4}`)
	old := cat(
		runsOf(q, c(256), 1000, 1010, 990, 1005),                                // 4+4, all faster: exact p = 2/70
		runsOf(q, c(512), 1100, 1090, 1110),                                     // 3+3, slower, not significant
		runsOf(q, c(1024), 2000, 2000, 2010, 1990),                              // ties: normal approximation
		runsOf(q, c(2048), spread(3000, 55)...),                                 // 55 runs: normal approximation
		runsOf(q, c(4096), 900),                                                 // 1 run against 31: smallest p is 1/16
		runsOf(q, spec, 1500, 1510),                                             // speculative config
		runsOf(g, engineCfg(1, 256), 3000),                                      // one run: slower
		runsOf(g, engineCfg(2, 256), 2000),                                      // one run: within noise
		runsOf(o, engineCfg(1, 256), 12000),                                     // now failing
		[]snapshot.Run{failedRun(o, engineCfg(2, 256), snapshot.ReasonTimeout)}, // now fixed
		runsOf(smol, engineCfg(1, 256), 17000),                                  // gone
		[]snapshot.Run{failedRun(big, engineCfg(8, 256), snapshot.ReasonOOM)},   // still failing
		cat(runsOf(zero, engineCfg(1, 256), 0)),                                 // a zero rate
	)
	new := cat(
		runsOf(q, cn(256), 1200, 1190, 1210, 1205),
		runsOf(q, cn(512), 880, 870, 890),
		runsOf(q, cn(1024), 2100, 2100, 2000, 2110),
		runsOf(q, cn(2048), spread(3300, 60)...),
		runsOf(q, cn(4096), spread(1000, 31)...),
		runsOf(q, spec, 1700, 1720, 1690),
		[]snapshot.Run{failedRun(q, spec, snapshot.ReasonOOM)}, // 1 of 4 new runs failed
		runsOf(g, engineCfg(1, 256), 2700),
		runsOf(g, engineCfg(2, 256), 2040),
		[]snapshot.Run{failedRun(o, engineCfg(1, 256), snapshot.ReasonOOM)},
		runsOf(o, engineCfg(2, 256), 13000),
		runsOf(kimi, engineCfg(8, 64), 26),
		[]snapshot.Run{failedRun(big, engineCfg(8, 256), snapshot.ReasonKVCacheTooSmall), failedRun(big, engineCfg(8, 256), snapshot.ReasonKVCacheTooSmall)},
		cat(runsOf(zero, engineCfg(1, 256), 5)),
	)
	return pairSnapshot(tb, "2026-03-stats-old", 1, h100Env, old...), pairSnapshot(tb, "2026-03-stats-new", 8, newEnv, new...)
}

// partialPair joins configs stated partly: one old config matching two
// new ones, two old configs matching one new one, a conflict.
func partialPair(tb testing.TB) (*snapshot.Snapshot, *snapshot.Snapshot) {
	const a, b, c = "acme/A-7B", "acme/B-70B", "acme/C-1B"
	bare := func(tp int) snapshot.Config { return snapshot.Config{TP: tp, PP: 1} }
	withMNS := func(tp, mns int) snapshot.Config {
		cfg := bare(tp)
		cfg.MaxNumSeqs = snapshot.Ptr(mns)
		return cfg
	}
	withBS := func(tp, bs int) snapshot.Config {
		cfg := bare(tp)
		cfg.BlockSize = snapshot.Ptr(bs)
		return cfg
	}
	old := []snapshot.Run{
		measured(a, bare(1), 5000, 800),
		measured(b, withMNS(4, 256), 900, 100), measured(b, withBS(4, 16), 950, 110),
		measured(c, withMNS(1, 128), 20000, -1),
	}
	new := []snapshot.Run{
		measured(a, withMNS(1, 256), 5600, 850), measured(a, withMNS(1, 512), 5100, -1),
		measured(b, bare(4), 1000, 120),
		measured(c, withMNS(1, 256), 21000, -1), // a conflict: no join
	}
	env := snapshot.Environment{GPU: "H100 80GB", GPUsPerNode: 8}
	newEnv := env
	newEnv.VLLMVersion = "0.15.0"
	return pairSnapshot(tb, "2026-03-partial-old", 2, env, old...), pairSnapshot(tb, "2026-03-partial-new", 9, newEnv, new...)
}

// envPair differs in hardware and workload, and one run carries its own
// environment.
func envPair(tb testing.TB) (*snapshot.Snapshot, *snapshot.Snapshot) {
	const m = "google/gemma-3-4b-it"
	oldEnv := h100Env
	newEnv := snapshot.Environment{VLLMVersion: "0.15.0", GPU: "NVIDIA A100-SXM4-80GB", GPUsPerNode: 4, DriverVersion: "560.35.03"}
	c1 := engineCfg(1, 256, "temperature", "0.6")
	c2 := engineCfg(1, 512, "temperature", "0.6")
	n1 := engineCfg(1, 256, "max-tokens", "2048", "seed", "7")
	delete(n1.Extra, "prompt-column")
	n2 := engineCfg(1, 512, "max-tokens", "2048", "seed", "7")
	delete(n2.Extra, "prompt-column")
	r := measured(m, n2, 9000, 1000)
	own := newEnv
	own.GPU = "NVIDIA H200"
	own.GPUMemoryMiB = 143771
	r.Environment = &own
	return pairSnapshot(tb, "2026-03-env-old", 3, oldEnv, measured(m, c1, 8000, 900), measured(m, c2, 8500, 950)),
		pairSnapshot(tb, "2026-03-env-new", 10, newEnv, measured(m, n1, 8800, 990), r)
}

// hostilePair has names and values made to break pages, scripts and
// sorting: markup, "__proto__" keys, characters outside the BMP.
func hostilePair(tb testing.TB) (*snapshot.Snapshot, *snapshot.Snapshot) {
	names := []string{`evil/<script>alert(1)</script>`, `x/" onmouseover="alert(2)`, "a/</script><!--\u2028x", "u/😀-ｚ-\ufffd"}
	cfg := engineCfg(1, 256, "__proto__", "p", "constructor", "c", "😀-key", "1", "ｚ-key", "2", "prompt-template", "<b>{q}</b>")
	var old, new []snapshot.Run
	for i, n := range names {
		old = append(old, measured(n, cfg, 1000+float64(i)*100, 200))
		new = append(new, measured(n, cfg, 1100+float64(i)*90, -1))
	}
	env := h100Env
	env.GPU = "<i>GPU</i>"
	newEnv := env
	newEnv.VLLMVersion = "0.15.0</script>"
	return pairSnapshot(tb, "2026-03-hostile-old", 4, env, old...), pairSnapshot(tb, "2026-03-hostile-new", 11, newEnv, new...)
}

// exampleSnapshots are the two bundled example snapshots.
func exampleSnapshots(tb testing.TB) (*snapshot.Snapshot, *snapshot.Snapshot) {
	tb.Helper()
	a, err := snapshot.ReadFile(filepath.Join("..", "content", "snapshots", "2026-01-datatrove-lineup.json"))
	must(tb, err)
	b, err := snapshot.ReadFile(filepath.Join("..", "content", "snapshots", "2026-02-datatrove-vllm-0.15.0.json"))
	must(tb, err)
	return a, b
}

// compareCases is the table of pairs compare.js must agree on with
// `lineup diff`.
func compareCases(tb testing.TB) []compareCase {
	def := diff.DefaultOptions()
	a, b := exampleSnapshots(tb)
	so, sn := statsPair(tb)
	po, pn := partialPair(tb)
	eo, en := envPair(tb)
	ho, hn := hostilePair(tb)
	empty := pairSnapshot(tb, "2026-03-empty", 5, h100Env, []snapshot.Run{}...)
	return []compareCase{
		{"examples", a, b, def},
		{"examples reversed", b, a, def},
		{"example with itself", a, a, def},
		{"rich after older", olderSnapshot(), richSnapshot(), def},
		{"stats", so, sn, def},
		{"stats reversed", sn, so, def},
		{"stats threshold 20%", so, sn, diff.Options{Threshold: 0.2, Alpha: 0.05}},
		{"stats threshold 0 alpha 1", so, sn, diff.Options{Threshold: 0, Alpha: 1}},
		{"stats alpha 0.2", so, sn, diff.Options{Threshold: 0.05, Alpha: 0.2}},
		{"partial", po, pn, def},
		{"partial reversed", pn, po, def},
		{"environments", eo, en, def},
		{"environments reversed", en, eo, def},
		{"hostile", ho, hn, def},
		{"empty to stats", empty, sn, def},
		{"stats to empty", so, empty, def},
	}
}
