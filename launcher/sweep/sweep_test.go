package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lineup-dev/lineup/launcher/config"
)

// The sweep files in these tests follow the seed's configuration format
// (/work/shared/seed/vllm-benchmark-README.md, "Prepare a Configuration"
// and "Configuration Reference").

func expand(t *testing.T, src string) *Sweep {
	t.Helper()
	f, err := config.Parse("sweep.yaml", []byte(src))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	s, err := Expand(f)
	if err != nil {
		t.Fatalf("expand: %v", err)
	}
	return s
}

func expandErr(src string) error {
	f, err := config.Parse("sweep.yaml", []byte(src))
	if err != nil {
		return err
	}
	_, err = Expand(f)
	return err
}

const seedSample = `script: "examples/inference/generate_data.py"
continue_on_failure: true

fixed_args:
  qos: "high"
  time: "1:00:00"
  model-max-context: 2048
  max-tokens: 1024
  input-dataset-name: "simplescaling/s1K-1.1"
  input-dataset-split: "train"
  prompt-column: "question"
  output-dataset-name: "s1K-1.1-benchmark"
  output-dir: "data"

runs:
  - name: "Qwen3-4B"
    args:
      model-name-or-path: "Qwen/Qwen3-4B-Thinking-2507"
      tp: [1, 2, 4]  # Sweep over TP configurations
      speculative-config: [None]
`

func TestExpandSeedSample(t *testing.T) {
	s := expand(t, seedSample)
	if s.Script != "examples/inference/generate_data.py" || !s.ContinueOnFailure {
		t.Errorf("script %q continue %v", s.Script, s.ContinueOnFailure)
	}
	wantTP := []int{1, 2, 4}
	if len(s.Runs) != len(wantTP) {
		t.Fatalf("%d runs, want %d", len(s.Runs), len(wantTP))
	}
	for i, r := range s.Runs {
		if r.Config.TP != wantTP[i] {
			t.Errorf("run %d: tp %d, want %d", i, r.Config.TP, wantTP[i])
		}
		if r.Model != "Qwen/Qwen3-4B-Thinking-2507" || r.Experiment != "Qwen3-4B" {
			t.Errorf("run %d: model %q experiment %q", i, r.Model, r.Experiment)
		}
		if r.Slurm["qos"] != "high" || r.Slurm["time"] != "1:00:00" {
			t.Errorf("run %d: slurm %v", i, r.Slurm)
		}
		if _, ok := r.Workload["qos"]; ok {
			t.Errorf("run %d: qos leaked into the workload args", i)
		}
		if r.Workload["output-dataset-name"] != "s1K-1.1-benchmark" {
			t.Errorf("run %d: workload %v", i, r.Workload)
		}
		if *r.Config.Spec != "none" || r.Config.SpeculativeConfig != nil {
			t.Errorf("run %d: spec %q %s", i, *r.Config.Spec, r.Config.SpeculativeConfig)
		}
		if *r.Config.MaxModelLen != 2048 {
			t.Errorf("run %d: max model len %d", i, *r.Config.MaxModelLen)
		}
		wantRel := fmt.Sprintf("Qwen3-4B/Qwen--Qwen3-4B-Thinking-2507/tp%d-pp1-dp1/spec_none/mns_256-mnbt_8192-gmu_90-bs_16-kvc_auto-quant_none", wantTP[i])
		if r.Rel != wantRel {
			t.Errorf("run %d: rel %q, want %q", i, r.Rel, wantRel)
		}
	}
	if got := []string{s.Runs[0].Name, s.Runs[1].Name, s.Runs[2].Name}; strings.Join(got, " ") != "Qwen3-4B Qwen3-4B_tp2 Qwen3-4B_tp4" {
		t.Errorf("names %q", got)
	}
}

