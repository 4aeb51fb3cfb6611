// Package logparsetest writes synthetic vLLM server logs in the real V1
// format, for tests and benchmarks of the collector.
//
// The start-up lines follow the complete 0.9.0.1 sequence and the stats
// lines the "(APIServer pid=N) INFO MM-DD HH:MM:SS [loggers.py:257] Engine
// 000: ..." lines of /work/shared/reference/vllm-logs/ (vllm_startup_lines.txt
// "OpenShift AI / KServe", vllm_throughput_lines.txt §C); only the numbers are
// made up.
package logparsetest

import (
	"bufio"
	"fmt"
	"io"
	"time"
)

// Log describes a synthetic server log.
type Log struct {
	Version string // vLLM version, e.g. "0.15.1"
	Model   string // e.g. "google/gemma-3-1b-it"
	TP, DP  int    // tensor- and data-parallel sizes (0 means 1)
	// Lines is the number of stats lines per engine.
	Lines int
	// Mixed is how many of them (per engine, at the start) have a prompt
	// throughput > 0; the rest are steady (prompt 0).
	Mixed int
	// PromptTPS and GenerationTPS are the values of engine e's line k are
	// PromptTPS(e, k) and GenerationTPS(e, k); nil uses a fixed pattern.
	PromptTPS, GenerationTPS func(engine, k int) float64
	// Start is the first stats line's time (zero: 05-19 10:13:11).
	Start time.Time
}

// Write writes the log to w.
func (l Log) Write(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	tp, dp := max(l.TP, 1), max(l.DP, 1)
	start := l.Start
	if start.IsZero() {
		start = time.Date(2026, 5, 19, 10, 13, 11, 0, time.UTC)
	}
	ts := func(t time.Time) string { return t.Format("01-02 15:04:05") }
	t0 := start.Add(-3 * time.Minute)
	const api = "(APIServer pid=3646) INFO "
	fmt.Fprintf(bw, "INFO %s [__init__.py:244] Automatically detected platform cuda.\n", ts(t0))
	fmt.Fprintf(bw, "%s%s [api_server.py:1413] vLLM API server version %s\n", api, ts(t0), l.Version)
	fmt.Fprintf(bw, "%s%s [cli_args.py:325] non-default args: {'model': '%s', 'max_model_len': 2048, 'tensor_parallel_size': %d, 'data_parallel_size': %d}\n", api, ts(t0), l.Model, tp, dp)
	fmt.Fprintf(bw, "(EngineCore_DP0 pid=3700) INFO %s [core.py:69] Initializing a V1 LLM engine (v%s) with config: model='%s', speculative_config=None, tokenizer='%s', skip_tokenizer_init=False, tokenizer_mode=auto, revision=None, override_neuron_config={}, tokenizer_revision=None, trust_remote_code=False, dtype=torch.bfloat16, max_seq_len=2048, download_dir=None, load_format=LoadFormat.AUTO, tensor_parallel_size=%d, pipeline_parallel_size=1, disable_custom_all_reduce=False, quantization=None, enforce_eager=False, kv_cache_dtype=auto,  device_config=cuda, seed=0, served_model_name=%s, enable_prefix_caching=True, chunked_prefill_enabled=True\n", ts(t0), l.Version, l.Model, l.Model, tp, l.Model)
	fmt.Fprintf(bw, "(EngineCore_DP0 pid=3700) INFO %s [gpu_model_runner.py:1801] Model loading took 15.6271 GiB and 119.639792 seconds\n", ts(t0.Add(time.Minute)))
	fmt.Fprintf(bw, "Loading safetensors checkpoint shards:   0%% Completed | 0/5 [00:00<?, ?it/s]\rLoading safetensors checkpoint shards: 100%% Completed | 5/5 [01:59<00:00, 23.88s/it]\n")
	fmt.Fprintf(bw, "(EngineCore_DP0 pid=3700) INFO %s [kv_cache_utils.py:716] GPU KV cache size: 33,824 tokens\n", ts(t0.Add(2*time.Minute)))
	fmt.Fprintf(bw, "(EngineCore_DP0 pid=3700) INFO %s [kv_cache_utils.py:720] Maximum concurrency for 2,048 tokens per request: 16.52x\n", ts(t0.Add(2*time.Minute)))
	fmt.Fprintf(bw, "(EngineCore_DP0 pid=3700) INFO %s [core.py:172] init engine (profile, create kv cache, warmup model) took 82.83 seconds\n", ts(t0.Add(2*time.Minute)))
	fmt.Fprintf(bw, "(APIServer pid=3646) INFO:     Application startup complete.\n")
	prompt, gen := l.PromptTPS, l.GenerationTPS
	if prompt == nil {
		prompt = func(e, k int) float64 {
			if k < l.Mixed {
				return 12000 + float64((k*37+e*11)%997)/10
			}
			return 0
		}
	}
	if gen == nil {
		gen = func(e, k int) float64 { return 1000 + float64((k*53+e*7)%1999)/10 }
	}
	for k := 0; k < l.Lines; k++ {
		at := ts(start.Add(time.Duration(k) * 10 * time.Second))
		for e := 0; e < dp; e++ {
			fmt.Fprintf(bw, "%s%s [loggers.py:257] Engine %03d: Avg prompt throughput: %.1f tokens/s, Avg generation throughput: %.1f tokens/s, Running: %d reqs, Waiting: %d reqs, GPU KV cache usage: %.1f%%, Prefix cache hit rate: %.1f%%\n",
				api, at, e, prompt(e, k), gen(e, k), 18+k%7, 43-k%40, 50+float64(k%500)/10, float64(k%1000)/10)
		}
	}
	return bw.Flush()
}
