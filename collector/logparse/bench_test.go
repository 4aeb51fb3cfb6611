package logparse

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchExcerpts reads every excerpt of vllm_bench_outputs.txt; the
// expected numbers are copied by hand from the excerpt.
func TestBenchExcerpts(t *testing.T) {
	set := newExcerptSet(t, "vllm_bench_outputs.txt")
	tests := []struct {
		source string
		json   bool
		want   BenchResult
	}{
		// two "Throughput:" lines (before and after the PR): the later one's numbers win
		{source: "PR #8914", want: BenchResult{RequestThroughput: 89.27, TotalTokenThroughput: 22853.37, OutputThroughput: 11426.69, Source: BenchThroughputText}},
		// "Total time: 166.88 s", "Throughput: 5.99 requests/s"
		{source: "issue #359", want: BenchResult{Duration: 166.88, RequestThroughput: 5.99, Source: BenchThroughputText}},
		{source: "LiquidAI/LFM2.5-350M", want: BenchResult{RequestThroughput: 70.77, TotalTokenThroughput: 54350.30, OutputThroughput: 18116.77,
			TotalInputTokens: 262144, TotalOutputTokens: 131072, Source: BenchThroughputText}},
		{source: "same box, n-gram spec decode run", want: BenchResult{RequestThroughput: 0.05, TotalTokenThroughput: 36.80, OutputThroughput: 12.27, Source: BenchThroughputText}},
		// "#Throughput: 1.94 requests/s, ..." quoted in a script comment
		{source: "sweep log format quoted in comments", want: BenchResult{RequestThroughput: 1.94, TotalTokenThroughput: 4224.40, OutputThroughput: 3975.90, Source: BenchThroughputText}},
		{source: "issue #12845", want: BenchResult{Completed: 772, Duration: 329.83, TotalInputTokens: 130743, TotalOutputTokens: 174589,
			RequestThroughput: 2.34, OutputThroughput: 529.33, TotalTokenThroughput: 925.72, Source: BenchServeText}},
		// the block is cut at "Output token throug"
		{source: "1B draft on 8 GPUs (ROCm)", want: BenchResult{Completed: 1024, Duration: 116.32, TotalInputTokens: 220902, TotalOutputTokens: 192104,
			RequestThroughput: 8.80, Source: BenchServeText}},
		// "Peak output token throughput (tok/s): 504.00" is not the output throughput
		{source: "Qwen3-30B-A3B-FP8", want: BenchResult{Completed: 100, Duration: 115.87, TotalInputTokens: 23260, TotalOutputTokens: 22061,
			RequestThroughput: 0.86, OutputThroughput: 190.40, TotalTokenThroughput: 391.14, Source: BenchServeText}},
		{source: "--request-rate 0.3", want: BenchResult{Completed: 250, Failed: 0, Duration: 835.07, TotalInputTokens: 69764, TotalOutputTokens: 44889,
			RequestThroughput: 0.30, OutputThroughput: 53.75, TotalTokenThroughput: 137.30, Source: BenchServeText}},
		// SGLang's block: "Total input text tokens" and "(retokenized)" are not vLLM's keys
		{source: "sgl-project/sglang PR #9812", want: BenchResult{Completed: 768, Duration: 43.81, TotalInputTokens: 784912, TotalOutputTokens: 768,
			RequestThroughput: 17.53, OutputThroughput: 17.53, TotalTokenThroughput: 17934.09, Backend: "vllm-chat", Source: SGLangServeText}},
		{source: "openai-1.0qps-Qwen3-VL-8B-Instruct", json: true, want: BenchResult{Completed: 200, Failed: 0, TotalInputTokens: 40000, TotalOutputTokens: 25600,
			Duration: 203.5104987300001, OutputThroughput: 125.79203608539055, TotalTokenThroughput: 322.3420924688133, RequestThroughput: 0.9827502819171137,
			Backend: "openai", ModelID: "/workspace/shared_assets/models/Qwen/Qwen3-VL-8B-Instruct", Source: BenchServeJSON}},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			text := set.get(tt.source)
			var got *BenchResult
			var err error
			if tt.json {
				got, err = ParseBenchJSON("bench.json", []byte(text))
			} else {
				got, err = ParseBenchText(strings.NewReader(text))
			}
			if err != nil {
				t.Fatal(err)
			}
			if *got != tt.want {
				t.Errorf("got  %+v\nwant %+v", *got, tt.want)
			}
		})
	}
	set.checkAllUsed()

	// the first line of PR #8914 alone: before 0.6.4 "tokens/s" was the total
	got, err := ParseBenchText(strings.NewReader("Throughput: 81.74 requests/s, 20926.37 tokens/s\n"))
	if err != nil || *got != (BenchResult{RequestThroughput: 81.74, TotalTokenThroughput: 20926.37, Source: BenchThroughputText}) {
		t.Errorf("old Throughput line: %+v, %v", got, err)
	}
}