func TestExpandCartesianOrderAndOverride(t *testing.T) {
	src := `fixed_args:
  model-name-or-path: m/a
  tp: [1, 2]
  max-num-seqs: 128
runs:
  - name: x
    args:
      max-num-seqs: [256, 512]
      speculative-config: [None, "ngram:5", "suffix:32"]
  - name: y
    args:
      tp: 4
`
	s := expand(t, src)
	type key struct {
		tp, mns int
		spec    string
	}
	var want []key
	// The first axis varies slowest: tp (fixed_args order), then
	// max-num-seqs (overridden in place), then speculative-config.
	for _, tp := range []int{1, 2} {
		for _, mns := range []int{256, 512} {
			for _, spec := range []string{"none", "ngram_5", "suffix_32"} {
				want = append(want, key{tp, mns, spec})
			}
		}
	}
	want = append(want, key{4, 128, "none"})
	if len(s.Runs) != len(want) {
		t.Fatalf("%d runs, want %d", len(s.Runs), len(want))
	}
	for i, r := range s.Runs {
		got := key{r.Config.TP, *r.Config.MaxNumSeqs, *r.Config.Spec}
		if got != want[i] {
			t.Errorf("run %d: %+v, want %+v", i, got, want[i])
		}
	}
	// Deterministic: a second expansion gives the same names in order.
	again := expand(t, src)
	for i := range s.Runs {
		if s.Runs[i].Name != again.Runs[i].Name || s.Runs[i].Rel != again.Runs[i].Rel {
			t.Fatalf("run %d differs between two expansions", i)
		}
	}
	if s.Runs[len(s.Runs)-1].Name != "y_tp4_mns128" {
		t.Errorf("last name %q", s.Runs[len(s.Runs)-1].Name)
	}
}

func TestExperimentsAlias(t *testing.T) {
	a := expand(t, strings.Replace(seedSample, "runs:", "experiments:", 1))
	b := expand(t, seedSample)
	if len(a.Runs) != len(b.Runs) {
		t.Fatalf("experiments: %d runs, runs: %d", len(a.Runs), len(b.Runs))
	}
	for i := range a.Runs {
		if a.Runs[i].Rel != b.Runs[i].Rel {
			t.Errorf("run %d: %q vs %q", i, a.Runs[i].Rel, b.Runs[i].Rel)
		}
	}
	err := expandErr(seedSample + "experiments:\n  - name: z\n    args: {model-name-or-path: m/z}\n")
	if err == nil || !strings.Contains(err.Error(), `"runs" and "experiments"`) {
		t.Errorf("both lists: %v", err)
	}
}

func TestOneRunConfig(t *testing.T) {
	s := expand(t, "runs:\n  - name: one\n    args:\n      model-name-or-path: google/gemma-3-1b-it\n")
	if len(s.Runs) != 1 {
		t.Fatalf("%d runs", len(s.Runs))
	}
	r := s.Runs[0]
	if r.Name != "one" || r.GPUs != 1 || r.Nodes != 1 || r.OutputDir != DefaultOutputDir {
		t.Errorf("%+v", r)
	}
	c := r.Config
	if *c.MaxNumSeqs != DefaultMaxNumSeqs || *c.MaxNumBatchedTokens != DefaultMaxNumBatchedTokens ||
		*c.GPUMemoryUtilization != DefaultGPUMemoryUtilization || *c.BlockSize != DefaultBlockSize ||
		*c.KVCacheDtype != DefaultKVCacheDtype || *c.Quantization != "none" || *c.DP != 1 || c.MaxModelLen != nil {
		t.Errorf("defaults not filled: %+v", c)
	}
}

