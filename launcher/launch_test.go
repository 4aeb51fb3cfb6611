package launcher

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/launcher/rundir"
)

// fakeExec is an Executor in memory: submitted jobs stay alive (pending)
// until a test finishes them.
type fakeExec struct {
	mu        sync.Mutex
	next      int
	submitted []Job
	alive     map[string]JobState
	history   map[string]JobState
	failOn    map[string]error // job name -> submit error
}

func newFake() *fakeExec {
	return &fakeExec{next: 100, alive: map[string]JobState{}}
}

func (f *fakeExec) Name() string { return "slurm" }
func (f *fakeExec) Command(j Job) []string {
	return (&Slurm{}).Command(j)
}
func (f *fakeExec) Submit(ctx context.Context, j Job) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failOn[j.Name]; err != nil {
		return "", err
	}
	id := strconv.Itoa(f.next)
	f.next++
	f.submitted = append(f.submitted, j)
	f.alive[id] = JobState{State: "PENDING", Elapsed: "0:00"}
	return id, nil
}
func (f *fakeExec) Alive(ctx context.Context, ids []string) (map[string]JobState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := map[string]JobState{}
	for _, id := range ids {
		if s, ok := f.alive[id]; ok {
			m[id] = s
		}
	}
	return m, nil
}
func (f *fakeExec) History(ctx context.Context, ids []string) (map[string]JobState, error) {
	if f.history == nil {
		return nil, ErrNoAccounting
	}
	return f.history, nil
}

// finish ends every alive job.
func (f *fakeExec) finish() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.alive = map[string]JobState{}
}

// Sweep files follow the seed's format (/work/shared/seed/vllm-benchmark-README.md).
const sixRuns = `continue_on_failure: true
fixed_args:
  qos: high
  time: "0:10:00"
  max-tokens: 64
  output-dir: out
runs:
  - name: small
    args:
      model-name-or-path: google/gemma-3-1b-it
      tp: [1, 2, 4]
      speculative-config: [None, "ngram:6"]
`

func writeConfig(t *testing.T, dir, src string) string {
	t.Helper()
	file := filepath.Join(dir, "sweep.yaml")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func opts(cfg, wd string, ex Executor, out io.Writer) Options {
	return Options{Config: cfg, WorkDir: wd, Executor: ex, Stdout: out, Stderr: out,
		Now: func() time.Time { return time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC) }}
}

