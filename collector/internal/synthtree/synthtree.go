// Package synthtree writes results trees in the formats vLLM and datatrove
// produce, for tests and benchmarks of the collector.
//
// Formats follow ../shared/reference (relative to the repository's parent):
//   - server log lines: vllm-logs/vllm_throughput_lines.txt §C ("(APIServer
//     pid=N) INFO MM-DD HH:MM:SS [loggers.py:257] Engine 000: Avg prompt
//     throughput: ...", the 0.14/0.15 form) and vllm-logs/vllm_startup_lines.txt
//     (banner "version X", "non-default args", KV cache size, concurrency,
//     model loading and init engine lines);
//   - the tree, the .out file (srun "0: " labels, loguru re-logging of
//     startup lines) and stats.json (§5a shape, ensure_ascii names):
//     datatrove-run-layout.md §1-§6.
package synthtree

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Run describes one synthetic benchmark run.
type Run struct {
	Experiment string // datatrove layout: {root}/{experiment}/default/{model}/...
	Model      string // full id, e.g. "google/gemma-3-1b-it"
	TP, PP, DP int
	Spec       string // "none", "ngram_5"
	MaxNumSeqs int    // 0 means 256
	// EngineInputTPS and EngineOutputTPS are the exact means the mixed
	// lines' prompt throughput and the steady lines' generation throughput
	// will have (to 0.001 tokens/s), summed over DP engines.
	EngineInputTPS, EngineOutputTPS float64
	// Mixed and Steady are the numbers of stats line intervals of each kind.
	Mixed, Steady int
	JobID         int
	VLLMVersion   string
	// Failure, when set, is the last line of the .out file and no
	// stats.json is written (e.g. the slurmstepd time-limit line).
	Failure string
	// NoStartupModel leaves the model id out of the server log, so only
	// the directory name (or the catalog) can name it.
	NoStartupModel bool
	Seed           uint64
}

// DirName is datatrove's lossy model directory name: org dropped, '-' → '_'.
func DirName(model string) string {
	return strings.ReplaceAll(model[strings.LastIndex(model, "/")+1:], "-", "_")
}

// RunDir is the run directory of r under root, in the datatrove layout.
func (r Run) RunDir(root string) string {
	return filepath.Join(root, r.Experiment, "default", DirName(r.Model),
		fmt.Sprintf("tp%d-pp%d-dp%d", r.TP, max(r.PP, 1), max(r.DP, 1)),
		fmt.Sprintf("mns_%d", cmp.Or(r.MaxNumSeqs, 256)), "mnbt_8192", "gmu_90", "bs_16", "kvc_auto", "spec_"+r.Spec, "quant_none")
}

