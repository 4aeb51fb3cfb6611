package main

// TestEndToEnd walks the whole path a user walks, on the real single-node
// SLURM cluster of .ci/slurm-up.sh and in Debian's chromium:
//
//  1. `lineup launch` submits testdata/e2e/sweep.yaml (3 models x tp 1,2 x
//     speculative none/ngram; the stand-in vllm of launcher/testdata/vllm
//     dies with a CUDA OOM for the "oom" model) twice: as it stands, and
//     into a second tree with the stand-in playing a newer vLLM whose
//     throughput differs per model (LINEUP_STANDIN_VLLM_VERSION,
//     LINEUP_STANDIN_GPU_TPS; sbatch hands the environment to the jobs);
//  2. `lineup status -json` until every job ended (bounded);
//  3. `lineup launch` again: nothing is submitted;
//  4. `lineup collect` of each tree: the snapshots hold the numbers that
//     the stand-in's stats lines imply, computed here with the seed's
//     method (e2e_expect_test.go) and the formulas of collector/snapshot;
//  5. `lineup diff` of the two: faster, slower and still-failing rows with
//     the percentages computed here; -fail-on-regression exits 1;
//  6. `lineup site` of the first snapshot, checked in headless chromium
//     (e2e_browser_test.go): the lineup, the models page, every model page
//     and the OOM failures.
//
// Without a cluster it skips loudly, unless LINEUP_REQUIRE_SLURM is set;
// without chromium or ECharts the browser step skips loudly, unless
// LINEUP_REQUIRE_BROWSER is set. CI (.ci/run) sets both.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/collector/snapshot/snapshottest"
	"github.com/lineup-dev/lineup/launcher"
	"github.com/lineup-dev/lineup/launcher/rundir"
	"github.com/lineup-dev/lineup/launcher/slurmtest"
	"github.com/lineup-dev/lineup/site/browsertest"
	"github.com/lineup-dev/lineup/site/diff"
)

// standIn is the vLLM build the stand-in plays in one sweep.
type standIn struct {
	version string
	// rates is the generation rate per GPU (tokens/s) by a part of the
	// model name; "" is every other model.
	rates map[string]float64
}

func (s standIn) env() []string {
	var items []string
	for _, k := range slices.Sorted(maps.Keys(s.rates)) {
		if k == "" {
			continue
		}
		items = append(items, fmt.Sprintf("%s=%g", k, s.rates[k]))
	}
	items = append(items, fmt.Sprintf("%g", s.rates[""]))
	return []string{"LINEUP_STANDIN_VLLM_VERSION=" + s.version, "LINEUP_STANDIN_GPU_TPS=" + strings.Join(items, ","),
		"LINEUP_STANDIN_STATS_INTERVAL=" + standInStatsInterval.String()}
}

// rate is the stand-in's rate for model.
func (s standIn) rate(model string) float64 {
	for k, v := range s.rates {
		if k != "" && strings.Contains(strings.ToLower(model), k) {
			return v
		}
	}
	return s.rates[""]
}

var (
	// The stand-in as the launcher's tests know it...
	oldVLLM = standIn{version: "0.15.1", rates: map[string]float64{"": 20000}}
	// ...and a "newer vLLM" that serves gemma twice as fast and qwen at
	// half the rate: far beyond the diff's 5% noise threshold and what the
	// partial and idle last lines of a run take off the seed's mean.
	newVLLM = standIn{version: "0.16.0", rates: map[string]float64{"gemma": 40000, "qwen": 10000, "": 20000}}
)

// standInStatsInterval is how often the stand-in prints a stats line: often
// enough that a run of a second has ten, so that its last, partial line
// weighs little.
const standInStatsInterval = 100 * time.Millisecond

const (
	// e2eWait bounds the wait for the 24 jobs; the cluster has 2 CPUs and
	// the launcher's own tests may hold them (its time-limit test for 70 s).
	e2eWait = 10 * time.Minute
	// oomModel is the sweep's model that the stand-in makes fail.
	oomModel = "lineup-e2e/oom-70b"
)