func TestBenchBroken(t *testing.T) {
	for _, tt := range []struct {
		name, json string
		want       error
	}{
		{"empty", "", nil},
		{"truncated", `{"completed": 200, "failed": 0, "total_in`, nil},
		{"not a result", `{"date": "20260722-041843"}`, ErrNoBenchResult},
		{"list", `[1, 2]`, nil},
		{"fraction", `{"completed": 1.5}`, nil},
		{"negative", `{"completed": -1}`, nil},
		{"string number", `{"completed": "200"}`, nil},
		{"huge", `{"completed": 1e999}`, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBenchJSON("bench.json", []byte(tt.json))
			if err == nil {
				t.Fatalf("no error, got %+v", got)
			}
			if !strings.HasPrefix(err.Error(), "bench.json") {
				t.Errorf("error %q does not name the file", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v is not %v", err, tt.want)
			}
		})
	}
	for _, text := range []string{"", "\x00\x01\xff garbage\n", "Throughput: fast requests/s\n", "============ Serving Benchmark Result ============\n"} {
		if _, err := ParseBenchText(strings.NewReader(text)); err == nil {
			t.Errorf("ParseBenchText(%q): no error", text)
		}
	}
	if _, err := ParseBenchText(strings.NewReader("")); !errors.Is(err, ErrNoBenchResult) {
		t.Errorf("empty: %v", err)
	}
}

// TestBenchJSONErrorLine: a syntax error names the file and the line.
func TestBenchJSONErrorLine(t *testing.T) {
	_, err := ParseBenchJSON("x.json", []byte("{\n\"completed\": 1,\n\"failed\": ]\n}"))
	if err == nil || !strings.HasPrefix(err.Error(), "x.json:3: ") {
		t.Errorf("err = %v, want x.json:3: ...", err)
	}
	_, err = ParseBenchJSON("x.json", []byte("{\n\"completed\": \"a\"\n}"))
	if err == nil || !strings.Contains(err.Error(), "x.json:2: completed") {
		t.Errorf("err = %v, want x.json:2: completed ...", err)
	}
}

func TestParseStatsJSON(t *testing.T) {
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	tests := []struct {
		file string
		want DatatroveStats
	}{
		// §5a: "Model call" totals; no failed_requests; e2e = the two time_stats totals (no global_mean)
		{"stats_5a_tasks1.json", DatatroveStats{PromptTokens: 4138973, CompletionTokens: 4201629, SuccessfulRequests: 2000,
			InferenceSeconds: 2866.0292034932318, E2ESeconds: 0.08409505017861402 + 2993.578367571936}},
		// §5b: failed_requests appended last; e2e from global_mean
		{"stats_5b_tasks2_slurm_merge.json", DatatroveStats{PromptTokens: 8236099, CompletionTokens: 8349440, SuccessfulRequests: 3997,
			FailedRequests: 3, HasFailedRequests: true, InferenceSeconds: 5771.42565086769, E2ESeconds: 0.08075659819755257 + 3133.9864340227605}},
		// §5d: no names: the entry with prompt_tokens
		{"stats_5d_repo_fixture.json", DatatroveStats{PromptTokens: 100, CompletionTokens: 80}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := ParseStatsJSON(tt.file, read(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if *got != tt.want {
				t.Errorf("got  %+v\nwant %+v", *got, tt.want)
			}
		})
	}

	// §5c: the local executor's merge differs from §5b in two values we do
	// not read (documents, failed_rollouts): same totals.
	b := string(read("stats_5b_tasks2_slurm_merge.json"))
	c := strings.Replace(b, `"documents": {
                "total": 4000,
                "n": 2,
                "mean": 2000.0,
                "unit": "task"
            }`, `"documents": 4000`, 1)
	if c == b {
		t.Fatal("§5c edit did not apply")
	}
	gb, err1 := ParseStatsJSON("b", []byte(b))
	gc, err2 := ParseStatsJSON("c", []byte(c))
	if err1 != nil || err2 != nil || *gb != *gc {
		t.Errorf("§5c: %+v %v / %+v %v", gc, err2, gb, err1)
	}
}

func TestParseStatsJSONBroken(t *testing.T) {
	full, err := os.ReadFile(filepath.Join("testdata", "stats_5a_tasks1.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, data string
		want       string // substring of the error
		is         error
	}{
		{"empty", "", "x.json", nil},
		{"truncated", string(full[:len(full)/2]), "x.json:", nil},
		{"binary", "\x00\x9f\x92\x96", "x.json:1", nil},
		{"object", `{"name": "Model call"}`, "x.json:1", nil},
		{"scalar fixture (§5d)", `[{"stats": {"doc_len": 7}}]`, `no "Model call" entry`, ErrNoModelCall},
		{"total missing", `[{"name": "Model call: Inference", "stats": {"prompt_tokens": {"n": 3}}}]`, "[0].stats.prompt_tokens: no total", nil},
		{"fraction", `[{"name": "Model call: Inference", "stats": {"completion_tokens": 2.5}}]`, "x.json:1: [0].stats.completion_tokens: 2.5 is not a count", nil},
		{"string", `[{"name": "Model call: Inference", "stats": {"completion_tokens": "12"}}]`, "[0].stats.completion_tokens", nil},
		{"bad time", `[{"name": "Model call: Inference", "time_stats": {"total": []}, "stats": {}}]`, "[0].time_stats", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStatsJSON("x.json", []byte(tt.data))
			if err == nil {
				t.Fatalf("no error, got %+v", got)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "x.json") {
				t.Errorf("error %q, want it to name x.json and contain %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
		})
	}
}
