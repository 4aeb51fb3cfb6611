package logparse

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// TestFailureExcerpts classifies every excerpt of failures.txt; the reason
// and the line that shows it are read off the excerpt by hand ("" when the
// excerpt holds no failure text we classify).
func TestFailureExcerpts(t *testing.T) {
	set := newExcerptSet(t, "failures.txt")
	tests := []struct {
		source   string
		reason   string
		evidence string // a substring of the returned line
	}{
		// config line, "# GPU blocks" and the start of a traceback: the error itself is not in the excerpt
		{"issue #2418", "", ""},
		{"BatsResearch/bonito", snapshot.ReasonKVCacheTooSmall, "larger than the maximum number of tokens that can be stored in KV cache (16816)"},
		// cache blocks, KV too small and CUDA OOM in one file: the seed's OOM patterns come first
		{"Sequence of three successive failures", snapshot.ReasonOOM, "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 270.00 MiB"},
		{"Indonesian deployment notes", snapshot.ReasonKVCacheTooSmall, "52.66 GiB KV cache is needed, which is larger than the available KV cache memory"},
		{"stray opening parenthesis", snapshot.ReasonKVCacheTooSmall, "(1.00 GiB KV cache is needed"},
		{"spec-decode draft head", snapshot.ReasonKVCacheTooSmall, "13.53 GiB KV cache is needed"},
		// the seed: ValueError ... No available memory for the cache blocks => OOM
		{"MiniMax-M2.7", snapshot.ReasonOOM, "ValueError: No available memory for the cache blocks"},
		{"gpt-oss-120b can't run on H100\" (Oct 2025)", snapshot.ReasonEngineInitFailed, "RuntimeError: Engine core initialization failed."},
		{"studio-dots-ai/dots.ocr", snapshot.ReasonOOM, "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 74.16 GiB."},
		// the API server's EngineDeadError only points at a stack trace that is not in the excerpt
		{"noonghunna/club-3090 issue #58", "", ""},
		{"(turn 2, 2025-10-31)", snapshot.ReasonOOM, "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 786.00 MiB."},
		{"club-3090 issue #60", snapshot.ReasonOOM, "RuntimeError: CUDA driver error: out of memory"},
		{"issue #11251", "", ""},
		{"issue #7800", snapshot.ReasonNCCL, "NCCL error: unhandled system error"},
		// the traceback frames of #39774 do not include the error line
		{"issue #39774", "", ""},
		// NCCL INFO lines are not errors
		{"NCCL INFO lines (hostname:pid:tid", "", ""},
		{"VITA-MLLM/VITA", snapshot.ReasonEngineInitFailed, "The number of required GPUs exceeds the total number of available GPUs"},
		{"gpustack/gpustack issue #2415", "", ""},
		{"issue #12983", snapshot.ReasonEngineInitFailed, "Ray does not allocate any GPUs on the driver node"},
		{"gpustack/gpustack issue #5056", "", ""},
		// the last match: the STEP line after the JOB line
		{"ZettaAI/zetta_utils", snapshot.ReasonTimeout, "*** STEP 494583.0 ON ... CANCELLED AT 2024-04-20T09:09:37 DUE TO TIME LIMIT ***"},
		{"Nextomics/NextDenovo", snapshot.ReasonTimeout, "*** JOB 867816 ON c0700a-s1 CANCELLED AT 2021-05-11T12:06:17 DUE TO TIME LIMIT ***"},
		{"GLUED to the end", snapshot.ReasonTimeout, "629.37s/it]slurmstepd: error: *** JOB 42221"},
		{"two array jobs", snapshot.ReasonTimeout, "*** JOB 13324410 ON cdr798"},
		{"\"slurmstepd-<host>:\" prefix variant", snapshot.ReasonTimeout, "slurmstepd-...: error: *** JOB 3161915"},
		{"NEWER Slurm", snapshot.ReasonPreempted, "DUE TO PREEMPTION ***"},
		{"Jean Zay", snapshot.ReasonNodeFail, "*** STEP 1943824.0 ON jean-zay-iam17 CANCELLED AT 2023-03-06T03:17:51 DUE TO NODE FAILURE"},
		{"banyan-team", snapshot.ReasonCancelled, "*** STEP 3737.0 ON compute-dy-t3large-2 CANCELLED AT 2021-08-03T16:28:28 ***"},
		{"lyulyul/shine-cluster", snapshot.ReasonCancelled, "*** STEP 204.0 ON localhost CANCELLED AT 2021-02-13T16:38:01 ***"},
		{"# source: public GitHub file\n", snapshot.ReasonOOM, "Detected 1 oom-kill event(s)"},
		{"KAUST Cray", snapshot.ReasonTimeout, "0: slurmstepd: error: *** STEP 16076077.0 ON nid01376 CANCELLED AT 2020-10-28T19:25:55 DUE TO TIME LIMIT ***"},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			key := tt.source
			if strings.HasSuffix(key, "\n") { // the source line is exactly this
				key = strings.TrimSuffix(key, "\n")
				for i, e := range set.all {
					if e.source == key {
						set.used[i] = true
						key = ""
						classifyCheck(t, e.text, tt.reason, tt.evidence)
					}
				}
				if key != "" {
					t.Fatalf("no excerpt with source line %q", key)
				}
				return
			}
			classifyCheck(t, set.get(key), tt.reason, tt.evidence)
		})
	}
	set.checkAllUsed()
}