func TestNamesAndPaths(t *testing.T) {
	src := `fixed_args:
  output-dir: out
runs:
  - name: sweep
    args:
      model-name-or-path: [Qwen/Qwen3-0.6B, google/gemma-3-270m-it]
      tp: 2
      pp: 2
      dp: 2
      max-num-seqs: 512
      max-num-batched-tokens: 32768
      gpu-memory-utilization: 0.925
      block-size: 32
      kv-cache-dtype: fp8
      quantization: fp8
      speculative-config: '{"model": "org/draft-1b", "num_speculative_tokens": 3}'
      max-tokens: [512, 1024]
`
	s := expand(t, src)
	if len(s.Runs) != 4 {
		t.Fatalf("%d runs", len(s.Runs))
	}
	r := s.Runs[1]
	wantName := "sweep_Qwen3-0.6B_tp2_pp2_dp2_mns512_mnbt32768_gmu92.5_bs32_kvc-fp8_spec-org_draft_1b_3_quant-fp8_max-tokens-1024"
	if r.Name != wantName {
		t.Errorf("name\n got %s\nwant %s", r.Name, wantName)
	}
	wantRel := "sweep/Qwen--Qwen3-0.6B/tp2-pp2-dp2/spec_org_draft_1b_3/mns_512-mnbt_32768-gmu_92.5-bs_32-kvc_fp8-quant_fp8/max-tokens_1024"
	if r.Rel != wantRel {
		t.Errorf("rel\n got %s\nwant %s", r.Rel, wantRel)
	}
	if r.GPUs != 8 || r.Nodes != 1 || r.OutputDir != "out" {
		t.Errorf("gpus %d nodes %d output %q", r.GPUs, r.Nodes, r.OutputDir)
	}
	if r.Workload["max-tokens"] != "1024" || r.Config.Extra["max-tokens"] != "1024" {
		t.Errorf("workload %v extra %v", r.Workload, r.Config.Extra)
	}
}

func TestNodes(t *testing.T) {
	tests := []struct {
		args             string
		gpus, nodes, per int
	}{
		{"tp: 8", 8, 1, 8},
		{"tp: 8\n      pp: 2", 16, 2, 8},
		{"tp: 4\n      gpus-per-node: 4\n      dp: 2", 8, 2, 4},
		{"tp: 8\n      pp: 2\n      nodes-per-task: 4", 16, 4, 4},
		{"nodes-per-task: 2", 1, 2, 1},
	}
	for _, tt := range tests {
		s := expand(t, "runs:\n  - name: n\n    args:\n      model-name-or-path: m/m\n      "+tt.args+"\n")
		r := s.Runs[0]
		if r.GPUs != tt.gpus || r.Nodes != tt.nodes || r.GPUsPerNodeUsed() != tt.per || *r.Config.Nodes != tt.nodes {
			t.Errorf("%q: gpus %d nodes %d per node %d, want %d %d %d", tt.args, r.GPUs, r.Nodes, r.GPUsPerNodeUsed(), tt.gpus, tt.nodes, tt.per)
		}
	}
}

