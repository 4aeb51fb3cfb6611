package rundir

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

func TestSegment(t *testing.T) {
	tests := []struct{ in, want string }{
		{"google--gemma-3-1b-it", "google--gemma-3-1b-it"},
		{"", "_"},
		{".", "_"},
		{"..", "_."},
		{"../x", "_._x"},
		{"$(touch /tmp/x)", "__touch__tmp_x_"},
		{"a b\nc", "a_b_c"},
		{"Qwen3.5-9B", "Qwen3.5-9B"},
		{"é", "__"},
		{strings.Repeat("a", 300), strings.Repeat("a", 200)},
	}
	for _, tt := range tests {
		got := Segment(tt.in)
		if got != tt.want {
			t.Errorf("Segment(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !filepath.IsLocal(got) || strings.ContainsRune(got, '/') {
			t.Errorf("Segment(%q) = %q is not one local segment", tt.in, got)
		}
	}
}

func TestModelDir(t *testing.T) {
	for _, id := range []string{"google/gemma-3-1b-it", "Qwen/Qwen3-30B-A3B-Thinking-2507", "moonshotai/Kimi-K2-Instruct", "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-FP8"} {
		d := ModelDir(id)
		if strings.Contains(d, "/") {
			t.Errorf("ModelDir(%q) = %q", id, d)
		}
		if back := ModelFromDir(d); back != id {
			t.Errorf("ModelFromDir(ModelDir(%q)) = %q", id, back)
		}
	}
	for in, want := range map[string]string{"/models/DeepSeek-R1": "models--DeepSeek-R1", "./local/m": "local--m", "../../etc": "_.--..--etc", "m": "m"} {
		if got := ModelDir(in); got != want {
			t.Errorf("ModelDir(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGMU(t *testing.T) {
	for in, want := range map[float64]string{0.9: "90", 0.95: "95", 0.925: "92.5", 1: "100", 0.05: "5", 0.8888: "88.88"} {
		if got := GMU(in); got != want {
			t.Errorf("GMU(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestLeafAndSpecDir(t *testing.T) {
	c := snapshot.Config{TP: 1, PP: 1, MaxNumSeqs: snapshot.Ptr(512), MaxNumBatchedTokens: snapshot.Ptr(32768),
		GPUMemoryUtilization: snapshot.Ptr(0.95), BlockSize: snapshot.Ptr(16), KVCacheDtype: snapshot.Ptr("auto"),
		Quantization: snapshot.Ptr("none"), Spec: snapshot.Ptr("ngram_6")}
	if got := LeafDir(c); got != "mns_512-mnbt_32768-gmu_95-bs_16-kvc_auto-quant_none" {
		t.Errorf("LeafDir = %q", got)
	}
	if got := SpecDir(c); got != "spec_ngram_6" {
		t.Errorf("SpecDir = %q", got)
	}
	if got := ParallelDir(2, 1, 4); got != "tp2-pp1-dp4" {
		t.Errorf("ParallelDir = %q", got)
	}
}

// Lines from /work/shared/reference/vllm-logs/failures.txt section 6 and
// slurm-single-node.md (the cluster CI runs).
func TestReasonFromSlurmLog(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"time limit, local cluster", "lineup: run x\nslurmstepd-vm: error: *** JOB 14 ON vm CANCELLED AT 2026-11-28T05:31:38 DUE TO TIME LIMIT ***\n", snapshot.ReasonTimeout},
		{"time limit, job and step", "srun: Job step aborted: Waiting up to 47 seconds for job step to finish.\nslurmstepd: error: *** JOB 494583 ON ... CANCELLED AT 2024-04-20T09:09:37 DUE TO TIME LIMIT ***\nslurmstepd: error: *** STEP 494583.0 ON ... CANCELLED AT 2024-04-20T09:09:37 DUE TO TIME LIMIT ***\n", snapshot.ReasonTimeout},
		{"glued to a progress bar", " 22%|██▏       | 11/50 [1:55:26<6:49:05, 629.37s/it]slurmstepd: error: *** JOB 42221 ON clr1247 CANCELLED AT 2022-04-14T16:20:46 DUE TO TIME LIMIT ***", snapshot.ReasonTimeout},
		{"scancel", "slurmstepd: error: *** JOB 3737 ON compute-dy-t3large-2 CANCELLED AT 2021-08-03T16:28:28 ***\nslurmstepd: error: *** STEP 3737.0 ON compute-dy-t3large-2 CANCELLED AT 2021-08-03T16:28:28 ***\n", snapshot.ReasonCancelled},
		{"preemption", "[2026-03-25T10:34:07.531] error: *** JOB 11509447 ON nodeau01 CANCELLED AT 2026-03-25T10:34:07 DUE TO PREEMPTION ***\n", snapshot.ReasonPreempted},
		{"node failure", "slurmstepd: error: *** STEP 1943824.0 ON jean-zay-iam17 CANCELLED AT 2023-03-06T03:17:51 DUE TO NODE FAILURE, SEE SLURMCTLD LOG FOR DETAILS ***\n", snapshot.ReasonNodeFail},
		{"none", "INFO 08-31 08:05:09 [api_server.py:1475] Starting vLLM API server 0 on http://0.0.0.0:8080\n", ""},
	}
	for _, tt := range tests {
		if got := ReasonFromSlurmLog(tt.text); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func FuzzReasonFromSlurmLog(f *testing.F) {
	f.Add("slurmstepd-vm: error: *** JOB 14 ON vm CANCELLED AT 2026-11-28T05:31:38 DUE TO TIME LIMIT ***")
	f.Add("slurmstepd: error: *** JOB 3737 ON h CANCELLED AT 2021-08-03T16:28:28 ***")
	f.Add("*** STEP 1.0 ON h CANCELLED AT x DUE TO NODE FAILURE, SEE SLURMCTLD LOG FOR DETAILS ***")
	f.Fuzz(func(t *testing.T, s string) {
		switch r := ReasonFromSlurmLog(s); r {
		case "":
			if strings.Contains(s, "CANCELLED AT") && strings.Contains(s, " ***") && slurmCancel.MatchString(s) {
				t.Fatalf("notice matched but no reason")
			}
		case snapshot.ReasonTimeout, snapshot.ReasonCancelled, snapshot.ReasonPreempted, snapshot.ReasonNodeFail:
			if !strings.Contains(s, "CANCELLED AT") {
				t.Fatalf("%q from text without CANCELLED AT", r)
			}
		default:
			t.Fatalf("unexpected reason %q", r)
		}
	})
}