func classifyCheck(t *testing.T, text, reason, evidence string) {
	t.Helper()
	got, ev, err := ClassifyFailure(strings.NewReader(text), int64(len(text)))
	if err != nil {
		t.Fatal(err)
	}
	if got != reason || !strings.Contains(ev, evidence) {
		t.Errorf("ClassifyFailure = %q, %q; want %q with %q", got, ev, reason, evidence)
	}
	if len(ev) > maxDropText {
		t.Errorf("evidence of %d bytes", len(ev))
	}
}

// TestClassifyFailureWindows: the tail is read first, then the head, like
// the seed; text in the middle of a large file is not seen.
func TestClassifyFailureWindows(t *testing.T) {
	filler := strings.Repeat("INFO 05-19 10:13:11 [loggers.py:271] Engine 000: Avg prompt throughput: 0.0 tokens/s\n", 2*FailureWindow/80)
	const oom = "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 50.00 MiB.\n"
	const limit = "slurmstepd: error: *** JOB 42221 ON clr1247 CANCELLED AT 2022-04-14T16:20:46 DUE TO TIME LIMIT ***\n"
	tests := []struct {
		name, text, reason string
	}{
		{"tail wins over head", oom + filler + limit, snapshot.ReasonTimeout},
		{"head when the tail has nothing", oom + filler, snapshot.ReasonOOM},
		{"middle is not read", filler + oom + filler, ""},
		{"precedence within a window", limit + oom, snapshot.ReasonOOM},
		{"case-insensitive", "CUDA OUT OF MEMORY\n", snapshot.ReasonOOM},
		// datatrove's wrapper only when nothing more specific is there
		{"server_fail", "Failed to start VLLMServer server after 1 retries\n", snapshot.ReasonServerFail},
		{"kv over server_fail", "Server encountered unrecoverable error: To serve at least one request with the model's max seq len (8192), (1.00 GiB KV cache is needed, which is larger than the available KV cache memory (0.81 GiB).\n", snapshot.ReasonKVCacheTooSmall},
		{"empty", "", ""},
		{"binary", "\x00\xff\xfe\x01\x02", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := ClassifyFailure(strings.NewReader(tt.text), int64(len(tt.text)))
			if err != nil || got != tt.reason {
				t.Errorf("ClassifyFailure = %q, %v; want %q", got, err, tt.reason)
			}
		})
	}
}

func TestClassifyFailureReadError(t *testing.T) {
	boom := errors.New("boom")
	_, _, err := ClassifyFailure(errReaderAt{boom}, 10)
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want %v", err, boom)
	}
	// a file shorter than it claimed is read as far as it goes
	r := bytes.NewReader([]byte("CUDA out of memory"))
	if got, _, err := ClassifyFailure(r, 1000); err != nil || got != snapshot.ReasonOOM {
		t.Errorf("short file: %q, %v", got, err)
	}
}

type errReaderAt struct{ err error }

func (e errReaderAt) ReadAt([]byte, int64) (int, error) { return 0, e.err }