func TestValidationErrors(t *testing.T) {
	run := func(args string) string {
		return "runs:\n  - name: r\n    args:\n      model-name-or-path: m/m\n      " + args + "\n"
	}
	tests := []struct {
		name, src, want string
	}{
		{"unknown top key", "scrpit: x\nruns: []\n", "sweep.yaml:1:1: scrpit: unknown top-level key"},
		{"yaml syntax", "runs: [\n", "sweep.yaml:1: did not find expected node content"},
		{"no runs", "fixed_args: {}\n", "runs: missing"},
		{"runs not list", "runs: 3\n", "sweep.yaml:1:7: runs: must be a list"},
		{"empty runs", "runs: []\n", "runs: empty list"},
		{"run without name", "runs:\n  - args: {tp: 1}\n", "sweep.yaml:2:5: runs[0].name: missing"},
		{"unknown run key", "runs:\n  - name: a\n    arg: {}\n", "sweep.yaml:3:5: runs[0].arg: unknown key"},
		{"duplicate arg", run("tp: 1\n      tp: 2"), "sweep.yaml:6:7: runs[0].args.tp: duplicate argument"},
		{"duplicate arg spellings", run("max_num_seqs: 1\n      max-num-seqs: 2"), "duplicate argument"},
		{"bad tp", run("tp: two"), `sweep.yaml:5:11: tp: must be an integer from 1 to 1024, not "two"`},
		{"bad tp in list", run("tp: [1, 0]"), `sweep.yaml:5:15: tp: must be an integer`},
		{"empty axis", run("tp: []"), "sweep.yaml:5:11: runs[0].args.tp: empty list"},
		{"nested list", run("tp: [[1]]"), "a list inside a list"},
		{"bad gmu", run("gpu-memory-utilization: 1.5"), "sweep.yaml:5:31: gpu-memory-utilization: must be a fraction in (0, 1]"},
		{"bad spec", run(`speculative-config: "ngram"`), "sweep.yaml:5:27: speculative-config:"},
		{"spec json bad", run(`speculative-config: '{"method": "ngram"}'`), "num_speculative_tokens is missing"},
		{"mapping elsewhere", run("tp: {a: 1}"), "a mapping is only allowed for speculative-config"},
		{"unknown builtin key", run("output-dataset-name: x"), "sweep.yaml:5:28: output-dataset-name: not an argument of the built-in vLLM workload"},
		{"no model", "runs:\n  - name: r\n    args: {tp: 1}\n", `sweep.yaml:2:5: model-name-or-path: run "r" has no model`},
		{"gpus do not fit", run("tp: 8\n      pp: 2\n      nodes-per-task: 1"), "needs tp x pp x dp = 8 x 2 x 1 = 16 GPUs but nodes-per-task x gpus-per-node = 1 x 8 = 8"},
		{"duplicate names", "runs:\n  - name: a\n    args: {model-name-or-path: m/m}\n  - name: a\n    args: {model-name-or-path: m/m, output-dir: other}\n", `sweep.yaml:4:5: name: two runs are named "a" (the other from the entry at line 2)`},
		{"same dir across entries", "runs:\n  - name: a\n    args: {model-name-or-path: m/m}\n  - name: a\n    args: {model-name-or-path: m/m}\n", `sweep.yaml:4:5: runs "a" and "a" would share the run directory data/a/m--m/`},
		{"same dir", run("time: ['1:00:00', '2:00:00']"), "would share the run directory"},
		{"slurm value", run(`partition: "gpu; rm -rf ~"`), "SLURM values may hold only"},
		{"time value", run(`time: "1 hour"`), "is not a SLURM time"},
		{"newline value", run(`model-max-context: "1\n2"`), "control characters"},
		{"newline model", "runs:\n  - name: r\n    args:\n      model-name-or-path: \"a\\nb\"\n", "sweep.yaml:4:27: model-name-or-path: control characters"},
		{"output-dir axis", run("output-dir: [a, b]"), "output-dir: cannot be a sweep axis"},
		{"two documents", "runs: []\n---\nruns: []\n", "more than one YAML document"},
		{"bad bool", "continue_on_failure: maybe\nruns: []\n", "sweep.yaml:1:22: continue_on_failure: must be true or false"},
		{"kvc chars", run(`kv-cache-dtype: "fp8 auto"`), "is not a dtype name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := expandErr(tt.src)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n got %v\nwant it to contain %q", err, tt.want)
			}
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Errorf("error %T is not a *config.Error", err)
			}
		})
	}
}

