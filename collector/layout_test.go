package collector

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Paths from ../shared/reference/datatrove-run-layout.md §1 (build_run_path
// and analyze_results.parse_path_fields' permissive forms) and the seed
// README's "Output Structure".
func TestParsePath(t *testing.T) {
	for _, c := range []struct {
		path string
		ok   bool
		want Location
	}{
		{"exp/default/gemma_3_1b_it/tp2-pp1-dp1/mns_256/mnbt_8192/gmu_95/bs_16/kvc_fp8e4m3/spec_ngram_5/quant_bnb/inference_logs", true,
			Location{Layout: LayoutDatatrove, Experiment: "exp", Prompt: "default", ModelDir: "gemma_3_1b_it", TP: 2, PP: 1, DP: 1, Spec: "ngram_5",
				MaxNumSeqs: 256, MaxNumBatchedTokens: 8192, GMUPercent: 95, BlockSize: 16, KVCacheDtype: "fp8e4m3", Quantization: "bnb"}},
		{"Qwen3-4B/tp4-pp1-dp1/spec_none/logs/inference", true, Location{Layout: LayoutSeed, ModelDir: "Qwen3-4B", TP: 4, PP: 1, DP: 1, Spec: "none"}},
		{"data/Qwen3-4B/tp_2/spec_ngram_5", true, Location{Layout: LayoutSeed, Experiment: "data", ModelDir: "Qwen3-4B", TP: 2, PP: 1, Spec: "ngram_5"}},
		{"m/tp8_pp2/other", true, Location{Layout: LayoutSeed, ModelDir: "m", TP: 8, PP: 2, Spec: "none"}},
		{"m/tp-8", true, Location{Layout: LayoutSeed, ModelDir: "m", TP: 8, PP: 1, Spec: "none"}},
		{"tp1-pp1-dp1", true, Location{Layout: LayoutSeed, TP: 1, PP: 1, DP: 1, Spec: "none"}},
		{"m/tpx/spec_none", false, Location{}},
		{"m/tp0-pp1-dp1", false, Location{}},
		{"", false, Location{}},
		{"models/typo/inference_logs", false, Location{}},
	} {
		got, ok := ParsePath(c.path)
		if ok != c.ok || got != c.want {
			t.Errorf("ParsePath(%q) = %+v, %v\nwant %+v, %v", c.path, got, ok, c.want, c.ok)
		}
	}
}

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{
		"exp/default/gemma_3_1b_it/tp2-pp1-dp1/mns_256/mnbt_8192/gmu_95/bs_16/kvc_auto/spec_none/quant_none/inference_logs",
		"Qwen3-4B/tp4-pp1-dp1/spec_none/logs/inference", "m/tp_2", "tp999999999999-pp-dp", "a/tp1/mns_/gmu_x", "\\tp1\\spec_",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		loc, ok := ParsePath(p)
		if !ok {
			return
		}
		if loc.TP < 1 || loc.PP < 1 || loc.DP < 0 || loc.Spec == "" {
			t.Fatalf("ParsePath(%q) = %+v: tp/pp below 1 or no spec", p, loc)
		}
		if loc.ModelDir != "" && !strings.Contains(p, loc.ModelDir) {
			t.Fatalf("model dir %q not in the path %q", loc.ModelDir, p)
		}
	})
}

// jobIDOracle is the seed's pattern, widened to "<jobid>.out" as JobID
// documents, in the regexp JobID's byte scan replaces.
var jobIDOracle = regexp.MustCompile(`(\d+)(?:_\d+)?\.out$`)

// .out names: datatrove-run-layout.md §2 ("<jobid>_<array>.out", the seed
// reading its job id with `(\d+)_\d+\.out$`), the launcher's "%j.out"
// (launcher/executor.go), and prefixes and damage a tree may hold.
func TestJobID(t *testing.T) {
	for name, want := range map[string]string{
		"21899807_0.out":       "21899807",
		"21899807.out":         "21899807",
		"slurm-21899807_3.out": "21899807",
		"slurm-21899807.out":   "21899807",
		"1_2_3.out":            "2",
		"a_12.out":             "12",
		"_12.out":              "12",
		"12_.out":              "",
		"run.out":              "",
		".out":                 "",
		"21899807_0.log":       "",
		"21899807_0.out.bak":   "",
		"٣_1.out":              "1", // only ASCII digits
	} {
		if got := JobID(name); got != want {
			t.Errorf("JobID(%q) = %q, want %q", name, got, want)
		}
	}
}

func FuzzJobID(f *testing.F) {
	for _, s := range []string{"21899807_0.out", "slurm-1.out", "1_2_3.out", "_.out", "12_.out", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		want := ""
		if m := jobIDOracle.FindStringSubmatch(name); m != nil {
			want = m[1]
		}
		if got := JobID(name); got != want {
			t.Fatalf("JobID(%q) = %q, the pattern finds %q", name, got, want)
		}
	})
}

// TestInferenceRel: the inference directory relative to its run directory,
// as the three layouts place it, and by filepath.Rel when the walk handed
// a pair that is not a directory and one below it.
func TestInferenceRel(t *testing.T) {
	for _, c := range []struct{ dir, inf, want string }{
		{"/t/run", "/t/run/inference_logs", "inference_logs"},
		{"/t/run", "/t/run/logs/inference", "logs/inference"},
		{"/t/run", "/t/run/inference", "inference"},
		{"/", "/inference_logs", "inference_logs"},
		{"/t/run", "/t/runx/inference", "../runx/inference"},
	} {
		if got := inferenceRel(filepath.FromSlash(c.dir), filepath.FromSlash(c.inf)); got != c.want {
			t.Errorf("inferenceRel(%q, %q) = %q, want %q", c.dir, c.inf, got, c.want)
		}
	}
}
