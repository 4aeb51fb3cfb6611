package logparse

import (
	"strings"
	"testing"
)

// TestStartupExcerpts parses every excerpt of vllm_startup_lines.txt; the
// expected facts are read off the excerpt by hand.
func TestStartupExcerpts(t *testing.T) {
	set := newExcerptSet(t, "vllm_startup_lines.txt")
	tests := []struct {
		source string
		want   Startup
	}{
		{"issue #2418", Startup{
			// model='/home/***/***/models/alpaca-2', max_seq_len=4096, tensor_parallel_size=1; "# GPU blocks: 229"
			Model: "/home/***/***/models/alpaca-2", TP: intp(1), MaxModelLen: intp(4096), GPUBlocks: int64p(229),
		}},
		{"issue #5785", Startup{
			VLLMVersion: "0.4.2", Model: "/mms/download/models", TP: intp(8), MaxModelLen: intp(8192),
		}},
		{"issue #9738", Startup{
			// hard-wrapped: "hf_llama/llama" + "-3.1-405b-instruct-hf'", "ma" + "x_seq_len=4096"
			VLLMVersion: "0.5.4", Model: "/leonardo_scratch/large/userexternal/gpuccett/models/hf_llama/llama-3.1-405b-instruct-hf",
			TP: intp(16), PP: intp(1), MaxModelLen: intp(4096),
		}},
		{"issue #10626", Startup{
			VLLMVersion: "0.6.4.post1", Model: "../models/Qwen2-VL-7B-Instruct", TP: intp(2), PP: intp(1), MaxModelLen: intp(32700),
		}},
		// "Loading model weights took 19.8557 GB": no time in V0's wording
		{"issue #9630", Startup{}},
		{"--kv-cache-dtype fp8 with FLASHINFER", Startup{VLLMVersion: "0.6.3.post1"}},
		{"issue #13909", Startup{
			VLLMVersion: "0.7.3", Model: "google/gemma-2-27b-it", TP: intp(4), PP: intp(1), MaxModelLen: intp(8192),
		}},
		{"issue #15769", Startup{
			VLLMVersion: "0.8.2", Model: "/models/DeepSeek-R1", TP: intp(8), PP: intp(2), MaxModelLen: intp(131072),
		}},
		{"OpenShift AI / KServe", Startup{
			VLLMVersion: "0.9.0.1", Model: "/mnt/models", TP: intp(1), PP: intp(1), MaxModelLen: intp(2048),
			// GPU KV cache size: 33,824 tokens; Maximum concurrency for 2,048 tokens per request: 16.52x
			KVCacheTokens: int64p(33824), MaxConcurrency: float64p(16.52),
			// "Model loading took 15.6271 GiB and 119.639792 seconds" wins over "Loading weights took 119.43 seconds"
			ModelLoadSeconds: float64p(119.639792), EngineInitSeconds: float64p(82.83), GPUBlocks: int64p(2114),
			NonDefaultArgs: map[string]string{"port": "8080", "model": "/mnt/models", "max_model_len": "2048", "served_model_name": "['qwen25-vl-7b-instruct']"},
		}},
		{"DeepSeek-R1 w8a8 on Ascend", Startup{
			VLLMVersion: "0.9.1", Model: "/data/DeepSeek-R1-w8a8-vllm-fusion/", TP: intp(16), MaxModelLen: intp(4096),
			NonDefaultArgs: map[string]string{"model": "/data/DeepSeek-R1-w8a8-vllm-fusion/", "max_model_len": "4096", "quantization": "ascend", "tensor_parallel_size": "16"},
		}},
		{"PR #24162", Startup{
			VLLMVersion: "0.10.2.dev378+g4d7fe40fc.d20250829", Model: "/data/datasets/models-hf/Qwen2.5-0.5B/", TP: intp(2), PP: intp(1), MaxModelLen: intp(32768),
			NonDefaultArgs: map[string]string{"model_tag": "/data/datasets/models-hf/Qwen2.5-0.5B/", "model": "/data/datasets/models-hf/Qwen2.5-0.5B/", "tensor_parallel_size": "2"},
		}},
		{"issue #28228", Startup{KVCacheTokens: int64p(75840), MaxConcurrency: float64p(2.48)}},
		{"Qwen3-Next-80B", Startup{
			// the dict is cut after "'tensor_parallel_size": the pairs before it are kept
			VLLMVersion: "0.13.0", Model: "/opt/data/Qwen3-Next-80B-A3B-Instruct", MaxModelLen: intp(32768),
			NonDefaultArgs: map[string]string{"model_tag": "/opt/data/Qwen3-Next-80B-A3B-Instruct", "host": "0.0.0.0", "port": "1035",
				"model": "/opt/data/Qwen3-Next-80B-A3B-Instruct", "max_model_len": "32768", "served_model_name": "['qwen3-next-80b']"},
		}},
		// prose quoting the line; the backtick is not part of the version
		{"public GitHub docs; version string quoted in prose", Startup{VLLMVersion: "0.11.0"}},
		{"RTX 3090", Startup{
			// banner "version 0.15.1" and "model   /opt/models/qwen2_5_14b_instruct_awq", then non-default args
			VLLMVersion: "0.15.1", Model: "/opt/models/qwen2_5_14b_instruct_awq", MaxModelLen: intp(16384),
			NonDefaultArgs: map[string]string{"model_tag": "/opt/models/qwen2_5_14b_instruct_awq", "api_server_count": "1", "host": "127.0.0.1",
				"port": "8002", "uvicorn_log_level": "warning", "enable_auto_tool_choice": "True", "tool_call_parser": "hermes",
				"model": "/opt/models/qwen2_5_14b_instruct_awq", "max_model_len": "16384", "quantization": "awq",
				"served_model_name": "['local-coder']", "max_num_seqs": "6"},
		}},
		{"issue #49011", Startup{KVCacheTokens: int64p(1823372), MaxConcurrency: float64p(1.74)}},
		{"1CatAI/1Cat-vLLM", Startup{}},
		{"DeepSeek-V3.2-style model on H200", Startup{GPU: "NVIDIA H200"}},
		{"AMD MI355", Startup{GPU: "AMD Instinct MI355 OAM"}},
		{"issue #24564", Startup{GPU: "NVIDIA H20"}},
		{"issue #37666", Startup{VLLMVersion: "0.13.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			log, err := ParseServerLog(strings.NewReader(set.get(tt.source)))
			if err != nil {
				t.Fatal(err)
			}
			checkStartup(t, log.Startup, tt.want)
			if len(log.Stats) != 0 || len(log.Dropped) != 0 {
				t.Errorf("stats %d, dropped %d in a start-up excerpt", len(log.Stats), len(log.Dropped))
			}
		})
	}
	set.checkAllUsed()
}