func TestParseSpec(t *testing.T) {
	tests := []struct {
		in    string
		null  bool
		label string
		json  string // "" for none
	}{
		{"", true, "none", ""},
		{"None", false, "none", ""},
		{"null", false, "none", ""},
		{"", false, "none", ""},
		{"ngram:5", false, "ngram_5", `{"method":"ngram","num_speculative_tokens":5,"prompt_lookup_max":4}`},
		{"ngram: 6", false, "ngram_6", `{"method":"ngram","num_speculative_tokens":6,"prompt_lookup_max":5}`},
		{"NGRAM:1", false, "ngram_1", `{"method":"ngram","num_speculative_tokens":1,"prompt_lookup_max":1}`},
		{"suffix:32", false, "suffix_32", `{"method":"suffix","num_speculative_tokens":32}`},
		{`{"method": "ngram", "num_speculative_tokens": 6}`, false, "ngram_6", `{"method":"ngram","num_speculative_tokens":6,"prompt_lookup_max":5}`},
		{`{"num_speculative_tokens": 6, "method": "ngram", "prompt_lookup_max": 3}`, false, "ngram_6", `{"method":"ngram","num_speculative_tokens":6,"prompt_lookup_max":3}`},
		{`{"model": "yuhuili/EAGLE-LLaMA3-Instruct-8B", "num_speculative_tokens": 5}`, false, "yuhuili_EAGLE_LLaMA3_Instruct_8B_5", `{"model":"yuhuili/EAGLE-LLaMA3-Instruct-8B","num_speculative_tokens":5}`},
		{`{"method": "eagle3", "model": "a/b", "num_speculative_tokens": 2}`, false, "eagle3_2", `{"method":"eagle3","model":"a/b","num_speculative_tokens":2}`},
		{`{"method": "ngram", "num_speculative_tokens": "4"}`, false, "ngram_4", `{"method":"ngram","num_speculative_tokens":4,"prompt_lookup_max":3}`},
	}
	for _, tt := range tests {
		s, err := ParseSpec(tt.in, tt.null)
		if err != nil {
			t.Errorf("ParseSpec(%q): %v", tt.in, err)
			continue
		}
		if s.Label != tt.label || string(s.JSON) != tt.json {
			t.Errorf("ParseSpec(%q) = %q %s, want %q %s", tt.in, s.Label, s.JSON, tt.label, tt.json)
		}
		if s.JSON != nil && !json.Valid(s.JSON) {
			t.Errorf("ParseSpec(%q): invalid JSON %s", tt.in, s.JSON)
		}
	}
	for _, bad := range []string{"ngram", "ngram:x", "ngram:0", "ngram:-1", `{"method": "ngram"}`, `{"num_speculative_tokens": 3}`, `{"method": "a b", "num_speculative_tokens": 3}`, `{`, `{"method":"ngram","num_speculative_tokens":2} x`, `[1]`, "ngram:99999"} {
		if s, err := ParseSpec(bad, false); err == nil {
			t.Errorf("ParseSpec(%q) = %+v, want an error", bad, s)
		}
	}
}

// hostile values for every place a config value reaches a path.
var hostile = []string{
	"$(touch /tmp/lineup-pwned)", "'; rm -rf ~ #", "../../../etc", "..", ".", "a/../../b", "`id`", "x\"y", "~root", "/abs/path", "-rf",
}

func TestHostileValuesStayInsideOutputDir(t *testing.T) {
	for _, v := range hostile {
		q, _ := json.Marshal(v)
		for _, field := range []string{"name", "model"} {
			var src string
			if field == "name" {
				src = fmt.Sprintf("runs:\n  - name: %s\n    args:\n      model-name-or-path: m/m\n      max-tokens: [1, 2]\n", q)
			} else {
				src = fmt.Sprintf("runs:\n  - name: n\n    args:\n      model-name-or-path: %s\n", q)
			}
			f, err := config.Parse("sweep.yaml", []byte(src))
			if err != nil {
				t.Fatalf("%s %q: %v", field, v, err)
			}
			s, err := Expand(f)
			if err != nil {
				continue // rejected is fine
			}
			for _, r := range s.Runs {
				if !filepath.IsLocal(r.Rel) || path.Clean(r.Rel) != r.Rel || strings.Count(r.Rel, "/") < 4 {
					t.Errorf("%s %q: run dir %q escapes or collapses", field, v, r.Rel)
				}
				for _, seg := range strings.Split(r.Rel, "/") {
					if seg == ".." || seg == "." || strings.HasPrefix(seg, ".") || strings.ContainsAny(seg, "$`'\"; ~") {
						t.Errorf("%s %q: segment %q of %q", field, v, seg, r.Rel)
					}
				}
			}
		}
	}
}