func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPING END-TO-END TEST in -short mode")
	}
	needSlurm(t)
	repo, err := filepath.Abs(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	bin := buildStandIns(t, repo)
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	// Work where a user would: a directory holding the sweep files, the
	// results trees and the site's content.
	wd := t.TempDir()
	t.Chdir(wd)
	sweep, err := os.ReadFile(filepath.Join(repo, "cmd/lineup/testdata/e2e/sweep.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, "sweep.yaml", sweep)
	next := bytes.Replace(sweep, []byte("output-dir: results\n"), []byte("output-dir: results-next\n"), 1)
	if bytes.Equal(next, sweep) {
		t.Fatal("testdata/e2e/sweep.yaml has no `output-dir: results` line to redirect")
	}
	writeFile(t, "sweep-next.yaml", next)
	t.Cleanup(func() { slurmtest.CancelJobs(t, wd) })

	// 1. Submit both sweeps; the jobs take the environment of their sbatch.
	for _, s := range []struct {
		config string
		vllm   standIn
	}{{"sweep.yaml", oldVLLM}, {"sweep-next.yaml", newVLLM}} {
		for _, kv := range s.vllm.env() {
			k, v, _ := strings.Cut(kv, "=")
			t.Setenv(k, v)
		}
		out := mustLineup(t, "launch", "-config", s.config)
		if !strings.Contains(out, "12 runs: submitted 12") {
			t.Fatalf("launch %s:\n%s", s.config, out)
		}
	}

	// 2. Wait for every job.
	start := time.Now()
	rows := waitSweeps(t, e2eWait, "sweep.yaml", "sweep-next.yaml")
	t.Logf("the 24 jobs ended %s after their submission", time.Since(start).Round(time.Second))
	for _, r := range rows {
		want := launcher.StateDone
		if strings.Contains(r.Dir, "oom-70b") {
			want = launcher.StateFailed + ":" + snapshot.ReasonOOM
		}
		if r.Label() != want {
			log, _ := os.ReadFile(filepath.Join(r.Dir, rundir.SlurmLogDir, r.JobID+".out"))
			t.Fatalf("run %s: %s, want %s (%s)\n%s", r.Dir, r.Label(), want, r.Detail, log)
		}
	}

	// 3. A re-run finds every run done or failed with a reason not retried.
	for _, config := range []string{"sweep.yaml", "sweep-next.yaml"} {
		out := mustLineup(t, "launch", "-config", config)
		if !strings.Contains(out, "12 runs: submitted 0, skipped 12 (done 8, failed:OOM 4)") {
			t.Errorf("re-run of %s submitted something:\n%s", config, out)
		}
	}
	for _, r := range rows {
		if m, err := rundir.ReadManifest(r.Dir); err != nil || len(m.Submissions) != 1 {
			t.Errorf("%s: %v, submissions %+v; want exactly one", r.Dir, err, m)
		}
	}

	// 4. Collect each tree; the expected numbers come from the logs.
	catalog := filepath.Join(repo, "content/models.yaml")
	oldSnap := collectTree(t, "results", "content/snapshots", catalog, oldVLLM)
	newSnap := collectTree(t, "results-next", "next", catalog, newVLLM)
	pat := statsLinePattern(t, repo)
	oldRuns, newRuns := expectTree(t, "results", pat), expectTree(t, "results-next", pat)
	checkSnapshot(t, oldSnap.snap, oldRuns)
	checkSnapshot(t, newSnap.snap, newRuns)

	// explain tells how one run's number was derived.
	for _, r := range oldRuns {
		if r.ok() {
			out := mustLineup(t, "explain", "-catalog", catalog, r.dir)
			if !strings.Contains(out, r.model) {
				t.Errorf("explain %s does not name the model:\n%s", r.dir, out)
			}
			break
		}
	}

	// 5. The diff of the two collects.
	checkDiff(t, oldSnap.file, newSnap.file, oldRuns, newRuns)

	// 6. The site of the first collect, in a browser.
	chromium, echarts := browsertest.Require(t, repo)
	copyFile(t, catalog, "content/models.yaml")
	out := mustLineup(t, "site", "-content", "content", "-out", "public", "-echarts", echarts)
	if !strings.Contains(out, "front page: snapshot "+oldSnap.snap.ID) {
		t.Fatalf("site:\n%s", out)
	}
	start = time.Now()
	checkSiteInBrowser(t, chromium, "public", oldRuns)
	t.Logf("browser checks: %s", time.Since(start).Round(time.Second))
}

// lineupCmd runs the lineup command line in-process.
func lineupCmd(args ...string) (stdout, stderr string, code int) {
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e)
	return o.String(), e.String(), code
}

func mustLineup(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := lineupCmd(args...)
	if code != 0 {
		t.Fatalf("lineup %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
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
	t.Skip("SKIPPING END-TO-END TEST: " + msg)
}

// buildStandIns builds the launcher's stand-in vllm and nvidia-smi and
// returns their directory.
func buildStandIns(t *testing.T, repo string) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", dir, "./launcher/testdata/vllm", "./launcher/testdata/nvidia-smi")
	cmd.Dir = repo
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	return dir
}

// waitSweeps polls `lineup status -json` until no run of the configs is
// pending, running or unknown, and returns the rows.
func waitSweeps(t *testing.T, limit time.Duration, configs ...string) []launcher.StatusRow {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		var all []launcher.StatusRow
		busy := 0
		for _, c := range configs {
			var rows []launcher.StatusRow
			if err := json.Unmarshal([]byte(mustLineup(t, "status", "-json", "-config", c)), &rows); err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				switch r.State {
				case launcher.StatePending, launcher.StateRunning, launcher.StateUnknown:
					busy++
				}
			}
			all = append(all, rows...)
		}
		if busy == 0 {
			return all
		}
		if time.Now().After(deadline) {
			out, _, _ := lineupCmd("status", "-config", configs[0])
			q, _ := exec.Command("squeue").CombinedOutput()
			t.Fatalf("%d runs still busy after %s:\n%s\nsqueue:\n%s", busy, limit, out, q)
		}
		time.Sleep(2 * time.Second)
	}
}

