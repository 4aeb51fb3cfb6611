package collector

// Fixture trees are built by the tests from collector/internal/synthtree
// (whose header cites the reference formats) and, for lineup's layout, from
// launcher/rundir's contract; bench_result.json follows the `vllm bench
// serve --save-result` line in ../shared/reference/vllm-logs/vllm_bench_outputs.txt §C.

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lineup-dev/lineup/collector/internal/synthtree"
	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/collector/snapshot/snapshottest"
	"github.com/lineup-dev/lineup/launcher/rundir"
)

var update = flag.Bool("update", false, "rewrite golden files")

var fixedNow = func() time.Time { return time.Date(2026, 2, 5, 12, 0, 0, 0, time.UTC) }

func mustWrite(t testing.TB, r synthtree.Run, root string) string {
	t.Helper()
	dir, err := synthtree.Write(root, r)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func collect(t testing.TB, opt Options) *Result {
	t.Helper()
	if opt.Now == nil {
		opt.Now = fixedNow
	}
	res, err := Collect(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Snapshots {
		snapshottest.CheckValue(t, s)
		checkEncoding(t, s.ID, s)
	}
	return res
}

// mapResolver is a catalog stand-in.
type mapResolver map[string]string

func (m mapResolver) ResolveDirName(dir string) (string, bool) { id, ok := m[dir]; return id, ok }

// published is the seed README's lineup table
// (../shared/reference/published-results.md table A).
var published = []struct {
	model     string
	tp, pp    int
	in, out   float64
	gpusPer1B int
}{
	{"google/gemma-3-1b-it", 1, 1, 2565, 16616, 17},
	{"Qwen/Qwen3-1.7B", 1, 1, 2523, 15397, 18},
	{"google/gemma-3-4b-it", 1, 1, 760, 5427, 51},
	{"Qwen/Qwen3-4B-Thinking-2507", 1, 1, 942, 7038, 39},
	{"openai/gpt-oss-20b", 1, 1, 1330, 6962, 40},
	{"nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16", 1, 1, 1253, 5490, 51},
	{"nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-FP8", 1, 1, 3447, 9274, 30},
	{"Qwen/Qwen3-30B-A3B-Thinking-2507", 1, 1, 483, 3612, 77},
	{"Qwen/Qwen3-Next-80B-A3B-Thinking", 4, 1, 136, 1017, 273},
	{"openai/gpt-oss-120b", 2, 1, 518, 2704, 103},
	{"Qwen/Qwen3-235B-A22B-Thinking-2507", 8, 1, 32, 239.25, 1161},
	{"moonshotai/Kimi-K2-Instruct", 8, 2, 5, 26.095, 10645},
}

// TestSeedLineupTable builds one run per published row (engine rates =
// published per-GPU rates x tp x pp, written as real-format stats lines in
// the datatrove layout, model ids only in the lossy directory names) and
// checks that the collected metrics round to the published integers.
func TestSeedLineupTable(t *testing.T) {
	root := t.TempDir()
	res := mapResolver{}
	for i, p := range published {
		gpus := float64(p.tp * p.pp)
		mustWrite(t, synthtree.Run{
			Experiment: "lineup", Model: p.model, TP: p.tp, PP: p.pp, DP: 1, Spec: "none",
			EngineInputTPS: p.in * gpus, EngineOutputTPS: p.out * gpus, Mixed: 20, Steady: 100,
			JobID: 1000 + i, NoStartupModel: true, Seed: uint64(i),
		}, root)
		res[synthtree.DirName(p.model)] = p.model
	}
	got := collect(t, Options{Root: root, Resolver: res})
	runs := got.Snapshots[0].Runs
	if len(runs) != len(published) {
		t.Fatalf("collected %d runs, want %d", len(runs), len(published))
	}
	byModel := map[string]snapshot.Run{}
	for _, r := range runs {
		byModel[r.Model] = r
	}
	for _, p := range published {
		r, ok := byModel[p.model]
		if !ok {
			t.Errorf("%s: not collected (models: %v)", p.model, got.Snapshots[0].Models())
			continue
		}
		m := r.Metrics
		if m.Method != "stats_lines" || m.InputTPSPerGPU == nil || m.OutputTPSPerGPU == nil || m.GPUsFor1BTokensPerHour == nil {
			t.Errorf("%s: metrics incomplete: %+v", p.model, m)
			continue
		}
		check := func(name string, got, want float64) {
			if math.Round(got) != math.Round(want) {
				t.Errorf("%s: %s = %.3f rounds to %.0f, published %.0f", p.model, name, got, math.Round(got), math.Round(want))
			}
		}
		check("input_tps_per_gpu", *m.InputTPSPerGPU, p.in)
		check("output_tps_per_gpu", *m.OutputTPSPerGPU, p.out)
		check("gpus_for_1b_tokens_per_hour", *m.GPUsFor1BTokensPerHour, float64(p.gpusPer1B))
		if r.Config.TP != p.tp || r.Config.PP != p.pp {
			t.Errorf("%s: tp/pp = %d/%d, want %d/%d", p.model, r.Config.TP, r.Config.PP, p.tp, p.pp)
		}
		for _, w := range r.Warnings {
			t.Errorf("%s: unexpected warning %s: %s", p.model, w.Code, w.Message)
		}
	}
}

// TestBrokenTree: each damaged input becomes a warning or a skip and every
// other run is collected.
func TestBrokenTree(t *testing.T) {
	root := t.TempDir()
	good := func(i int, model string) synthtree.Run {
		return synthtree.Run{Experiment: "broken", Model: model, TP: 1, PP: 1, DP: 1, Spec: "none",
			EngineInputTPS: 1000, EngineOutputTPS: 5000, Mixed: 5, Steady: 20, JobID: 500 + i, Seed: uint64(i)}
	}
	var goodDirs []string
	for i, m := range synthtree.Models[:4] {
		goodDirs = append(goodDirs, mustWrite(t, good(i, m), root))
	}
	// Truncated stats.json.
	trunc := mustWrite(t, good(10, "org/truncated-stats"), root)
	data, _ := os.ReadFile(filepath.Join(trunc, "inference_logs", "stats.json"))
	if err := os.WriteFile(filepath.Join(trunc, "inference_logs", "stats.json"), data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	// Binary garbage server log.
	garbage := mustWrite(t, good(11, "org/garbage-log"), root)
	junk := make([]byte, 1<<16)
	for i := range junk {
		junk[i] = byte(i*7919 + i>>3)
	}
	if err := os.WriteFile(filepath.Join(garbage, "inference_logs", "server_logs", "server_rank_00000_node_-1.log"), junk, 0o644); err != nil {
		t.Fatal(err)
	}
	// A 100 MB log without a newline.
	huge := mustWrite(t, good(12, "org/no-newline"), root)
	f, err := os.Create(filepath.Join(huge, "inference_logs", "server_logs", "server_rank_00000_node_-1.log"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte("Avg prompt throughput: 1.0 tokens/s, "), 1<<10)
	for written := 0; written < 100<<20; written += len(chunk) {
		if _, err := f.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	// An empty directory and a symlink loop.
	if err := os.MkdirAll(filepath.Join(root, "broken", "default", "empty_model", "tp1-pp1-dp1"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("..", filepath.Join(root, "broken", "loop")); err != nil {
		t.Fatal(err)
	}

	res := collect(t, Options{Root: root})
	s := res.Snapshots[0]
	byPath := map[string]snapshot.Run{}
	for _, r := range s.Runs {
		byPath[r.Path] = r
	}
	rel := func(dir string) string { r, _ := filepath.Rel(root, dir); return filepath.ToSlash(r) }
	for _, d := range goodDirs {
		r, ok := byPath[rel(d)]
		if !ok || !r.OK() {
			t.Errorf("good run %s not collected OK: %+v", rel(d), r.Status)
		}
	}
	hasCode := func(r snapshot.Run, code string) bool {
		for _, w := range r.Warnings {
			if w.Code == code {
				return true
			}
		}
		return false
	}
	if r := byPath[rel(trunc)]; !hasCode(r, "stats_json_unreadable") {
		t.Errorf("truncated stats.json: no stats_json_unreadable warning: %+v", r.Warnings)
	}
	for _, d := range []string{garbage, huge} {
		r, ok := byPath[rel(d)]
		if !ok {
			t.Errorf("%s: missing from the snapshot", rel(d))
			continue
		}
		if !hasCode(r, WarnNoStatsLines) && !hasCode(r, WarnStatsLinesDropped) {
			t.Errorf("%s: no warning about its server log: %+v", rel(d), r.Warnings)
		}
	}
	var skipped []string
	for _, sk := range res.Report.Skipped {
		skipped = append(skipped, sk.Path+": "+sk.Reason)
	}
	joined := strings.Join(skipped, "\n")
	for _, want := range []string{"broken/default/empty_model/tp1-pp1-dp1: empty directory", "broken/loop: symbolic link loop"} {
		if !strings.Contains(joined, want) {
			t.Errorf("skips lack %q:\n%s", want, joined)
		}
	}
	nskip := 0
	for _, w := range s.Warnings {
		if w.Code == WarnSkipped {
			nskip++
		}
	}
	if nskip != len(res.Report.Skipped) {
		t.Errorf("snapshot carries %d skip warnings, report %d", nskip, len(res.Report.Skipped))
	}
}

// TestCancelledCollectLeavesNothing cancels mid-parse: no result, nothing
// written.
func TestCancelledCollectLeavesNothing(t *testing.T) {
	root, out := t.TempDir(), t.TempDir()
	if err := synthtree.Generate(root, 40, 20, 1); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err := Collect(ctx, Options{Root: root, Now: fixedNow, Jobs: 1, CacheFile: filepath.Join(out, DefaultCacheName),
		Progress: func(done, total int) {
			if done == 5 {
				cancel()
			}
		}})
	if !errors.Is(err, context.Canceled) || res != nil {
		t.Fatalf("Collect after cancel = %v, %v; want nil, context.Canceled", res, err)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 0 {
		t.Errorf("cancelled collect left %d files in the output directory", len(entries))
	}
}

// TestGolden collects small trees of each layout and compares the
// snapshot with testdata/golden/<layout>.json.
func TestGolden(t *testing.T) {
	for _, layout := range []string{"lineup", "seed", "datatrove"} {
		t.Run(layout, func(t *testing.T) {
			root := t.TempDir()
			buildLayout(t, root, layout)
			res := collect(t, Options{Root: root})
			s := res.Snapshots[0]
			s.Source.Root = "ROOT"
			s.Tool.Version = "test"
			data, err := snapshot.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			snapshottest.Check(t, layout, data)
			golden(t, filepath.Join("testdata", "golden", layout+".json"), data)
		})
	}
}

func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		_ = os.WriteFile(file+".got", got, 0o644)
		t.Errorf("%s differs from the collected output; see %s.got (run with -update to accept)", file, file)
	}
}

// buildLayout writes a small tree of one layout: two OK runs and a failed
// one, plus layout-specific cases (a retry, a DP run, a bench result).
func buildLayout(t *testing.T, root, layout string) {
	t.Helper()
	base := synthtree.Run{Model: "google/gemma-3-1b-it", TP: 1, PP: 1, DP: 1, Spec: "none",
		EngineInputTPS: 2565, EngineOutputTPS: 16616, Mixed: 4, Steady: 12, JobID: 21899807, Seed: 7}
	switch layout {
	case "datatrove":
		r := base
		r.Experiment = "sweep"
		mustWrite(t, r, root)
		r.TP, r.JobID, r.EngineOutputTPS = 2, 21899808, 30000
		mustWrite(t, r, root)
		r.TP, r.JobID, r.Failure = 4, 21899809, "0: slurmstepd: error: *** STEP 21899809.0 ON node1 CANCELLED AT 2026-02-05T16:28:28 DUE TO TIME LIMIT ***"
		mustWrite(t, r, root)
		// DP=2: engine lines summed per interval.
		r = base
		r.Experiment, r.DP, r.JobID, r.EngineOutputTPS = "sweep", 2, 21899810, 32000
		mustWrite(t, r, root)
	case "seed":
		// {root}/{model}/tp1-pp1-dp1/spec_none/logs/inference/: move a
		// datatrove-shaped run's inference_logs there; two attempts of
		// one configuration in two trees.
		for i, sub := range []string{"a", "b"} {
			r := base
			r.JobID = 100 + i
			r.Experiment = "tmp" + sub
			dir := mustWrite(t, r, root)
			dst := filepath.Join(root, "gemma-3-1b-it", "tp1-pp1-dp1", "spec_none", sub, "logs", "inference")
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(filepath.Join(dir, "inference_logs"), dst); err != nil {
				t.Fatal(err)
			}
			if err := os.RemoveAll(filepath.Join(root, "tmp"+sub)); err != nil {
				t.Fatal(err)
			}
		}
		r := base
		r.Experiment, r.JobID, r.Spec = "tmpc", 200, "ngram_5"
		r.Failure = "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 74.16 GiB. GPU 0 has a total capacity of 44.40 GiB of which 29.89 GiB is free."
		dir := mustWrite(t, r, root)
		dst := filepath.Join(root, "gemma-3-1b-it", "tp1-pp1-dp1", "spec_ngram_5", "inference_logs")
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(dir, "inference_logs"), dst); err != nil {
			t.Fatal(err)
		}
		if err := os.RemoveAll(filepath.Join(root, "tmpc")); err != nil {
			t.Fatal(err)
		}
	case "lineup":
		writeLineupRun(t, filepath.Join(root, "exp", "gemma-tp1"), base, rundir.StatusOK, "")
		r := base
		r.TP, r.JobID = 2, 777
		writeLineupRun(t, filepath.Join(root, "exp", "gemma-tp2"), r, rundir.StatusFailed, snapshot.ReasonKVCacheTooSmall)
	default:
		t.Fatalf("unknown layout %s", layout)
	}
}

func writeLineupRun(t *testing.T, dir string, r synthtree.Run, state, reason string) {
	t.Helper()
	m := &rundir.Manifest{Experiment: "exp", Name: filepath.Base(dir), Model: r.Model,
		Config: snapshot.Config{TP: r.TP, PP: 1, Spec: snapshot.Ptr("none"), MaxNumSeqs: snapshot.Ptr(256)}, LineupVersion: "test"}
	if err := os.MkdirAll(filepath.Join(dir, rundir.ServerLogDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, rundir.SlurmLogDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := rundir.WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	if err := synthtree.ServerLog(&log, r); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		rundir.ServerLogFile: log.Bytes(),
		filepath.Join(rundir.SlurmLogDir, fmt.Sprintf("%d.out", r.JobID)): []byte("+ vllm serve\n"),
		rundir.EnvFile:    []byte(`{"hostnames":["node1"],"gpus":[{"name":"NVIDIA H100 80GB HBM3","memory_mib":81559,"driver":"580.159.04"}],"vllm_version":"0.15.0"}`),
		rundir.StatusFile: []byte(fmt.Sprintf(`{"state":%q,"exit_code":0,"reason":%q,"job_id":"%d","start":"2026-02-05T10:00:00Z","end":"2026-02-05T11:00:00Z"}`, state, reason, r.JobID)),
	}
	if state == rundir.StatusOK {
		prompt, completion, secs := synthtree.Totals(r)
		files[rundir.BenchResult] = []byte(fmt.Sprintf(`{"date": "20260205-110000", "endpoint_type": "openai", "backend": "openai", "label": null, "model_id": %q, "num_prompts": 2000, "duration": %g, "completed": 2000, "failed": 0, "total_input_tokens": %d, "total_output_tokens": %d, "request_throughput": 1.0, "output_throughput": %g, "total_token_throughput": %g}`,
			r.Model, secs, prompt, completion, float64(completion)/secs, float64(prompt+completion)/secs))
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCacheReuse: a re-collect reads the cache and gives the same
// snapshot; a changed file is parsed again.
func TestCacheReuse(t *testing.T) {
	root, out := t.TempDir(), t.TempDir()
	if err := synthtree.Generate(root, 12, 30, 3); err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(out, DefaultCacheName)
	cold := collect(t, Options{Root: root, CacheFile: cache})
	warm := collect(t, Options{Root: root, CacheFile: cache})
	if warm.Report.CacheHits != 12 || cold.Report.CacheHits != 0 {
		t.Errorf("cache hits cold %d warm %d, want 0 and 12", cold.Report.CacheHits, warm.Report.CacheHits)
	}
	a, _ := snapshot.Marshal(cold.Snapshots[0])
	b, _ := snapshot.Marshal(warm.Snapshots[0])
	if !bytes.Equal(a, b) {
		t.Errorf("cached re-collect differs from the cold collect")
	}
	// Change one run's stats.json (size and mtime change): parsed again.
	var statsFile string
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if statsFile == "" && d != nil && d.Name() == "stats.json" {
			statsFile = p
		}
		return nil
	})
	if err := os.WriteFile(statsFile, []byte("[]"), 0o644); err != nil {
		t.Fatal(err)
	}
	again := collect(t, Options{Root: root, CacheFile: cache})
	if again.Report.CacheHits != 11 {
		t.Errorf("after changing one file: %d cache hits, want 11", again.Report.CacheHits)
	}
}

func TestWriteNeverOverwrites(t *testing.T) {
	root, out := t.TempDir(), t.TempDir()
	buildLayout(t, root, "datatrove")
	res := collect(t, Options{Root: root})
	w, err := Write(res, WriteOptions{OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Snapshots) != 1 || len(w.CSVs) != 2 {
		t.Fatalf("wrote %v, want one snapshot and two CSVs (summary, experiment sweep)", w)
	}
	if _, err := snapshot.ReadFile(w.Snapshots[0]); err != nil {
		t.Fatalf("written snapshot does not read back: %v", err)
	}
	if _, err := Write(res, WriteOptions{OutDir: out}); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second write without force: %v, want ErrExist", err)
	}
	if _, err := Write(res, WriteOptions{OutDir: out, Force: true}); err != nil {
		t.Errorf("write with force: %v", err)
	}
	csv, _ := os.ReadFile(w.CSVs[0])
	header := strings.SplitN(string(csv), "\n", 2)[0]
	if want := strings.Join(append(append([]string(nil), SeedColumns...), ExtraColumns...), ","); header != want {
		t.Errorf("CSV header\n%s\nwant\n%s", header, want)
	}
}

func TestSnapshotIDAndSplit(t *testing.T) {
	root := t.TempDir()
	for i, v := range []string{"0.15.0", "0.15.0", "0.16.1"} {
		mustWrite(t, synthtree.Run{Experiment: "e", Model: synthtree.Models[i], TP: 1, PP: 1, DP: 1, Spec: "none",
			EngineInputTPS: 100, EngineOutputTPS: 1000, Mixed: 3, Steady: 10, JobID: 10 + i, VLLMVersion: v}, root)
	}
	one := collect(t, Options{Root: root})
	s := one.Snapshots[0]
	if s.ID != "2026-02-05-vllm-0.15.0" || s.Environment.VLLMVersion != "0.15.0" {
		t.Errorf("id %q, version %q; want 2026-02-05-vllm-0.15.0", s.ID, s.Environment.VLLMVersion)
	}
	mixed := false
	for _, w := range s.Warnings {
		mixed = mixed || (w.Code == WarnMixedVLLMVersions && w.Field == "environment.vllm_version")
	}
	if !mixed {
		t.Errorf("no %s warning: %+v", WarnMixedVLLMVersions, s.Warnings)
	}
	split := collect(t, Options{Root: root, Split: true})
	if len(split.Snapshots) != 2 || split.Snapshots[1].ID != "2026-02-05-vllm-0.16.1" || len(split.Snapshots[0].Runs) != 2 {
		t.Errorf("split gave %d snapshots", len(split.Snapshots))
	}
	forced := collect(t, Options{Root: root, Split: true, ID: "mine"})
	if forced.Snapshots[0].ID != "mine-0.15.0" || forced.Snapshots[1].ID != "mine-0.16.1" {
		t.Errorf("ids with -id and -split: %s, %s", forced.Snapshots[0].ID, forced.Snapshots[1].ID)
	}
}

func TestExplain(t *testing.T) {
	root := t.TempDir()
	r := synthtree.Run{Experiment: "x", Model: "google/gemma-3-1b-it", TP: 2, PP: 1, DP: 1, Spec: "none",
		EngineInputTPS: 1000, EngineOutputTPS: 8000, Mixed: 3, Steady: 7, JobID: 9}
	dir := mustWrite(t, r, root)
	e, err := Explain(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e.Mixed != r.Mixed || e.Steady != r.Steady || len(e.Lines) != r.Mixed+r.Steady {
		t.Errorf("explain counted %d mixed, %d steady, %d lines; want %d, %d", e.Mixed, e.Steady, len(e.Lines), r.Mixed, r.Steady)
	}
	want := map[string]float64{"output_tps_per_gpu": r.EngineOutputTPS / 2, "gpus_for_1b_tokens_per_hour": 1e9 / (r.EngineOutputTPS / 2 * 3600)}
	for _, f := range e.Formulas {
		if w, ok := want[f.Metric]; ok {
			if math.Abs(f.Value-w) > 0.01*w/100 {
				t.Errorf("%s = %v, want %v", f.Metric, f.Value, w)
			}
			delete(want, f.Metric)
		}
	}
	if len(want) > 0 {
		t.Errorf("formulas missing: %v", want)
	}
	var text, js bytes.Buffer
	if err := e.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "steady") || !strings.Contains(text.String(), "1e9 / (4000.00 x 3600)") {
		t.Errorf("text explanation lacks line verdicts or formulas:\n%s", text.String())
	}
	if err := e.WriteJSON(&js); err != nil || !json.Valid(js.Bytes()) {
		t.Errorf("JSON explanation invalid: %v", err)
	}
	// The parent holds several runs: an error naming them.
	mustWrite(t, synthtree.Run{Experiment: "x", Model: "Qwen/Qwen3-1.7B", TP: 1, PP: 1, DP: 1, Spec: "none", EngineOutputTPS: 1, Mixed: 1, Steady: 1, JobID: 10}, root)
	if _, err := Explain(context.Background(), root, Options{}); err == nil || !strings.Contains(err.Error(), "holds 2 runs") {
		t.Errorf("explain of a tree: %v", err)
	}
}

// TestRetriesInOneDirectory: an OOM attempt then a successful retry (and
// the stats-merge job) in one inference_logs: one OK run with three
// attempts, the failed one marked. The OOM line is from
// ../shared/reference/vllm-logs/failures.txt §3.
func TestRetriesInOneDirectory(t *testing.T) {
	root := t.TempDir()
	r := synthtree.Run{Experiment: "e", Model: "google/gemma-3-1b-it", TP: 1, PP: 1, DP: 1, Spec: "none",
		EngineInputTPS: 100, EngineOutputTPS: 1000, Mixed: 3, Steady: 10, JobID: 300}
	dir := mustWrite(t, r, root)
	slurm := filepath.Join(dir, "inference_logs", "slurm_logs")
	oom := "0: (EngineCore_DP0 pid=8884) ERROR 10-31 15:15:48 [core.py:708] torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 786.00 MiB. GPU 0 has a total capacity of 79.11 GiB of which 140.75 MiB is free.\n"
	if err := os.WriteFile(filepath.Join(slurm, "299_0.out"), []byte(oom), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(slurm, "301_0.out"), []byte("merge_stats done\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := collect(t, Options{Root: root}).Snapshots[0].Runs[0]
	if !run.OK() || len(run.Attempts) != 3 {
		t.Fatalf("status %+v with %d attempts, want ok with 3", run.Status, len(run.Attempts))
	}
	states := map[string]string{}
	for _, a := range run.Attempts {
		states[a.JobID] = a.State + "/" + a.Reason
	}
	want := map[string]string{"299": "failed/OOM", "300": "ok/", "301": "ok/"}
	for id, w := range want {
		if states[id] != w {
			t.Errorf("attempt %s: %q, want %q (all: %v)", id, states[id], w, states)
		}
	}
}

// TestPendingLineupRun: a lineup run directory with only run.json (not
// started yet) is an incomplete run, not a skip.
func TestPendingLineupRun(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "exp", "pending")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := rundir.WriteManifest(dir, &rundir.Manifest{Experiment: "exp", Name: "pending", Model: "Qwen/Qwen3-1.7B", Config: snapshot.Config{TP: 2, PP: 1}}); err != nil {
		t.Fatal(err)
	}
	runs := collect(t, Options{Root: root}).Snapshots[0].Runs
	if len(runs) != 1 || runs[0].Status.State != snapshot.StateIncomplete || runs[0].Model != "Qwen/Qwen3-1.7B" || runs[0].Config.TP != 2 {
		t.Errorf("pending run collected as %+v", runs)
	}
}

// TestIdleTailWarns: a server that idles after the work (generation 0 in
// the last steady lines, as in the vllm_throughput_lines.txt §B "Avg prompt
// throughput: 0.0 tokens/s, Avg generation throughput: 0.0 tokens/s" lines)
// keeps the seed's mean but is flagged.
func TestIdleTailWarns(t *testing.T) {
	root := t.TempDir()
	r := synthtree.Run{Experiment: "e", Model: "google/gemma-3-1b-it", TP: 1, PP: 1, DP: 1, Spec: "none",
		EngineInputTPS: 100, EngineOutputTPS: 1000, Mixed: 2, Steady: 6, JobID: 1}
	dir := mustWrite(t, r, root)
	log := filepath.Join(dir, "inference_logs", "server_logs", "server_rank_00000_node_-1.log")
	f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	const idle = 2
	for i := range idle {
		fmt.Fprintf(f, "(APIServer pid=3646) INFO 02-05 16:00:%02d [loggers.py:257] Engine 000: Avg prompt throughput: 0.0 tokens/s, Avg generation throughput: 0.0 tokens/s, Running: 0 reqs, Waiting: 0 reqs, GPU KV cache usage: 0.0%%, Prefix cache hit rate: 0.0%%\n", 10*i)
	}
	f.Close()
	run := collect(t, Options{Root: root}).Snapshots[0].Runs[0]
	// The seed's mean: the steady lines' sum over steady + idle lines.
	want := r.EngineOutputTPS * float64(r.Steady) / float64(r.Steady+idle)
	if run.Metrics.TokensOutputPerSec == nil || math.Abs(*run.Metrics.TokensOutputPerSec-want) > 0.01 {
		t.Errorf("output %v, want %v", run.Metrics.TokensOutputPerSec, want)
	}
	found := false
	for _, w := range run.Warnings {
		found = found || (w.Code == WarnIdleSteadyLines && w.Field == "metrics.output_tps_per_gpu")
	}
	if !found {
		t.Errorf("no %s warning: %+v", WarnIdleSteadyLines, run.Warnings)
	}
}

// TestWriteCSVs: the summary holds every run's row, in the snapshot's
// order; each experiment's CSV holds that experiment's rows; all with
// the header first, as encoding/csv writes them.
func TestWriteCSVs(t *testing.T) {
	root, out := t.TempDir(), t.TempDir()
	for i, exp := range []string{"a", "b", "a", "b", "a", "=cmd|' /C calc'!A0"} {
		mustWrite(t, synthtree.Run{Experiment: exp, Model: synthtree.Models[i], TP: 1, PP: 1, DP: 1, Spec: "none",
			EngineInputTPS: 100, EngineOutputTPS: 1000 + float64(i), Mixed: 3, Steady: 10, JobID: 7 + i}, root)
	}
	res := collect(t, Options{Root: root})
	w, err := Write(res, WriteOptions{OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	runs := res.Snapshots[0].Runs
	want := func(keep func(snapshot.Run) bool) string {
		var b strings.Builder
		cw := csv.NewWriter(&b)
		cw.Write(append(append([]string(nil), SeedColumns...), ExtraColumns...))
		for _, r := range runs {
			if keep(r) {
				cw.Write(csvRow(res.Report.Root, r))
			}
		}
		cw.Flush()
		return b.String()
	}
	exps := map[string]bool{}
	for _, r := range runs {
		exps[r.Experiment] = true
	}
	if len(w.CSVs) != 1+len(exps) || len(exps) != 3 {
		t.Fatalf("wrote %v for experiments %v", w.CSVs, exps)
	}
	for i, file := range w.CSVs {
		got, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		keep := func(snapshot.Run) bool { return true }
		if i > 0 {
			var exp string
			for e := range exps {
				if strings.HasSuffix(file, "."+slug(e)+".csv") {
					exp = e
				}
			}
			keep = func(r snapshot.Run) bool { return r.Experiment == exp }
		}
		if w := want(keep); string(got) != w {
			t.Errorf("%s: %d bytes, want %d:\n%.400s", file, len(got), len(w), got)
		}
	}
}