// Write writes r's inference_logs directory under root and returns the
// run directory.
func Write(root string, r Run) (string, error) {
	dir := r.RunDir(root)
	inf := filepath.Join(dir, "inference_logs")
	for _, d := range []string{"slurm_logs", "server_logs"} {
		if err := os.MkdirAll(filepath.Join(inf, d), 0o755); err != nil {
			return "", err
		}
	}
	if err := writeFile(filepath.Join(inf, "server_logs", "server_rank_00000_node_-1.log"), func(w io.Writer) error { return ServerLog(w, r) }); err != nil {
		return "", err
	}
	if err := writeFile(filepath.Join(inf, "slurm_logs", fmt.Sprintf("%d_0.out", r.JobID)), func(w io.Writer) error { return SlurmOut(w, r) }); err != nil {
		return "", err
	}
	if r.Failure == "" {
		if err := os.WriteFile(filepath.Join(inf, "stats.json"), StatsJSON(r), 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}

func writeFile(name string, fill func(io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	if err := fill(bw); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// series returns n values printed with one decimal whose mean is target
// to within 0.0005, spread around it by up to ±spread.
func series(rng *rand.Rand, target float64, n int, spread float64) []float64 {
	if n == 0 {
		return nil
	}
	// Whole tenths: a base value and m lines one tenth higher give the
	// mean exactly; symmetric pairs of offsets add realistic noise.
	tenths := int64(math.Round(target * 10 * float64(n))) // sum, in tenths
	base := tenths / int64(n)
	m := tenths - base*int64(n)
	out := make([]int64, n)
	for i := range out {
		out[i] = base
		if int64(i) < m {
			out[i]++
		}
	}
	for i := 0; i+1 < n; i += 2 {
		d := int64(rng.Float64() * spread * 10)
		if out[i+1]-d < 0 {
			d = out[i+1]
		}
		out[i] += d
		out[i+1] -= d
	}
	rng.Shuffle(n, func(i, j int) { out[i], out[j] = out[j], out[i] })
	vals := make([]float64, n)
	for i, t := range out {
		vals[i] = float64(t) / 10
	}
	return vals
}

const pid = 3646

// ServerLog writes a vLLM 0.15-style server log: startup, then one stats
// line per engine per 10-second interval (mixed intervals first).
func ServerLog(w io.Writer, r Run) error {
	rng := rand.New(rand.NewPCG(r.Seed, uint64(r.JobID)))
	version := r.VLLMVersion
	if version == "" {
		version = "0.15.0"
	}
	model := r.Model
	if r.NoStartupModel {
		model = "/models/" + DirName(r.Model)
	}
	ts := func(sec int) string {
		return fmt.Sprintf("02-05 %02d:%02d:%02d", 15+sec/3600%9, sec/60%60, sec%60)
	}
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	p("(APIServer pid=%d) INFO %s [api_server.py:1351] vLLM API server version %s\n", pid, ts(0), version)
	p("(APIServer pid=%d) INFO %s [utils.py:325] \n", pid, ts(0))
	p("(APIServer pid=%d) INFO %s [utils.py:325]        █     █     █▄   ▄█\n", pid, ts(0))
	p("(APIServer pid=%d) INFO %s [utils.py:325]  ▄▄ ▄█ █     █     █ ▀▄▀ █  version %s\n", pid, ts(0), version)
	p("(APIServer pid=%d) INFO %s [utils.py:325]   █▄█▀ █     █     █     █  model   %s\n", pid, ts(0), model)
	p("(APIServer pid=%d) INFO %s [utils.py:325]    ▀▀  ▀▀▀▀▀ ▀▀▀▀▀ ▀     ▀\n", pid, ts(0))
	args := fmt.Sprintf("{'model_tag': '%s', 'port': 8000, 'model': '%s', 'trust_remote_code': True, 'max_model_len': 2048, 'max_num_seqs': 256, 'max_num_batched_tokens': 8192, 'block_size': 16, 'gpu_memory_utilization': 0.9", model, model)
	if r.TP > 1 {
		args += fmt.Sprintf(", 'tensor_parallel_size': %d", r.TP)
	}
	if r.PP > 1 {
		args += fmt.Sprintf(", 'pipeline_parallel_size': %d", r.PP)
	}
	if r.DP > 1 {
		args += fmt.Sprintf(", 'data_parallel_size': %d", r.DP)
	}
	p("(APIServer pid=%d) INFO %s [utils.py:261] non-default args: %s}\n", pid, ts(1), args)
	p("(APIServer pid=%d) INFO %s [model.py:541] Resolved architecture: Gemma3ForCausalLM\n", pid, ts(2))
	p("(APIServer pid=%d) INFO %s [scheduler.py:226] Chunked prefill is enabled with max_num_batched_tokens=8192.\n", pid, ts(2))
	p("(EngineCore_DP0 pid=%d) INFO %s [gpu_model_runner.py:1801] Model loading took 1.9 GiB and 12.31 seconds\n", pid+1, ts(20))
	p("(EngineCore_DP0 pid=%d) INFO %s [gpu_worker.py:349] Available KV cache memory: 61.32 GiB\n", pid+1, ts(40))
	p("(EngineCore_DP0 pid=%d) INFO %s [kv_cache_utils.py:1229] GPU KV cache size: 2,296,576 tokens\n", pid+1, ts(40))
	p("(EngineCore_DP0 pid=%d) INFO %s [kv_cache_utils.py:1234] Maximum concurrency for 2,048 tokens per request: 1121.38x\n", pid+1, ts(40))
	p("(EngineCore_DP0 pid=%d) INFO %s [core.py:172] init engine (profile, create kv cache, warmup model) took 41.52 seconds\n", pid+1, ts(60))
	p("(APIServer pid=%d) INFO %s [api_server.py:1475] Starting vLLM API server 0 on http://0.0.0.0:8000\n", pid, ts(61))
	p("(APIServer pid=%d) INFO:     Started server process [%d]\n", pid, pid)
	p("(APIServer pid=%d) INFO:     Waiting for application startup.\n", pid)
	p("(APIServer pid=%d) INFO:     Application startup complete.\n", pid)

	engines := max(r.DP, 1)
	// Each engine carries an equal share; the per-interval sums have the
	// requested means.
	prompt := make([][]float64, engines)
	mixedGen := make([][]float64, engines)
	steadyGen := make([][]float64, engines)
	for e := range engines {
		prompt[e] = series(rng, r.EngineInputTPS/float64(engines), r.Mixed, r.EngineInputTPS/float64(engines)*0.2)
		mixedGen[e] = series(rng, r.EngineOutputTPS/float64(engines)*0.6, r.Mixed, 50)
		steadyGen[e] = series(rng, r.EngineOutputTPS/float64(engines), r.Steady, r.EngineOutputTPS/float64(engines)*0.05)
	}
	t := 70
	line := func(e int, pr, gen float64, running, waiting int, kv float64) {
		p("(APIServer pid=%d) INFO %s [loggers.py:257] Engine %03d: Avg prompt throughput: %.1f tokens/s, Avg generation throughput: %.1f tokens/s, Running: %d reqs, Waiting: %d reqs, GPU KV cache usage: %.1f%%, Prefix cache hit rate: %.1f%%\n",
			pid, ts(t), e, pr, gen, running, waiting, kv, 0.0)
	}
	for i := range r.Mixed {
		for e := range engines {
			line(e, prompt[e][i], mixedGen[e][i], 256, 1700-i, 20+float64(i%60))
		}
		if i%7 == 3 {
			p("(APIServer pid=%d) INFO:     127.0.0.1:45468 - \"POST /v1/chat/completions HTTP/1.1\" 200 OK\n", pid)
		}
		t += 10
	}
	for i := range r.Steady {
		for e := range engines {
			line(e, 0, steadyGen[e][i], 256-i%200, 0, 80+float64(i%19))
		}
		t += 10
	}
	return bw.Flush()
}

// SlurmOut writes the SLURM .out file of one attempt: the sbatch script's
// trace, then loguru lines with the srun "0: " label.
func SlurmOut(w io.Writer, r Run) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	p("Starting data processing job bench_inference\n+ export PYTHONUNBUFFERED=TRUE\n+ PYTHONUNBUFFERED=TRUE\n")
	p("+ srun --cpu-bind=none -l -n 1 launch_pickled_pipeline %s/inference_logs/executor.pik\n", r.RunDir("/scratch/data"))
	lg := func(level, msg string) {
		p("0: 2026-02-05 15:28:39.123 | %-8s | datatrove.pipeline.inference.servers.vllm_server:process_line:164 - %s\n", level, msg)
	}
	lg("INFO", "Launching pipeline for rank=0")
	lg("INFO", fmt.Sprintf("(APIServer pid=%d) INFO 02-05 15:28:30 [utils.py:325]  ▄▄ ▄█ █     █     █ ▀▄▀ █  version %s", pid, firstNonEmpty(r.VLLMVersion, "0.15.0")))
	for i := range 20 {
		lg("INFO", fmt.Sprintf("(EngineCore_DP0 pid=%d) INFO 02-05 15:28:%02d [gpu_model_runner.py:1770] Starting to load model %s... (%d)", pid+1, 31+i, r.Model, i))
	}
	lg("WARNING", "Attempt 3: Please wait for VLLMServer server to become ready...")
	lg("INFO", "VLLMServer server is ready.")
	if r.Failure != "" {
		p("%s\n", r.Failure)
		return bw.Flush()
	}
	p("0: 2026-02-05 16:18:39.123 | SUCCESS  | datatrove.executor.base:_run_for_rank:99 - Processing done for rank=0\n")
	return bw.Flush()
}

// Totals are the token counts StatsJSON writes: output over an inference
// time slightly longer than the steady rate implies, as ramp-up and drain
// make it in real runs.
func Totals(r Run) (prompt, completion int64, inferenceSeconds float64) {
	inferenceSeconds = float64(r.Mixed+r.Steady)*10 + 30
	completion = int64(r.EngineOutputTPS * inferenceSeconds * 0.95)
	prompt = int64(r.EngineInputTPS * float64(r.Mixed) * 10)
	return prompt, completion, inferenceSeconds
}

// StatsJSON is a datatrove merged stats.json (tasks = 1 shape, §5a).
func StatsJSON(r Run) []byte {
	prompt, completion, inf := Totals(r)
	const docs = 2000
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return []byte(`[
    {
        "name": "\ud83d\udcd6 - READER: \ud83e\udd17 HuggingFace",
        "time_stats": {"total": 0.08409505017861402, "n": 2, "mean": 0.04204752508930701, "unit": "batch", "total_human": "0 seconds"},
        "stats": {"doc_len": {"total": 19858266, "n": 2000, "mean": 9929.132999999993, "min": 202, "max": 19997}, "documents": 2000}
    },
    {
        "name": "Model call: Inference \ud83d\udd0d",
        "time_stats": {"total": ` + f(inf+120) + `, "mean": ` + f(inf+120) + `, "unit": "total", "total_human": "49 minutes and 53 seconds"},
        "stats": {
            "inference_time": {"total": ` + f(inf) + `, "mean": ` + f(inf) + `, "unit": "seconds", "total_human": "47 minutes and 46 seconds"},
            "prompt_tokens": {"total": ` + strconv.FormatInt(prompt, 10) + `, "n": 2000, "mean": ` + f(float64(prompt)/docs) + `, "min": 101, "max": 4000, "unit": "request"},
            "completion_tokens": {"total": ` + strconv.FormatInt(completion, 10) + `, "n": 2000, "mean": ` + f(float64(completion)/docs) + `, "min": 50, "max": 4093, "unit": "request"},
            "successful_requests": {"total": 2000, "unit": "request"},
            "requests": {"total": 2000, "unit": "rollout"},
            "successful_rollouts": {"total": 2000, "unit": "document"},
            "failed_rollouts": 0,
            "documents_processed": {"total": 2000, "unit": "document"}
        }
    }
]
`)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// Models are the seed README's lineup models, used to name synthetic runs.
var Models = []string{
	"google/gemma-3-1b-it", "Qwen/Qwen3-1.7B", "google/gemma-3-4b-it", "Qwen/Qwen3-4B-Thinking-2507",
	"openai/gpt-oss-20b", "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16", "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-FP8",
	"Qwen/Qwen3-30B-A3B-Thinking-2507", "Qwen/Qwen3-Next-80B-A3B-Thinking", "openai/gpt-oss-120b",
	"Qwen/Qwen3-235B-A22B-Thinking-2507", "moonshotai/Kimi-K2-Instruct",
}

// Generate writes a benchmark tree of n runs with lines stats lines each
// (a tenth of them mixed) under root, spread over experiments, models,
// tp and spec values. Every tenth run failed on the time limit.
func Generate(root string, n, lines int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 1))
	for i := range n {
		// Every run a distinct configuration: 720 per experiment.
		r := Run{
			Experiment: fmt.Sprintf("sweep%02d", i/720), Model: Models[i%len(Models)],
			TP: 1 << (i / 12 % 4), PP: 1, DP: 1, Spec: []string{"none", "ngram_5", "suffix_32"}[i/48%3],
			MaxNumSeqs:     []int{256, 64, 128, 512, 1024}[i/144%5],
			EngineInputTPS: 500 + rng.Float64()*5000, EngineOutputTPS: 1000 + rng.Float64()*20000,
			Mixed: lines / 10, Steady: lines - lines/10, JobID: 21899807 + i, Seed: seed + uint64(i),
		}
		if i%10 == 9 {
			r.Failure = fmt.Sprintf("slurmstepd: error: *** JOB %d ON node%03d CANCELLED AT 2026-02-05T16:28:28 DUE TO TIME LIMIT ***", r.JobID, i%100)
		}
		if _, err := Write(root, r); err != nil {
			return err
		}
	}
	return nil
}