type collected struct {
	file string
	snap *snapshot.Snapshot
}

var wrotePattern = regexp.MustCompile(`(?m)^wrote (\S+\.json)$`)

// collectTree runs `lineup collect` and checks the snapshot it writes: a
// valid document whose id and environment name the stand-in's version.
func collectTree(t *testing.T, root, out, catalog string, vllm standIn) collected {
	t.Helper()
	stdout := mustLineup(t, "collect", "-root", root, "-out", out, "-catalog", catalog)
	m := wrotePattern.FindAllStringSubmatch(stdout, -1)
	if len(m) != 1 {
		t.Fatalf("collect %s: want one snapshot written\n%s", root, stdout)
	}
	data, err := os.ReadFile(m[0][1])
	if err != nil {
		t.Fatal(err)
	}
	snapshottest.Check(t, m[0][1], data)
	s, err := snapshot.Decode(m[0][1], data)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.ID, "vllm-"+vllm.version) || s.Environment.VLLMVersion != vllm.version {
		t.Errorf("%s: id %q, vLLM %q; want the stand-in's %s", m[0][1], s.ID, s.Environment.VLLMVersion, vllm.version)
	}
	return collected{file: m[0][1], snap: s}
}

// checkSnapshot compares every run of s with what its logs imply.
func checkSnapshot(t *testing.T, s *snapshot.Snapshot, want map[runKey]expectedRun) {
	t.Helper()
	if len(s.Runs) != len(want) {
		t.Errorf("%s: %d runs, want %d", s.ID, len(s.Runs), len(want))
	}
	for _, r := range s.Runs {
		k := keyOf(r.Model, r.Config)
		w, ok := want[k]
		if !ok {
			t.Errorf("%s: unexpected run %v", s.ID, k)
			continue
		}
		if !w.ok() {
			if r.Status.State != snapshot.StateFailed || r.Status.Reason != snapshot.ReasonOOM {
				t.Errorf("%s %v: status %+v, want failed with reason OOM", s.ID, k, r.Status)
			}
			continue
		}
		if !r.OK() {
			t.Errorf("%s %v: status %+v, want ok", s.ID, k, r.Status)
			continue
		}
		m := r.Metrics
		for _, c := range []struct {
			name      string
			got, want *float64
		}{
			{"input_tps_per_gpu", m.InputTPSPerGPU, w.inputPerGPU},
			{"output_tps_per_gpu", m.OutputTPSPerGPU, &w.outputPerGPU},
			{"gpus_for_1b_tokens_per_hour", m.GPUsFor1BTokensPerHour, ptr(snapshot.GPUsFor1BPerHour(w.outputPerGPU))},
		} {
			if !near(c.got, c.want) {
				t.Errorf("%s %v: %s = %v, want %v (from %s)", s.ID, k, c.name, deref(c.got), deref(c.want), w.log)
			}
		}
	}
}

