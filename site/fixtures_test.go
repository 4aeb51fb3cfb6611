package site_test

// Test snapshots. Their format is the snapshot contract of
// collector/snapshot (schema collector/snapshot/schema/lineup.snapshot.v2.json);
// every one is checked with snapshottest before a test uses it. The rich
// snapshot carries what the collector fills in for collected runs and the
// example snapshots lack: timelines (vLLM V1 "Engine 000: Avg prompt
// throughput: ... Avg generation throughput: ..." stats lines, as in
// /work/shared/reference/vllm-logs/vllm_throughput_lines.txt), validity
// warnings (codes of collector/assemble.go), start-up facts, attempts and
// per-run environments (nvidia-smi driver, /work/shared/reference/nvidia-smi-output.md).

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/collector/snapshot/snapshottest"
)

// stats builds a timeline from (prompt, generation) tokens/s pairs, one
// every 10 s as vLLM V1 logs them.
func stats(pairs ...[2]float64) snapshot.Timeline {
	out := make([]snapshot.TimelinePoint, len(pairs))
	for i, p := range pairs {
		out[i] = snapshot.TimelinePoint{T: float64(10 * i), PromptTPS: p[0], GenerationTPS: p[1],
			Running: snapshot.Ptr(200 + i), Waiting: snapshot.Ptr(0), KVCacheUsagePc: snapshot.Ptr(40.5 + float64(i))}
	}
	return snapshot.TimelineOf(out...)
}

// seedRates applies the seed's headline method to a timeline: input is the
// mean prompt throughput of the mixed lines (prompt > 0), output the mean
// generation throughput of the steady lines (prompt == 0).
func seedRates(tl snapshot.Timeline) (in, out *float64) {
	var inSum, outSum float64
	var mixed, steady int
	for i, prompt := range tl.PromptTPS {
		if prompt > 0 {
			inSum += prompt
			mixed++
		} else {
			outSum += tl.GenerationTPS[i]
			steady++
		}
	}
	if mixed > 0 {
		in = snapshot.Ptr(inSum / float64(mixed))
	}
	if steady > 0 {
		out = snapshot.Ptr(outSum / float64(steady))
	}
	return in, out
}

func okRun(model string, c snapshot.Config, tl snapshot.Timeline, gpusPerNode int) snapshot.Run {
	r := snapshot.Run{Model: model, Config: c, Status: snapshot.Status{State: snapshot.StateOK}, Timeline: tl}
	in, out := seedRates(tl)
	r.Metrics.Derive(in, out, c.GPUsPerReplica()*c.DataParallel(), gpusPerNode)
	r.Metrics.Method = "stats_lines"
	return r
}