// TestStartupThroughWrappers: the start-up lines as they appear in a SLURM
// .out (datatrove-run-layout.md §4: srun label, loguru prefix, then the
// vLLM line; the example there is illustrative, so the lines are built from
// its wrapper and real lines of vllm_startup_lines.txt) and with an ANSI
// coloured process prefix (§3: "ESC[1;36m(VllmWorker TP0 pid=…)ESC[0;0m").
func TestStartupThroughWrappers(t *testing.T) {
	const wrap = "0: 2026-02-05 15:28:39.123 | INFO     | datatrove.pipeline.inference.servers.vllm_server:process_line:164 - "
	text := wrap + "(APIServer pid=1234) INFO 02-05 15:28:39 [api_server.py:1882] vLLM API server version 0.15.1\n" +
		wrap + "(APIServer pid=1234) INFO 02-05 15:28:39 [utils.py:261] non-default args: {'model': 'google/gemma-3-1b-it', 'tensor_parallel_size': 2, 'data_parallel_size': 4}\n" +
		"0: \x1b[1;36m(EngineCore_DP0 pid=26283)\x1b[0;0m INFO 02-05 15:29:48 [kv_cache_utils.py:1229] GPU KV cache size: 75,840 tokens\n"
	log, err := ParseServerLog(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	checkStartup(t, log.Startup, Startup{
		VLLMVersion: "0.15.1", Model: "google/gemma-3-1b-it", TP: intp(2), DP: intp(4), KVCacheTokens: int64p(75840),
		NonDefaultArgs: map[string]string{"model": "google/gemma-3-1b-it", "tensor_parallel_size": "2", "data_parallel_size": "4"},
	})
}

// TestNvidiaSMI: the GPU and driver as a job script's nvidia-smi prints
// them into the .out (nvidia-smi-output.md: "nvidia-smi -L" and the table
// header).
func TestNvidiaSMI(t *testing.T) {
	text := "GPU 0: NVIDIA H200 (UUID: GPU-7f988403-5903-d217-3c3a-2a4b5033a999)\n" +
		"| NVIDIA-SMI 580.159.04             Driver Version: 580.159.04     CUDA Version: 13.0     |\n"
	log, err := ParseServerLog(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	checkStartup(t, log.Startup, Startup{GPU: "NVIDIA H200", DriverVersion: "580.159.04", CUDAVersion: "13.0"})
}

// TestContinuationStops: a config line cut short is not continued by a
// stats line, whatever its prefix.
func TestContinuationStops(t *testing.T) {
	text := "INFO 03-30 18:45:16 [core.py:54] Initializing a V1 LLM engine (v0.8.2) with config: model='/models/DeepSeek-R1', tensor_parallel_size=8, quantization=\n" +
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx " + v1Line[strings.Index(v1Line, "Engine"):] + "\n"
	log, err := ParseServerLog(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(log.Stats) != 1 || *log.Startup.TP != 8 {
		t.Errorf("stats %d, startup %s", len(log.Stats), fmtStartup(log.Startup))
	}
}

func TestParsePyDict(t *testing.T) {
	tests := []struct {
		in     string
		want   map[string]string
		closed bool
	}{
		{`{}`, nil, true},
		{`{'a': 1}`, map[string]string{"a": "1"}, true},
		{`{'a': 'x, y', "b": [1, 2], 'c': {'d': (1, 'e}')}, 'f': None}`, map[string]string{"a": "x, y", "b": "[1, 2]", "c": "{'d': (1, 'e}')}", "f": "None"}, true},
		{`{'it\'s': 'a\'b'}`, map[string]string{"it's": "a'b"}, true},
		{`{'a': 1, 'b`, map[string]string{"a": "1"}, false},
		{`{'a': [1, 2`, nil, false},
		{`{'a' 1}`, nil, false},
		{`not a dict`, nil, false},
	}
	for _, tt := range tests {
		got, closed := parsePyDict([]byte(tt.in))
		if closed != tt.closed || fmtStartup(Startup{NonDefaultArgs: got}) != fmtStartup(Startup{NonDefaultArgs: tt.want}) {
			t.Errorf("parsePyDict(%q) = %v, %v; want %v, %v", tt.in, got, closed, tt.want, tt.closed)
		}
	}
}

// TestBannerLines reads vLLM 0.14+'s ASCII-art banner. The first two lines
// are copied from vllm_startup_lines.txt (0.15.1, "RTX 3090" transcript,
// [utils.py:325]); the others are the same lines as they reach a log
// through the wrappers of datatrove-run-layout.md §4 (srun "0: " and
// loguru), docker compose ("name  | "), with the trailing spaces the
// transcript's header mentions, a colour code around the logo, one space
// or three before the key, and the "▄▄ ██" logo row of later releases.
func TestBannerLines(t *testing.T) {
	const (
		versionLine = "(APIServer pid=376429) INFO 02-23 16:58:32 [utils.py:325]  ▄▄ ▄█ █     █     █ ▀▄▀ █  version 0.15.1"
		modelLine   = "(APIServer pid=376429) INFO 02-23 16:58:32 [utils.py:325]   █▄█▀ █     █     █     █  model   /opt/models/qwen2_5_14b_instruct_awq"
		loguru      = "0: 2026-02-05 15:28:39.123 | INFO     | datatrove.pipeline.inference.servers.vllm_server:process_line:164 - "
	)
	tests := []struct {
		name, line     string
		version, model string
	}{
		{"version line", versionLine, "0.15.1", ""},
		{"model line", modelLine, "", "/opt/models/qwen2_5_14b_instruct_awq"},
		{"trailing spaces", versionLine + "   ", "0.15.1", ""},
		{"model, trailing spaces", modelLine + "  ", "", "/opt/models/qwen2_5_14b_instruct_awq"},
		{"srun and loguru", loguru + versionLine, "0.15.1", ""},
		{"docker compose", "vllm-20b-b-1   | " + modelLine, "", "/opt/models/qwen2_5_14b_instruct_awq"},
		{"colour codes", "(APIServer pid=1) INFO 02-23 16:58:32 [utils.py:325]  \x1b[33m▄▄ ▄█\x1b[0m \x1b[34m█     █     █ ▀▄▀ █\x1b[0m  version 0.15.1", "0.15.1", ""},
		{"one space", "(APIServer pid=1) INFO 02-23 16:58:32 [utils.py:325]  ▄▄ ▄█ █     █     █ ▀▄▀ █ version 0.15.1", "0.15.1", ""},
		{"three spaces", "(APIServer pid=1) INFO 02-23 16:58:32 [utils.py:325]  ▄▄ ▄█ █     █     █ ▀▄▀ █   version 0.15.1", "0.15.1", ""},
		{"later logo row", "(APIServer pid=1) INFO 08-10 06:25:29 [api_utils.py:345]  ▄▄ ██ █     █     █ ▀▄▀ █  version 0.26.0", "0.26.0", ""},
		{"dev version", "(APIServer pid=1) INFO 03-17 07:16:01 [utils.py:297]  ▄▄ ▄█ █     █     █ ▀▄▀ █  version 0.17.1rc1.dev126+gbc2c0c86e", "0.17.1rc1.dev126+gbc2c0c86e", ""},
		// not the banner: the words without the logo before them
		{"prose", "(APIServer pid=1) INFO 02-23 16:58:32 [utils.py:1] the model version 2 is loading", "", ""},
		{"logo row without key", "(APIServer pid=376429) INFO 02-23 16:58:32 [utils.py:325]        █     █     █▄   ▄█", "", ""},
		{"no value", "(APIServer pid=1) INFO 02-23 16:58:32 [utils.py:325]  ▄▄ ▄█ █     █     █ ▀▄▀ █  version ", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, err := ParseServerLog(strings.NewReader(tt.line + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			if log.Startup.VLLMVersion != tt.version || log.Startup.Model != tt.model {
				t.Errorf("version %q, model %q; want %q, %q", log.Startup.VLLMVersion, log.Startup.Model, tt.version, tt.model)
			}
		})
	}
}