// checkDiff runs `lineup diff` of the two snapshots and checks every
// configuration's change and flag against the logs of both trees.
func checkDiff(t *testing.T, oldFile, newFile string, oldRuns, newRuns map[runKey]expectedRun) {
	t.Helper()
	var d diff.Diff
	if err := json.Unmarshal([]byte(mustLineup(t, "diff", "-format", "json", oldFile, newFile)), &d); err != nil {
		t.Fatal(err)
	}
	text := mustLineup(t, "diff", oldFile, newFile)
	if len(d.Warnings) > 0 {
		t.Errorf("diff of one cluster with two stand-in versions warns: %+v", d.Warnings)
	}
	if len(d.Configs) != len(oldRuns) {
		t.Errorf("diff: %d config rows, want %d", len(d.Configs), len(oldRuns))
	}
	regressions := 0
	for _, row := range d.Configs {
		if row.Old == nil || row.New == nil || row.Old.Config == nil {
			t.Errorf("diff row %s: a side is missing: %+v", row.Model, row)
			continue
		}
		k := keyOf(row.Model, *row.Old.Config)
		o, n := oldRuns[k], newRuns[k]
		if !o.ok() {
			if row.Flag != diff.StillFailing || row.Reason != snapshot.ReasonOOM || row.Match != diff.MatchExact {
				t.Errorf("diff %v: flag %q reason %q match %q, want still-failing OOM exact", k, row.Flag, row.Reason, row.Match)
			}
			continue
		}
		change := n.outputPerGPU/o.outputPerGPU - 1
		flag := diff.WithinNoise
		switch {
		case change >= d.Threshold:
			flag = diff.Faster
		case change <= -d.Threshold:
			flag = diff.Slower
		}
		// The stand-in was told to be faster for one model and slower for
		// the other; the logs must show it, or the test proves nothing.
		intended := diff.Faster
		if newVLLM.rate(k.model) < oldVLLM.rate(k.model) {
			intended = diff.Slower
		}
		t.Logf("%v: output TPS/GPU %.0f -> %.0f, %+.1f%%", k, o.outputPerGPU, n.outputPerGPU, change*100)
		if flag != intended {
			t.Errorf("%v: the logs give %+.1f%% (%s -> %s), not %s as the stand-in's rates intend", k, change*100, o.log, n.log, intended)
		}
		if flag == diff.Slower {
			regressions++
		}
		if row.Flag != flag || row.OutputChange == nil || !near(row.OutputChange, &change) ||
			!near(row.Old.OutputTPSPerGPU, &o.outputPerGPU) || !near(row.New.OutputTPSPerGPU, &n.outputPerGPU) {
			t.Errorf("diff %v: flag %q, change %v, output %v -> %v; want %q, %v, %v -> %v",
				k, row.Flag, deref(row.OutputChange), deref(row.Old.OutputTPSPerGPU), deref(row.New.OutputTPSPerGPU),
				flag, change, o.outputPerGPU, n.outputPerGPU)
		}
		// The text table shows the same row with its percentage and flag.
		pct := fmt.Sprintf("%+.1f%%", change*100)
		found := false
		for line := range strings.SplitSeq(text, "\n") {
			found = found || strings.Contains(line, row.Model) && strings.Contains(line, row.Old.ConfigLabel) &&
				strings.Contains(line, pct) && strings.Contains(line, flag.Text())
		}
		if !found {
			t.Errorf("diff text has no line for %s [%s] with %s and %q:\n%s", row.Model, row.Old.ConfigLabel, pct, flag.Text(), text)
		}
	}
	if regressions == 0 {
		t.Fatal("no slower configuration: -fail-on-regression has nothing to catch")
	}
	_, errOut, code := lineupCmd("diff", "-fail-on-regression", oldFile, newFile)
	if code != 1 || !strings.Contains(errOut, fmt.Sprintf("%d regression(s)", regressions)) {
		t.Errorf("diff -fail-on-regression: exit %d, want 1 and %d regressions\n%s", code, regressions, errOut)
	}
}

func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := snapshot.WriteFileAtomic(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, to, data)
}

func ptr(v float64) *float64 { return &v }

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// near says whether two optional numbers agree to a relative 1e-9 (the
// collector sums in its own order).
func near(got, want *float64) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	return math.Abs(*got-*want) <= 1e-9*math.Max(math.Abs(*want), 1)
}
