package logparse

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// seedExcerpts adds every excerpt of the reference files as a seed.
func seedExcerpts(f *testing.F, files ...string) {
	for _, file := range files {
		for _, e := range loadExcerpts(f, file) {
			f.Add([]byte(e.text))
		}
	}
}

func FuzzParseStatsLine(f *testing.F) {
	for _, e := range loadExcerpts(f, "vllm_throughput_lines.txt") {
		for _, l := range strings.Split(e.text, "\n") {
			f.Add([]byte(l))
		}
	}
	f.Add([]byte(v1Line))
	f.Fuzz(func(t *testing.T, line []byte) {
		s, ok := ParseStatsLine(line)
		if !ok {
			return
		}
		for _, v := range []float64{s.PromptTPS, s.GenerationTPS} {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				t.Fatalf("throughput %v", v)
			}
		}
		if s.Engine < -1 || s.Aggregated < 0 || s.Time != "" && len(s.Time) != timestampLen || s.LineNo != 1 {
			t.Fatalf("%+v", s)
		}
		for _, p := range []*float64{s.KVCacheUsagePct, s.PrefixCacheHitPct, s.CPUKVCacheUsagePct, s.MMCacheHitPct, s.ExternalPrefixCacheHitPct} {
			if p != nil && (math.IsNaN(*p) || *p < 0) {
				t.Fatalf("percentage %v", *p)
			}
		}
		if !bytes.Contains(line, []byte("\x1b")) && !bytes.Contains(line, []byte(anchor)) {
			t.Fatalf("a stats line without its anchor: %q", line)
		}
	})
}

func FuzzParseServerLog(f *testing.F) {
	seedExcerpts(f, "vllm_throughput_lines.txt", "vllm_startup_lines.txt", "failures.txt")
	f.Add([]byte(v1Line[:90] + "\n" + v1Line[90:] + "\r\n\x1b[0m"))
	f.Fuzz(func(t *testing.T, data []byte) {
		log, err := ParseServerLog(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range log.Stats {
			if s.LineNo < 1 || s.LineNo > log.Lines {
				t.Fatalf("stats line %d of %d", s.LineNo, log.Lines)
			}
		}
		for _, d := range log.Dropped {
			if len(d.Text) > maxDropText || !utf8.ValidString(d.Text) || d.LineNo < 1 || d.LineNo > log.Lines {
				t.Fatalf("dropped %+v of %d lines", d, log.Lines)
			}
		}
		if want := bytes.Count(data, []byte("\n")); log.Lines != want && log.Lines != want+1 {
			t.Fatalf("Lines %d for %d newlines", log.Lines, want)
		}
		// chunking must not matter
		again, err := ParseServerLog(iotest.OneByteReader(bytes.NewReader(data)))
		if err != nil || dumpLog(again) != dumpLog(log) {
			t.Fatalf("one-byte reader differs: %v", err)
		}
		sum := Summarize(log.Stats)
		if len(sum.Timeline) > MaxTimelinePoints || sum.Mixed+sum.Steady > len(log.Stats) || sum.Engines < 1 {
			t.Fatalf("%+v", sum)
		}
	})
}

func FuzzClassifyFailure(f *testing.F) {
	seedExcerpts(f, "failures.txt")
	reasons := map[string]bool{"": true}
	for _, p := range failurePatterns {
		reasons[p.reason] = true
	}
	reasons[snapshot.ReasonOOM] = true
	f.Fuzz(func(t *testing.T, data []byte) {
		reason, ev, err := ClassifyFailure(bytes.NewReader(data), int64(len(data)))
		if err != nil || !reasons[reason] || len(ev) > maxDropText || !utf8.ValidString(ev) || reason == "" && ev != "" {
			t.Fatalf("%q %q %v", reason, ev, err)
		}
	})
}

func FuzzParseStatsJSON(f *testing.F) {
	for _, name := range []string{"stats_5a_tasks1.json", "stats_5b_tasks2_slurm_merge.json", "stats_5d_repo_fixture.json", "stats_5d_scalar.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ds, err := ParseStatsJSON("s.json", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "s.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if ds.PromptTokens < 0 || ds.CompletionTokens < 0 || ds.SuccessfulRequests < 0 || ds.FailedRequests < 0 ||
			math.IsNaN(ds.InferenceSeconds) || math.IsNaN(ds.E2ESeconds) || !ds.HasFailedRequests && ds.FailedRequests != 0 {
			t.Fatalf("%+v", ds)
		}
	})
}

