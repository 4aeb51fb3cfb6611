package launcher

// Integration tests against a real single-node SLURM cluster
// (.ci/slurm-up.sh, after /work/shared/reference/slurm-single-node.md) and
// the stand-in vllm and nvidia-smi programs under testdata/, built by the
// tests and put first on PATH (sbatch passes the environment to the jobs).
// Without a cluster they skip loudly, unless LINEUP_REQUIRE_SLURM is set,
// which makes them fail.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/launcher/rundir"
	"github.com/lineup-dev/lineup/launcher/slurmtest"
)

var standIns struct {
	once sync.Once
	dir  string
	err  error
}

// standInPath builds testdata/vllm and testdata/nvidia-smi once and puts
// their directory first on PATH for the test.
func standInPath(t *testing.T) {
	t.Helper()
	standIns.once.Do(func() {
		dir, err := os.MkdirTemp("", "lineup-standins-")
		if err != nil {
			standIns.err = err
			return
		}
		standIns.dir = dir
		out, err := exec.Command("go", "build", "-o", dir, "./testdata/vllm", "./testdata/nvidia-smi").CombinedOutput()
		if err != nil {
			standIns.err = fmt.Errorf("build stand-ins: %v\n%s", err, out)
		}
	})
	if standIns.err != nil {
		t.Fatal(standIns.err)
	}
	t.Setenv("PATH", standIns.dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func TestMain(m *testing.M) {
	code := m.Run()
	if standIns.dir != "" {
		os.RemoveAll(standIns.dir)
	}
	os.Exit(code)
}

// needSlurm skips (loudly) or fails when no cluster answers.
func needSlurm(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "sinfo", "--noheader", "--format=%T").CombinedOutput()
	state := strings.TrimSpace(string(out))
	if err == nil && state != "" && !strings.Contains(state, "down") {
		return
	}
	msg := fmt.Sprintf("NO SLURM CLUSTER ANSWERS (sinfo: %v %q): start one with `bash .ci/slurm-up.sh` (as root)", err, state)
	if os.Getenv("LINEUP_REQUIRE_SLURM") != "" {
		t.Fatal(msg + "; LINEUP_REQUIRE_SLURM is set, so this is a failure")
	}
	t.Skip("SKIPPING SLURM INTEGRATION TEST: " + msg)
}

// slurmSweep writes a sweep file in a fresh directory; every run's jobs
// are cancelled when the test ends.
func slurmSweep(t *testing.T, src string) (cfg, wd string) {
	t.Helper()
	wd = t.TempDir()
	cfg = writeConfig(t, wd, src)
	t.Cleanup(func() { slurmtest.CancelJobs(t, wd) })
	return cfg, wd
}

func launch(t *testing.T, o Options) *Summary {
	t.Helper()
	sum, err := Launch(context.Background(), o)
	if err != nil {
		t.Fatalf("launch: %v\n%s", err, o.Stdout)
	}
	return sum
}

// waitFinished polls Status until no run is pending or running.
func waitFinished(t *testing.T, o Options, limit time.Duration) []StatusRow {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		rows, err := Status(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		busy := slices.ContainsFunc(rows, func(r StatusRow) bool { return r.State == StatePending || r.State == StateRunning })
		if !busy {
			return rows
		}
		if time.Now().After(deadline) {
			t.Fatalf("runs still busy after %s: %+v", limit, rows)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// Sweep files follow the seed's format (/work/shared/seed/vllm-benchmark-README.md).
const slurmSix = `continue_on_failure: true
fixed_args:
  qos: high
  time: "0:05:00"
  model-max-context: 2048
  max-tokens: 16
  random-input-len: 8
  num-prompts: 12
  max-concurrency: 4
  health-timeout: 60
  output-dir: results
runs:
  - name: small
    args:
      model-name-or-path: google/gemma-3-1b-it
      tp: [1, 2, 4]
      speculative-config: [None, "ngram:6"]
`

func TestSlurmSweepCompletesAndRerunSubmitsNothing(t *testing.T) {
	needSlurm(t)
	standInPath(t)
	cfg, wd := slurmSweep(t, slurmSix)
	var out bytes.Buffer
	o := opts(cfg, wd, &Slurm{}, &out)
	o.Now = nil
	sum := launch(t, o)
	if sum.Submitted != 6 {
		t.Fatalf("submitted %d of 6\n%s", sum.Submitted, out.String())
	}
	rows := waitFinished(t, o, 3*time.Minute)
	for i, r := range rows {
		if r.State != StateDone {
			log, _ := os.ReadFile(filepath.Join(r.Dir, rundir.SlurmLogDir, r.JobID+".out"))
			t.Fatalf("run %s: %s (%s)\n%s", r.Name, r.Label(), r.Detail, log)
		}
		d := sum.Decisions[i]
		checkRunDir(t, r.Dir, d.Run.Config.TP, d.JobID, 12)
	}

	out.Reset()
	sum = launch(t, o)
	if sum.Submitted != 0 || sum.Skipped[StateDone] != 6 {
		t.Errorf("re-run: %s\n%s", sum, out.String())
	}
}

// checkRunDir checks what a finished job left: run.json, env.json as the
// stand-in nvidia-smi and vllm report it, status.json, the server log with
// stats lines, and the bench result.
func checkRunDir(t *testing.T, dir string, gpus int, jobID string, prompts int) {
	t.Helper()
	m, err := rundir.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(m.Submissions); n == 0 || m.Submissions[n-1].JobID != jobID {
		t.Errorf("%s: submissions %+v, want job %s", dir, m.Submissions, jobID)
	}
	st, err := rundir.ReadStatus(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != rundir.StatusOK || st.ExitCode != 0 || st.JobID != jobID || st.End.Before(st.Start) {
		t.Errorf("%s: status %+v", dir, st)
	}
	env, err := rundir.ReadEnv(dir)
	if err != nil {
		t.Fatal(err)
	}
	if gpus > 0 && len(env.GPUs) != gpus {
		t.Errorf("%s: %d GPUs in env.json, want %d (the job's --gres)", dir, len(env.GPUs), gpus)
	}
	if len(env.GPUs) > 0 && (env.GPUs[0].Name != "NVIDIA H100 80GB HBM3" || env.GPUs[0].MemoryMiB != 81559 || env.GPUs[0].Driver != "580.159.04") {
		t.Errorf("%s: GPU %+v", dir, env.GPUs[0])
	}
	if env.VLLMVersion != "0.15.1" || len(env.Hostnames) == 0 {
		t.Errorf("%s: env %+v", dir, env)
	}
	if jobID != "" && !strings.HasPrefix(jobID, "local-") && env.Slurm["SLURM_JOB_ID"] != jobID {
		t.Errorf("%s: env.json SLURM_JOB_ID %q, want %s", dir, env.Slurm["SLURM_JOB_ID"], jobID)
	}
	log, err := os.ReadFile(filepath.Join(dir, rundir.ServerLogFile))
	if err != nil || !bytes.Contains(log, []byte("[api_server.py:1413] vLLM API server version 0.15.1")) {
		t.Errorf("%s: server log: %v\n%s", dir, err, log)
	}
	var res struct {
		Completed       int     `json:"completed"`
		TotalOutput     int     `json:"total_output_tokens"`
		OutputThroughpt float64 `json:"output_throughput"`
	}
	b, err := os.ReadFile(filepath.Join(dir, rundir.BenchResult))
	if err != nil || json.Unmarshal(b, &res) != nil || res.Completed != prompts || res.TotalOutput != prompts*16 || res.OutputThroughpt <= 0 {
		t.Errorf("%s: bench result %s (%v)", dir, b, err)
	}
}

func TestSlurmSkipsQueuedAndRunning(t *testing.T) {
	needSlurm(t)
	standInPath(t)
	// The "hang" stand-in never answers /health: the jobs stay running.
	cfg, wd := slurmSweep(t, strings.Replace(strings.Replace(slurmSix, "google/gemma-3-1b-it", "lineup-test/hang", 1), "tp: [1, 2, 4]", "tp: [1, 2]", 1))
	var out bytes.Buffer
	o := opts(cfg, wd, &Slurm{}, &out)
	o.Now = nil
	if sum := launch(t, o); sum.Submitted != 4 {
		t.Fatalf("submitted %d\n%s", sum.Submitted, out.String())
	}
	out.Reset()
	sum := launch(t, o)
	if sum.Submitted != 0 || sum.Skipped[StatePending]+sum.Skipped[StateRunning] != 4 {
		t.Errorf("re-run while queued/running: %s\n%s", sum, out.String())
	}
}

func TestSlurmConcurrentLaunchesSubmitOnce(t *testing.T) {
	needSlurm(t)
	standInPath(t)
	cfg, wd := slurmSweep(t, strings.Replace(slurmSix, "google/gemma-3-1b-it", "lineup-test/hang", 1))
	var wg sync.WaitGroup
	sums := make([]*Summary, 2)
	errs := make([]error, 2)
	outs := make([]bytes.Buffer, 2)
	for i := range sums {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := opts(cfg, wd, &Slurm{}, &outs[i])
			o.Now, o.LockWait = nil, time.Minute
			sums[i], errs[i] = Launch(context.Background(), o)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("launch %d: %v\n%s", i, err, outs[i].String())
		}
	}
	if total := sums[0].Submitted + sums[1].Submitted; total != 6 {
		t.Errorf("%d + %d submissions for 6 runs", sums[0].Submitted, sums[1].Submitted)
	}
	for _, d := range sums[0].Decisions {
		m, err := rundir.ReadManifest(d.Dir)
		if err != nil || len(m.Submissions) != 1 {
			t.Errorf("%s: %v %+v", d.Run.Name, err, m)
		}
	}
}

func TestSlurmOOMSkippedThenRetried(t *testing.T) {
	needSlurm(t)
	standInPath(t)
	src := strings.Replace(strings.Replace(slurmSix, "google/gemma-3-1b-it", "lineup-test/oom-model", 1), "tp: [1, 2, 4]\n      speculative-config: [None, \"ngram:6\"]", "tp: 1", 1)
	cfg, wd := slurmSweep(t, src)
	var out bytes.Buffer
	o := opts(cfg, wd, &Slurm{}, &out)
	o.Now = nil
	if sum := launch(t, o); sum.Submitted != 1 {
		t.Fatalf("submitted %d", sum.Submitted)
	}
	rows := waitFinished(t, o, 2*time.Minute)
	if rows[0].Label() != "failed:OOM" || !strings.Contains(rows[0].Detail, "torch.OutOfMemoryError: CUDA out of memory") {
		t.Fatalf("state %s, detail %q", rows[0].Label(), rows[0].Detail)
	}
	out.Reset()
	if sum := launch(t, o); sum.Submitted != 0 || sum.Skipped["failed:OOM"] != 1 {
		t.Errorf("default re-run: %s\n%s", sum, out.String())
	}
	o.SkipReasons = ParseSkipReasons("none")
	sum := launch(t, o)
	if sum.Submitted != 1 {
		t.Errorf("-skip-failure-reasons none: %s", sum)
	}
	rows = waitFinished(t, o, 2*time.Minute)
	m, _ := rundir.ReadManifest(rows[0].Dir)
	if rows[0].Label() != "failed:OOM" || rows[0].JobID != sum.Decisions[0].JobID || len(m.Submissions) != 2 {
		t.Errorf("after the retry: %+v, %d submissions", rows[0], len(m.Submissions))
	}
}

// TestSlurmTimeLimit takes over a minute: SLURM's time limits are whole
// minutes and the kill comes 60-70 s after the start.
func TestSlurmTimeLimit(t *testing.T) {
	needSlurm(t)
	standInPath(t)
	src := strings.NewReplacer("google/gemma-3-1b-it", "lineup-test/hang", `time: "0:05:00"`, `time: "0:00:05"`,
		"tp: [1, 2, 4]\n      speculative-config: [None, \"ngram:6\"]", "tp: 1", "health-timeout: 60", "health-timeout: 600").Replace(slurmSix)
	cfg, wd := slurmSweep(t, src)
	var out bytes.Buffer
	o := opts(cfg, wd, &Slurm{}, &out)
	o.Now = nil
	launch(t, o)
	rows := waitFinished(t, o, 3*time.Minute)
	if rows[0].Label() != "failed:timeout" {
		log, _ := os.ReadFile(filepath.Join(rows[0].Dir, rundir.SlurmLogDir, rows[0].JobID+".out"))
		t.Fatalf("state %s (%s)\n%s", rows[0].Label(), rows[0].Source, log)
	}
	out.Reset()
	if sum := launch(t, o); sum.Submitted != 0 || sum.Skipped["failed:timeout"] != 1 {
		t.Errorf("re-run: %s", sum)
	}
}

func TestSlurmTwoNodesOnOneNodeCluster(t *testing.T) {
	needSlurm(t)
	standInPath(t)
	src := strings.Replace(slurmSix, "tp: [1, 2, 4]\n      speculative-config: [None, \"ngram:6\"]", "tp: 2\n      nodes-per-task: 2", 1)
	cfg, wd := slurmSweep(t, src)
	var out bytes.Buffer
	o := opts(cfg, wd, &Slurm{}, &out)
	sum, err := Launch(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "Node count specification invalid") || !strings.Contains(err.Error(), "nodes-per-task") {
		t.Fatalf("error %v", err)
	}
	if sum.Submitted != 0 || len(sum.Failed) != 1 {
		t.Errorf("%s", sum)
	}
}

// TestLocalExecutorSameTree runs the six-run sweep with the local executor
// and compares its tree with the one the SLURM executor would write: same
// run directories, same files (job ids aside).
func TestLocalExecutorSameTree(t *testing.T) {
	standInPath(t)
	src := strings.Replace(slurmSix, "speculative-config: [None, \"ngram:6\"]", "speculative-config: [None]", 1)
	wd := t.TempDir()
	cfg := writeConfig(t, wd, src)
	var out bytes.Buffer
	o := opts(cfg, wd, &Local{}, &out)
	o.Now = nil
	sum := launch(t, o)
	if sum.Submitted != 3 {
		t.Fatalf("submitted %d\n%s", sum.Submitted, out.String())
	}
	rows, err := Status(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for i, r := range rows {
		if r.State != StateDone {
			t.Fatalf("%s: %s (%s)", r.Name, r.Label(), r.Detail)
		}
		checkRunDir(t, r.Dir, 0, sum.Decisions[i].JobID, 12)
		m, _ := rundir.ReadManifest(r.Dir)
		if m.Submissions[0].Executor != "local" || strings.Join(m.Submissions[0].Command, " ") != "bash "+filepath.Join(r.Dir, rundir.JobScriptFile) {
			t.Errorf("%s: submission %+v", r.Name, m.Submissions[0])
		}
		want[r.Dir] = true
	}
	// The same sweep dry-run with the SLURM executor names the same dirs.
	var dry bytes.Buffer
	od := opts(cfg, wd, &Slurm{}, &dry)
	od.DryRun = true
	ds, err := Launch(context.Background(), od)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds.Decisions {
		if !want[d.Dir] {
			t.Errorf("slurm run dir %s not in the local tree", d.Dir)
		}
	}
	files := func(dir string) []string {
		var fs []string
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(dir, p)
				if strings.HasPrefix(rel, rundir.SlurmLogDir) {
					rel = rundir.SlurmLogDir + "/<job>.out"
				}
				fs = append(fs, rel)
			}
			return nil
		})
		return fs
	}
	wantFiles := []string{rundir.JobScriptFile, rundir.BenchResult, "inference/bench.log", rundir.EnvFile, rundir.ServerLogFile, rundir.SlurmLogDir + "/<job>.out", rundir.StatusFile, rundir.ManifestFile}
	slices.Sort(wantFiles)
	for _, r := range rows {
		if got := files(r.Dir); !slices.Equal(got, wantFiles) {
			t.Errorf("%s: files %q, want %q", r.Name, got, wantFiles)
		}
	}
	// A second local launch finds everything done.
	if sum := launch(t, o); sum.Submitted != 0 || sum.Skipped[StateDone] != 3 {
		t.Errorf("re-run: %s", sum)
	}
}

// TestLocalScriptWorkload runs the seed's kind of sweep, with a script, on
// the local executor: the script gets every workload argument and the
// LINEUP_* variables; a script that dies with a CUDA OOM is classified OOM.
func TestLocalScriptWorkload(t *testing.T) {
	standInPath(t)
	wd := t.TempDir()
	// The OOM line is from /work/shared/reference/vllm-logs/failures.txt
	// (section 3, vllm-project/vllm issue #27508).
	script := `import json, os, sys
with open(os.path.join(os.environ["LINEUP_RUN_DIR"], "inference", "args.json"), "w") as f:
    json.dump({"argv": sys.argv[1:], "model": os.environ["LINEUP_MODEL"], "tp": os.environ["LINEUP_TP"]}, f)
if "--tp" in sys.argv and sys.argv[sys.argv.index("--tp") + 1] == "2":
    print("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 786.00 MiB. GPU 0 has a total capacity of 79.11 GiB of which 140.75 MiB is free.")
    sys.exit(1)
`
	os.WriteFile(filepath.Join(wd, "generate.py"), []byte(script), 0o644)
	cfg := writeConfig(t, wd, `script: generate.py
fixed_args:
  max-tokens: 16
  output-dataset-name: "it's $(here)"
  output-dir: data
runs:
  - name: s
    args:
      model-name-or-path: Qwen/Qwen3-4B-Thinking-2507
      tp: [1, 2]
`)
	var out bytes.Buffer
	o := opts(cfg, wd, &Local{}, &out)
	o.Now = nil
	sum := launch(t, o)
	if sum.Submitted != 2 {
		t.Fatalf("%s\n%s", sum, out.String())
	}
	rows, err := Status(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if rows[0].Label() != "done" || rows[1].Label() != "failed:"+snapshot.ReasonOOM {
		t.Fatalf("states %s, %s (%s)", rows[0].Label(), rows[1].Label(), rows[1].Detail)
	}
	var got struct {
		Argv      []string
		Model, TP string
	}
	b, err := os.ReadFile(filepath.Join(rows[0].Dir, "inference", "args.json"))
	if err != nil || json.Unmarshal(b, &got) != nil {
		t.Fatalf("args.json: %v %s", err, b)
	}
	want := []string{"--max-tokens", "16", "--model-name-or-path", "Qwen/Qwen3-4B-Thinking-2507", "--output-dataset-name", "it's $(here)", "--output-dir", filepath.Join(wd, "data", "s"), "--tp", "1"}
	if !slices.Equal(got.Argv, want) || got.Model != "Qwen/Qwen3-4B-Thinking-2507" || got.TP != "1" {
		t.Errorf("script got %q %q %q, want %q", got.Argv, got.Model, got.TP, want)
	}
}

// TestLocalHealthTimeout: a server that never answers /health within
// health-timeout fails as server_fail with the log's last lines.
func TestLocalHealthTimeout(t *testing.T) {
	standInPath(t)
	wd := t.TempDir()
	cfg := writeConfig(t, wd, "fixed_args:\n  health-timeout: 2\nruns:\n  - name: h\n    args:\n      model-name-or-path: lineup-test/hang\n")
	var out bytes.Buffer
	o := opts(cfg, wd, &Local{}, &out)
	o.Now = nil
	launch(t, o)
	rows, err := Status(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if rows[0].Label() != "failed:"+snapshot.ReasonServerFail || !strings.Contains(rows[0].Detail, "no answer from /health within 2s") ||
		!strings.Contains(rows[0].Detail, "Starting to load model lineup-test/hang") {
		t.Errorf("%s: %q", rows[0].Label(), rows[0].Detail)
	}
}

// TestLocalPortClashRetried: a server whose port was taken after the job
// picked it is started again on another port.
func TestLocalPortClashRetried(t *testing.T) {
	standInPath(t)
	wd := t.TempDir()
	cfg := writeConfig(t, wd, "fixed_args:\n  max-tokens: 16\n  num-prompts: 4\nruns:\n  - name: p\n    args:\n      model-name-or-path: lineup-test/portclash\n")
	var out bytes.Buffer
	o := opts(cfg, wd, &Local{}, &out)
	o.Now = nil
	sum := launch(t, o)
	rows, err := Status(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	log, _ := os.ReadFile(filepath.Join(rows[0].Dir, rundir.SlurmLogDir, sum.Decisions[0].JobID+".out"))
	if rows[0].State != StateDone || !bytes.Contains(log, []byte("is taken; trying another")) {
		t.Errorf("%s (%s)\n%s", rows[0].Label(), rows[0].Detail, log)
	}
}