func TestDryRunWritesNothing(t *testing.T) {
	wd := t.TempDir()
	cfg := writeConfig(t, wd, sixRuns)
	ex := newFake()
	var out bytes.Buffer
	o := opts(cfg, wd, ex, &out)
	o.DryRun, o.Verbose = true, true
	sum, err := Launch(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Submitted != 6 || len(ex.submitted) != 0 {
		t.Errorf("would submit %d, submitted %d", sum.Submitted, len(ex.submitted))
	}
	if _, err := os.Stat(filepath.Join(wd, "out")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dry run created the output directory: %v", err)
	}
	first := filepath.Join(wd, "out/small/google--gemma-3-1b-it/tp1-pp1-dp1/spec_none/mns_256-mnbt_8192-gmu_90-bs_16-kvc_auto-quant_none")
	wantCmd := "sbatch --parsable --job-name=lineup_small --output=" + first + "/inference/slurm_logs/%j.out " + first + "/job.sbatch"
	if !strings.Contains(out.String(), "submit small (not submitted)\n    "+wantCmd+"\n") {
		t.Errorf("dry-run output lacks the first run's command %q:\n%s", wantCmd, out.String())
	}
	if !strings.Contains(out.String(), "    #SBATCH --qos=high\n") {
		t.Errorf("-v did not print the job script")
	}
	if !strings.HasSuffix(out.String(), "dry run: 6 runs: would submit 6 (nothing written, nothing submitted)\n") {
		t.Errorf("summary: %q", out.String()[max(0, out.Len()-120):])
	}
}

func TestLaunchAndRelaunch(t *testing.T) {
	wd := t.TempDir()
	cfg := writeConfig(t, wd, sixRuns)
	ex := newFake()
	var out bytes.Buffer
	ctx := context.Background()
	sum, err := Launch(ctx, opts(cfg, wd, ex, &out))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Submitted != 6 || len(ex.submitted) != 6 {
		t.Fatalf("submitted %d/%d\n%s", sum.Submitted, len(ex.submitted), out.String())
	}
	// run.json records the config, the job and the command.
	dir := sum.Decisions[3].Dir
	m, err := rundir.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Model != "google/gemma-3-1b-it" || m.Config.TP != 2 || *m.Config.Spec != "ngram_6" || m.Name != "small_tp2_spec-ngram_6" ||
		len(m.Submissions) != 1 || m.Submissions[0].JobID != "103" || m.Submissions[0].Executor != "slurm" || m.Slurm["qos"] != "high" || m.LineupVersion == "" {
		t.Errorf("manifest %+v", m)
	}
	if got := strings.Join(m.Submissions[0].Command, " "); got != strings.Join(sum.Decisions[3].Command, " ") {
		t.Errorf("recorded command %q", got)
	}
	if _, err := os.Stat(filepath.Join(dir, rundir.JobScriptFile)); err != nil {
		t.Error(err)
	}

	// Re-run while queued: nothing submitted twice.
	out.Reset()
	sum, err = Launch(ctx, opts(cfg, wd, ex, &out))
	if err != nil || sum.Submitted != 0 || sum.Skipped[StatePending] != 6 {
		t.Fatalf("re-run while pending: %v %+v\n%s", err, sum, out.String())
	}

	// The jobs end: two ok, one OOM, one timeout (killed by SIGTERM, the
	// notice in the SLURM log), one that never wrote status.json, one
	// server_fail.
	ex.finish()
	ds := sum.Decisions
	writeStatus(t, ds[0].Dir, rundir.Status{State: rundir.StatusOK, JobID: "100"})
	writeStatus(t, ds[1].Dir, rundir.Status{State: rundir.StatusOK, JobID: "101"})
	writeStatus(t, ds[2].Dir, rundir.Status{State: rundir.StatusFailed, ExitCode: 1, Reason: snapshot.ReasonOOM, JobID: "102"})
	writeStatus(t, ds[3].Dir, rundir.Status{State: rundir.StatusFailed, ExitCode: 143, JobID: "103"})
	// Format: slurm-single-node.md (the CI cluster's time-limit notice).
	os.WriteFile(filepath.Join(ds[3].Dir, rundir.SlurmLogDir, "103.out"), []byte("lineup: run\nslurmstepd-vm: error: *** JOB 103 ON vm CANCELLED AT 2026-11-28T05:31:38 DUE TO TIME LIMIT ***\n"), 0o644)
	writeStatus(t, ds[5].Dir, rundir.Status{State: rundir.StatusFailed, ExitCode: 1, Reason: snapshot.ReasonServerFail, JobID: "105"})

	rows, err := Status(ctx, opts(cfg, wd, ex, &out))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"done", "done", "failed:OOM", "failed:timeout", "failed:unknown", "failed:server_fail"}
	for i, r := range rows {
		if r.Label() != want[i] {
			t.Errorf("status row %d (%s): %s, want %s", i, r.Name, r.Label(), want[i])
		}
	}

	out.Reset()
	sum, err = Launch(ctx, opts(cfg, wd, ex, &out))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Submitted != 1 || sum.Skipped["done"] != 2 || sum.Skipped["failed:OOM"] != 1 || sum.Skipped["failed:timeout"] != 1 || sum.Skipped["failed:server_fail"] != 1 {
		t.Errorf("default skip reasons: %s\n%s", sum, out.String())
	}
	if !strings.Contains(out.String(), "skip   small_tp2: failed:OOM (job 102)\n") {
		t.Errorf("output:\n%s", out.String())
	}
	// The resubmitted run lost its stale status.json and has two submissions.
	m, _ = rundir.ReadManifest(ds[4].Dir)
	if len(m.Submissions) != 2 {
		t.Errorf("submissions %+v", m.Submissions)
	}

	ex.finish()
	o := opts(cfg, wd, ex, &out)
	o.SkipReasons = ParseSkipReasons("none")
	sum, err = Launch(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	// OOM, timeout, server_fail and the unknown one (no status again) retried.
	if sum.Submitted != 4 || sum.Skipped["done"] != 2 {
		t.Errorf("-skip-failure-reasons none: %s", sum)
	}
	if _, err := os.Stat(filepath.Join(ds[2].Dir, rundir.StatusFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale status.json kept: %v", err)
	}
}

func writeStatus(t *testing.T, dir string, s rundir.Status) {
	t.Helper()
	s.Start = time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC)
	s.End = s.Start.Add(90 * time.Second)
	b := fmt.Appendf(nil, `{"state":%q,"exit_code":%d,"reason":%q,"job_id":%q,"start":%q,"end":%q}`, s.State, s.ExitCode, s.Reason, s.JobID, s.Start.Format(time.RFC3339), s.End.Format(time.RFC3339))
	if err := snapshot.WriteFileAtomic(filepath.Join(dir, rundir.StatusFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestContinueOnFailure(t *testing.T) {
	for _, cont := range []bool{false, true} {
		wd := t.TempDir()
		cfg := writeConfig(t, wd, strings.Replace(sixRuns, "continue_on_failure: true", "continue_on_failure: "+strconv.FormatBool(cont), 1))
		ex := newFake()
		ex.failOn = map[string]error{"lineup_small_spec-ngram_6": errors.New("sbatch: error: Batch job submission failed: Invalid qos specification")}
		var out bytes.Buffer
		sum, err := Launch(context.Background(), opts(cfg, wd, ex, &out))
		if err == nil || !strings.Contains(err.Error(), "run small_spec-ngram_6: sbatch: error") {
			t.Errorf("continue %v: error %v", cont, err)
		}
		wantSubmitted := 1
		if cont {
			wantSubmitted = 5
		}
		if sum.Submitted != wantSubmitted || len(sum.Failed) != 1 {
			t.Errorf("continue %v: %s\n%s", cont, sum, out.String())
		}
		if !cont && sum.Skipped["stopped after a failed submission"] != 4 {
			t.Errorf("continue false: %s", sum)
		}
	}
}

func TestConcurrentLaunchesSubmitOnce(t *testing.T) {
	wd := t.TempDir()
	cfg := writeConfig(t, wd, sixRuns)
	ex := newFake()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := opts(cfg, wd, ex, io.Discard)
			o.LockWait = time.Minute
			_, errs[i] = Launch(context.Background(), o)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(ex.submitted) != 6 {
		t.Errorf("%d submissions for 6 runs", len(ex.submitted))
	}
}

func TestLockTimeout(t *testing.T) {
	wd := t.TempDir()
	l, err := acquireLock(context.Background(), wd, 0, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer l.release()
	_, err = acquireLock(context.Background(), wd, 150*time.Millisecond, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "is held by another lineup launch (pid "+strconv.Itoa(os.Getpid())) {
		t.Errorf("second lock: %v", err)
	}
}

func TestParseJobTable(t *testing.T) {
	// squeue --format=%i|%T|%M and sacct --parsable2 shapes (slurm-single-node.md).
	out := "12|RUNNING|0:05\n13|PENDING|0:00\n99|RUNNING|1:00\n\n14|CANCELLED by 0|00:00:03\n"
	m := parseJobTable([]byte(out), []string{"12", "13", "14", "15"})
	if len(m) != 3 || m["12"].State != "RUNNING" || m["13"].State != "PENDING" || m["14"].State != "CANCELLED" || m["14"].Elapsed != "00:00:03" {
		t.Errorf("%+v", m)
	}
}

func FuzzParseJobTable(f *testing.F) {
	f.Add("12|RUNNING|0:05\n13|PENDING|0:00\n", "12")
	f.Add("14|CANCELLED by 0|00:00:03", "14")
	f.Add("|||\n||", "")
	f.Fuzz(func(t *testing.T, out, id string) {
		m := parseJobTable([]byte(out), []string{id})
		if len(m) > 1 {
			t.Fatalf("%d entries for one id", len(m))
		}
		for k, v := range m {
			if k != id || strings.ContainsAny(v.State, " \n|") {
				t.Fatalf("entry %q %+v", k, v)
			}
		}
	})
}

func TestSlurmSubmitParses(t *testing.T) {
	var got []string
	s := &Slurm{Run: func(ctx context.Context, args []string) ([]byte, error) {
		got = args
		return []byte("4242;ci\n"), nil
	}}
	id, err := s.Submit(context.Background(), Job{Name: "n", Script: "/r/job.sbatch", LogDir: "/r/inference/slurm_logs"})
	if err != nil || id != "4242" {
		t.Fatalf("%q %v", id, err)
	}
	if strings.Join(got, " ") != "sbatch --parsable --job-name=n --output=/r/inference/slurm_logs/%j.out /r/job.sbatch" {
		t.Errorf("command %q", got)
	}
	s.Run = func(ctx context.Context, args []string) ([]byte, error) {
		return nil, &CommandError{Args: args, Stderr: "sbatch: error: Batch job submission failed: Node count specification invalid\n", Err: errors.New("exit status 1")}
	}
	_, err = s.Submit(context.Background(), Job{Name: "n", Script: "/r/job.sbatch"})
	var ce *CommandError
	if err == nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), "check nodes-per-task") || !strings.Contains(err.Error(), "sbatch --parsable") {
		t.Errorf("error %v", err)
	}
}

// BenchmarkExpandDryRun10k expands and dry-runs a 10,000-run sweep (the
// issue's goal: under 1 s).
func BenchmarkExpandDryRun10k(b *testing.B) {
	wd := b.TempDir()
	src := `fixed_args:
  max-tokens: 128
runs:
  - name: big
    args:
      model-name-or-path: [a/m1, a/m2, a/m3, a/m4, a/m5, a/m6, a/m7, a/m8, a/m9, a/m10]
      tp: [1, 2, 4, 8, 1, 2, 4, 8, 1, 2]
      max-num-seqs: [64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768]
      max-num-batched-tokens: [1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288]
`
	// tp repeats values: make them distinct with pp.
	src = strings.Replace(src, "tp: [1, 2, 4, 8, 1, 2, 4, 8, 1, 2]", "tp: [1, 2, 4, 8, 16]\n      pp: [1, 2]", 1)
	cfg := filepath.Join(wd, "big.yaml")
	os.WriteFile(cfg, []byte(src), 0o644)
	ex := newFake()
	b.ResetTimer()
	for b.Loop() {
		sum, err := Launch(context.Background(), Options{Config: cfg, WorkDir: wd, Executor: ex, DryRun: true, Stdout: io.Discard, Stderr: io.Discard})
		if err != nil {
			b.Fatal(err)
		}
		if sum.Runs != 10000 {
			b.Fatalf("%d runs", sum.Runs)
		}
	}
}

// brokenQueue is a cluster whose squeue fails.
type brokenQueue struct{ *fakeExec }

func (b brokenQueue) Alive(ctx context.Context, ids []string) (map[string]JobState, error) {
	return nil, &CommandError{Args: []string{"squeue"}, Stderr: "slurm_load_jobs error: Unable to contact slurm controller", Err: errors.New("exit status 1")}
}

func TestStatusWithoutSqueue(t *testing.T) {
	wd := t.TempDir()
	cfg := writeConfig(t, wd, sixRuns)
	ex := newFake()
	sum, err := Launch(context.Background(), opts(cfg, wd, ex, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	writeStatus(t, sum.Decisions[0].Dir, rundir.Status{State: rundir.StatusOK, JobID: "100"})
	var errOut bytes.Buffer
	o := opts(cfg, wd, brokenQueue{ex}, &errOut)
	rows, err := Status(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if rows[0].State != StateDone || rows[1].State != StateUnknown || rows[1].JobID != "101" {
		t.Errorf("rows %+v %+v", rows[0], rows[1])
	}
	if !strings.Contains(errOut.String(), "warning: ask slurm which jobs are alive: squeue: exit status 1: slurm_load_jobs error") {
		t.Errorf("stderr %q", errOut.String())
	}
	// Launch must not guess: without squeue it stops before submitting.
	if _, err := Launch(context.Background(), o); err == nil || !strings.Contains(err.Error(), "Unable to contact slurm controller") {
		t.Errorf("launch without squeue: %v", err)
	}
}

func TestTemplateOverride(t *testing.T) {
	wd := t.TempDir()
	cfg := writeConfig(t, wd, sixRuns)
	tmpl := filepath.Join(wd, "my.tmpl")
	os.WriteFile(tmpl, []byte("#!/bin/bash\n# custom {{q .Run.Name}}\n{{range .Directives}}#SBATCH {{.}}\n{{end}}"), 0o644)
	var out bytes.Buffer
	o := opts(cfg, wd, newFake(), &out)
	o.Template, o.DryRun, o.Verbose = tmpl, true, true
	if _, err := Launch(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "    # custom small_tp2\n") {
		t.Errorf("custom template not used:\n%s", out.String())
	}
	os.WriteFile(tmpl, []byte("{{.NoSuchField}}"), 0o644)
	if _, err := Launch(context.Background(), o); err == nil || !strings.Contains(err.Error(), "NoSuchField") {
		t.Errorf("broken template: %v", err)
	}
}

func TestSlurmHistoryFallsBackToJobCompLog(t *testing.T) {
	var calls [][]string
	s := &Slurm{Run: func(ctx context.Context, args []string) ([]byte, error) {
		calls = append(calls, args)
		if args[1] != "-c" {
			// What sacct says without slurmdbd (slurm-single-node.md).
			return nil, &CommandError{Args: args, Stderr: "Slurm accounting storage is disabled", Err: errors.New("exit status 1")}
		}
		// sacct -c output measured on the CI cluster.
		return []byte("24|FAILED|00:00:04\n25|TIMEOUT|00:01:07\n"), nil
	}}
	m, err := s.History(context.Background(), []string{"25"})
	if err != nil || len(m) != 1 || m["25"].State != "TIMEOUT" || len(calls) != 2 {
		t.Fatalf("%+v %v %q", m, err, calls)
	}
	s.Run = func(ctx context.Context, args []string) ([]byte, error) {
		return nil, &CommandError{Args: args, Err: errors.New("exit status 1")}
	}
	if _, err := s.History(context.Background(), []string{"25"}); !errors.Is(err, ErrNoAccounting) {
		t.Errorf("no accounting: %v", err)
	}
	o := &observer{exec: s, asked: true, history: map[string]JobState{"7": {State: "TIMEOUT"}, "8": {State: "CANCELLED"}, "9": {State: "OUT_OF_MEMORY"}}}
	for id, want := range map[string]string{"7": snapshot.ReasonTimeout, "8": snapshot.ReasonCancelled, "9": snapshot.ReasonOOM, "10": ""} {
		if got := o.reasonFromHistory(id); got != want {
			t.Errorf("job %s: %q, want %q", id, got, want)
		}
	}
}

// The bundled examples expand as their comments say.
func TestExamples(t *testing.T) {
	for file, want := range map[string]int{"examples/small.yaml": 3 * 2, "examples/tiered.yaml": 2*4 + 2*3*3*2*3} {
		sum, err := Launch(context.Background(), Options{Config: file, WorkDir: t.TempDir(), DryRun: true, Executor: newFake(), Stdout: io.Discard, Stderr: io.Discard})
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if sum.Runs != want || sum.Submitted != want {
			t.Errorf("%s: %s, want %d runs", file, sum, want)
		}
	}
}

func TestLocalInterruptStopsJob(t *testing.T) {
	wd := t.TempDir()
	script := filepath.Join(wd, "job.sbatch")
	// A job that records SIGTERM as the rendered scripts' trap does.
	os.WriteFile(script, []byte("#!/bin/bash\ntrap 'echo TERM > "+filepath.Join(wd, "term")+"; exit 143' TERM\nsleep 60 &\nwait\n"), 0o755)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := (&Local{}).Submit(ctx, Job{Script: script, LogDir: wd}); err == nil {
		t.Error("interrupted job: no error")
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("interrupt took %s", time.Since(start))
	}
	if b, err := os.ReadFile(filepath.Join(wd, "term")); err != nil || string(b) != "TERM\n" {
		t.Errorf("job did not get SIGTERM: %v %q", err, b)
	}
}

func TestProgressLine(t *testing.T) {
	wd := t.TempDir()
	cfg := writeConfig(t, wd, sixRuns)
	var stdout, stderr bytes.Buffer
	o := opts(cfg, wd, newFake(), &stdout)
	o.Stderr, o.Progress = &stderr, true
	if _, err := Launch(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "\r[6/6] submitted 6, skipped 0, failed 0\n") || strings.Count(stderr.String(), "\r\033[K") != 5 {
		t.Errorf("progress %q", stderr.String())
	}
	if strings.Contains(stdout.String(), "\r") {
		t.Errorf("progress leaked into stdout")
	}
}