func FuzzParseBenchJSON(f *testing.F) {
	for _, e := range loadExcerpts(f, "vllm_bench_outputs.txt") {
		if strings.HasPrefix(e.text, "{") {
			f.Add([]byte(e.text))
		}
	}
	f.Add([]byte(`{"completed": 1, "failed": 2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		br, err := ParseBenchJSON("b.json", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "b.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if br.Completed < 0 || br.Failed < 0 || br.TotalInputTokens < 0 || br.TotalOutputTokens < 0 || br.Source != BenchServeJSON {
			t.Fatalf("%+v", br)
		}
	})
}

func FuzzParseBenchText(f *testing.F) {
	seedExcerpts(f, "vllm_bench_outputs.txt")
	f.Fuzz(func(t *testing.T, data []byte) {
		br, err := ParseBenchText(bytes.NewReader(data))
		if err != nil {
			return
		}
		if br.Completed < 0 || br.Failed < 0 || br.TotalInputTokens < 0 || br.TotalOutputTokens < 0 || br.Source == "" {
			t.Fatalf("%+v", br)
		}
		if math.IsNaN(br.OutputThroughput) || math.IsNaN(br.Duration) {
			t.Fatalf("%+v", br)
		}
	})
}

// statsJSONReference is ParseStatsJSON through encoding/json alone, which
// the hand-read shapes must equal.
func statsJSONReference(name string, data []byte) (*DatatroveStats, error) {
	var entries []statsEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, jsonError(name, data, "", err)
	}
	return statsOf(name, data, entries, metricTotalJSON)
}

func checkStatsJSONFast(t *testing.T, data []byte) {
	t.Helper()
	got, err1 := ParseStatsJSON("s.json", data)
	want, err2 := statsJSONReference("s.json", data)
	if fmt.Sprint(got, err1) != fmt.Sprint(want, err2) {
		t.Fatalf("%q:\n got %+v, %v\nwant %+v, %v", data, got, err1, want, err2)
	}
}

// TestStatsJSONFastPath: the hand-read stats.json equals encoding/json's
// reading on the layout reference's fixtures (testdata/stats_*.json), the
// synthetic tree's file, and the shapes that must leave the fast path:
// escaped, repeated or case-variant keys, null and non-object entries,
// totals that are not numbers.
func TestStatsJSONFastPath(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "stats_*.json"))
	if len(files) < 4 {
		t.Fatalf("fixtures: %v", files)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkStatsJSONFast(t, data)
		// §5c is a diff, not a stats.json (testdata/README.md)
		if _, ok := scanStatsEntries(data); !ok && !strings.Contains(f, "5c") {
			t.Errorf("%s: the fast path gave up on a real stats.json", f)
		}
	}
	const mc = `"name": "Model call: Inference \ud83d\udd0d"`
	for _, doc := range []string{
		`[{` + mc + `, "stats": {"prompt_tokens": {"total": 10}, "completion_tokens": 5, "inference_time": {"total": 2.5}}, "time_stats": {"total": 3}}]`,
		`[{"name": "Model call", "stats": {"prompt_tokens": {"total": 10, "total": 11}}}]`,
		`[{"name": "Model call", "stats": {"prompt_tokens": {"Total": 10}}}]`,
		`[{"name": "Model call", "stats": {"prompt_tokens": {"total": {"total": 4}}}}]`,
		`[{"name": "Model call", "stats": {"prompt_tokens": {"total": "4"}}}]`,
		`[{"name": "Model call", "stats": {"prompt_tokens": {"n": 4}}}]`,
		`[{"name": "Model call", "stats": {"prompt_tokens": null}}]`,
		`[{"name": "Model call", "stats": {"prompt\u005ftokens": 7}}]`,
		`[{"Name": "Model call", "stats": {"prompt_tokens": 7}}]`,
		`[{"name": "Model call", "name": "x", "stats": {"prompt_tokens": 7}}]`,
		`[{"name": "Model call", "stats": {"prompt_tokens": 7}, "stats": {"completion_tokens": 8}}]`,
		`[{"name": "Model call", "stats": null}]`,
		`[null, {"name": "Model call", "stats": {"prompt_tokens": 7}}]`,
		`[{"stats": {"prompt_tokens": 7e0, "failed_requests": -0}}]`,
		`[{"name": "Model \"call\"", "stats": {"prompt_tokens": 1}}]`,
		`[{"name": 5}]`,
		// invalid JSON the one-pass reading must refuse as encoding/json does
		`[{"name": "Model call", "stats": {"prompt_tokens": 7}},]`,
		`[{"name": "Model call", "stats": {"prompt_tokens": 7,}}]`,
		`[{"name": "Model call" "stats": {"prompt_tokens": 7}}]`,
		`[{"name": "Model call", "stats": {"prompt_tokens": 07}}]`,
		`[{"name": "Model call\u12", "stats": {"prompt_tokens": 7}}]`,
		`[{"name": "Model call", "stats": {"prompt_tokens": {"total": 7}}}] x`,
		`[{"name": "Model call", "stats": {"prompt_tokens": {"total": 7,}}}]`,
		`[{"name": "Model call", "other": [1 2], "stats": {"prompt_tokens": 7}}]`,
		`[{"name": "Model call", "stats": {"prompt_tokens": 7}}`,
		`[{"name": "Model call", "stats": [1, 2]}]`,
		`[{"name": "Model call", "stats": {"prompt_tokens": 1e400}}]`,
		`[{"name": "Model call", "time_stats": {"global_mean": {"total": 1}, "total": 2}, "stats": {"prompt_tokens": 1}}]`,
		` [ { "name" : "Model call" , "stats" : { "prompt_tokens" : { "total" : 3 } } } ] `,
		`{"name": "Model call"}`,
		`[]`,
		`null`,
	} {
		checkStatsJSONFast(t, []byte(doc))
	}
}

func FuzzStatsJSONFastPath(f *testing.F) {
	for _, name := range []string{"stats_5a_tasks1.json", "stats_5b_tasks2_slurm_merge.json", "stats_5d_repo_fixture.json", "stats_5d_scalar.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`[{"name": "Model call", "stats": {"prompt_tokens": {"total": 10, "Total": 11}}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkStatsJSONFast(t, data)
	})
}