// richSnapshot exercises every part of a model page.
func richSnapshot() *snapshot.Snapshot {
	env := snapshot.Environment{VLLMVersion: "0.15.0", GPU: "NVIDIA H100 80GB HBM3", GPUMemoryMiB: 81559, GPUsPerNode: 8,
		CUDAVersion: "12.8", DriverVersion: "570.124.06"}
	s := &snapshot.Snapshot{
		Schema: snapshot.SchemaV2, ID: "2026-03-01-test", Title: "Golden test snapshot",
		Created:     time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		Source:      snapshot.Source{Kind: snapshot.SourceCluster, Root: "data/bench"},
		Tool:        snapshot.Tool{Name: "lineup", Version: "test"},
		Environment: env,
		Warnings:    []snapshot.Warning{{Code: "mixed_vllm_versions", Field: "environment.vllm_version", Message: "runs report vLLM 0.15.0 (4) and 0.14.1 (1)"}},
	}
	dp1 := snapshot.Ptr(1)
	base := func(tp int, spec string) snapshot.Config {
		return snapshot.Config{TP: tp, PP: 1, DP: dp1, Spec: snapshot.Ptr(spec), MaxNumSeqs: snapshot.Ptr(256),
			MaxNumBatchedTokens: snapshot.Ptr(8192), GPUMemoryUtilization: snapshot.Ptr(0.9), BlockSize: snapshot.Ptr(16),
			KVCacheDtype: snapshot.Ptr("auto"), Quantization: snapshot.Ptr("none")}
	}
	gemma := "google/gemma-3-1b-it"
	r1 := okRun(gemma, base(1, "none"), stats([2]float64{2600, 9000}, [2]float64{2500, 12000}, [2]float64{0, 16500}, [2]float64{0, 16700}, [2]float64{0, 16650}, [2]float64{0, 0}), 8)
	r1.Path, r1.Experiment, r1.Name = "gemma/tp1-pp1-dp1/spec_none", "sweep", "gemma-tp1"
	r1.Totals = snapshot.Totals{PromptTokens: snapshot.Ptr[int64](1_200_000), CompletionTokens: snapshot.Ptr[int64](9_800_000),
		SuccessfulRequests: snapshot.Ptr[int64](10000), FailedRequests: snapshot.Ptr[int64](0), InferenceSeconds: snapshot.Ptr(612.5)}
	r1.Startup = &snapshot.Startup{KVCacheTokens: snapshot.Ptr[int64](1_843_200), MaxConcurrency: snapshot.Ptr(900.0),
		ModelLoadSeconds: snapshot.Ptr(12.4), EngineInitSeconds: snapshot.Ptr(48.9)}
	r1.Attempts = []snapshot.Attempt{{JobID: "21899807", Path: "gemma/tp1-pp1-dp1/spec_none/inference_logs/slurm_logs/21899807_0.out", State: snapshot.StateOK}}
	r1.Environment = &env
	c2 := base(1, "ngram_6")
	c2.SpeculativeConfig = json.RawMessage(`{"method":"ngram","num_speculative_tokens":6,"prompt_lookup_max":4}`)
	r2 := okRun(gemma, c2, stats([2]float64{2400, 8000}, [2]float64{0, 17900}, [2]float64{0, 18100}), 8)
	r2.Path = "gemma/tp1-pp1-dp1/spec_ngram_6"
	r2.Warnings = []snapshot.Warning{{Code: "few_steady_lines", Field: "metrics.output_tps_per_gpu", Message: "only 2 steady stats lines (fewer than 3)"}}
	r3 := snapshot.Run{Model: gemma, Config: base(2, "none"), Path: "gemma/tp2-pp1-dp1/spec_none",
		Status: snapshot.Status{State: snapshot.StateFailed, Reason: snapshot.ReasonOOM, Detail: "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB"}}

	gptoss := "openai/gpt-oss-120b"
	r4 := okRun(gptoss, base(2, "none"), stats([2]float64{1100, 4000}, [2]float64{0, 5400}, [2]float64{0, 5416}, [2]float64{0, 5400}), 8)
	r4.Totals.FailedRequests = snapshot.Ptr[int64](3)
	r4.Warnings = []snapshot.Warning{{Code: "failed_requests", Field: "totals.failed_requests", Message: "3 requests failed"}}
	r5 := snapshot.Run{Model: gptoss, Config: base(4, "none"), Status: snapshot.Status{State: snapshot.StateIncomplete, Detail: "no stats.json or bench result and no failure pattern in the logs"}}

	mystery := okRun("acme/Mystery-80B-A3B", base(4, "none"), stats([2]float64{300, 900}, [2]float64{0, 4100}, [2]float64{0, 4000}, [2]float64{0, 4050}), 8)
	unknown := snapshot.Run{Model: "acme/unknown", Config: base(8, "none"), Status: snapshot.Status{State: snapshot.StateFailed, Reason: snapshot.ReasonTimeout, Detail: "DUE TO TIME LIMIT"}}
	s.Runs = []snapshot.Run{r1, r2, r3, r4, r5, mystery, unknown}
	return s
}

// olderSnapshot is a second, older snapshot: it renders under snapshots/<id>/.
func olderSnapshot() *snapshot.Snapshot {
	s := &snapshot.Snapshot{
		Schema: snapshot.SchemaV2, ID: "2026-01-15-older", Title: "An older snapshot",
		Created:     time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC),
		Source:      snapshot.Source{Kind: snapshot.SourcePublication, Citation: "a test publication"},
		Tool:        snapshot.Tool{Name: "lineup", Version: "test"},
		Environment: snapshot.Environment{GPU: "H100 80GB", GPUsPerNode: 8},
	}
	r := snapshot.Run{Model: "google/gemma-3-1b-it", Config: snapshot.Config{TP: 1, PP: 1}, Status: snapshot.Status{State: snapshot.StateOK}}
	r.Metrics.DerivePerGPU(snapshot.Ptr(2565.0), snapshot.Ptr(16616.0), 8)
	r.Metrics.Method = "published"
	s.Runs = []snapshot.Run{r}
	return s
}

// syntheticSnapshot has models x configs configurations, each with a short
// timeline, for the size budget and the benchmark.
func syntheticSnapshot(models, configs int) *snapshot.Snapshot {
	s := &snapshot.Snapshot{
		Schema: snapshot.SchemaV2, ID: "2026-04-01-synthetic", Title: "Synthetic snapshot",
		Created:     time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
		Source:      snapshot.Source{Kind: snapshot.SourceCluster, Root: "data"},
		Tool:        snapshot.Tool{Name: "lineup", Version: "test"},
		Environment: snapshot.Environment{VLLMVersion: "0.15.0", GPU: "NVIDIA H100 80GB HBM3", GPUsPerNode: 8},
	}
	specs := []string{"none", "ngram_4", "ngram_6", "suffix_32"}
	for m := range models {
		model := fmt.Sprintf("org%d/Model-%d-%dB-A%dB", m%17, m, 10+m%400, 1+m%9)
		for c := range configs {
			tp := 1 << (c % 4)
			cfg := snapshot.Config{TP: tp, PP: 1 + c/32%2, DP: snapshot.Ptr(1), Spec: snapshot.Ptr(specs[c/4%4]),
				MaxNumSeqs: snapshot.Ptr(128 << (c / 16 % 2)), MaxNumBatchedTokens: snapshot.Ptr(8192), BlockSize: snapshot.Ptr(16)}
			if c%11 == 10 {
				s.Runs = append(s.Runs, snapshot.Run{Model: model, Config: cfg,
					Status: snapshot.Status{State: snapshot.StateFailed, Reason: snapshot.ReasonOOM}})
				continue
			}
			g := float64(1000 + (m*37+c*101)%9000)
			r := okRun(model, cfg, stats([2]float64{g / 5, g / 2}, [2]float64{0, g}, [2]float64{0, g * 1.01}, [2]float64{0, g * 0.99}), 8)
			if c%7 == 3 {
				r.Warnings = []snapshot.Warning{{Code: "few_steady_lines", Field: "metrics.output_tps_per_gpu", Message: "only 2 steady stats lines"}}
			}
			s.Runs = append(s.Runs, r)
		}
	}
	return s
}

// contentDir writes a content directory with the test catalog, the given
// snapshots (checked against the schema) and a methodology page.
func contentDir(tb testing.TB, snaps ...*snapshot.Snapshot) string {
	tb.Helper()
	dir := tb.TempDir()
	data, err := os.ReadFile("testdata/content/models.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	must(tb, os.WriteFile(filepath.Join(dir, "models.yaml"), data, 0o644))
	md, err := os.ReadFile("testdata/content/methodology.md")
	if err != nil {
		tb.Fatal(err)
	}
	must(tb, os.WriteFile(filepath.Join(dir, "methodology.md"), md, 0o644))
	must(tb, os.MkdirAll(filepath.Join(dir, "snapshots"), 0o755))
	for _, s := range snaps {
		snapshottest.CheckValue(tb, s)
		must(tb, snapshot.WriteFile(filepath.Join(dir, "snapshots", s.ID+".json"), s, true))
	}
	return dir
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}
