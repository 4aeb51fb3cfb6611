package logparse

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lineup-dev/lineup/collector/logparse/logparsetest"
)

func syntheticLog(tb testing.TB, l logparsetest.Log) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := l.Write(&b); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// round is what the log prints (%.1f) read back.
func round(v float64) float64 {
	r, _ := strconv.ParseFloat(fmt.Sprintf("%.1f", v), 64)
	return r
}

// TestSyntheticLog: the generator's log parses back to its own numbers,
// the seed method over them computed here independently.
func TestSyntheticLog(t *testing.T) {
	for _, dp := range []int{1, 4} {
		t.Run(fmt.Sprintf("dp%d", dp), func(t *testing.T) {
			gen := logparsetest.Log{Version: "0.15.1", Model: "google/gemma-3-1b-it", TP: 2, DP: dp, Lines: 400, Mixed: 30}
			log, err := ParseServerLog(bytes.NewReader(syntheticLog(t, gen)))
			if err != nil {
				t.Fatal(err)
			}
			if len(log.Stats) != 400*dp || len(log.Dropped) != 0 {
				t.Fatalf("stats %d dropped %d", len(log.Stats), len(log.Dropped))
			}
			checkStartup(t, log.Startup, Startup{VLLMVersion: "0.15.1", Model: "google/gemma-3-1b-it", TP: intp(2), DP: intp(dp), PP: intp(1),
				MaxModelLen: intp(2048), KVCacheTokens: int64p(33824), MaxConcurrency: float64p(16.52), ModelLoadSeconds: float64p(119.639792),
				EngineInitSeconds: float64p(82.83), NonDefaultArgs: map[string]string{"model": "google/gemma-3-1b-it", "max_model_len": "2048",
					"tensor_parallel_size": strconv.Itoa(2), "data_parallel_size": strconv.Itoa(dp)}})
			// the same default pattern as the generator: prompt > 0 for k < 30
			var in, out float64
			for k := 0; k < 400; k++ {
				var p, g float64
				for e := 0; e < dp; e++ {
					if k < 30 {
						p += round(12000 + float64((k*37+e*11)%997)/10)
					}
					g += round(1000 + float64((k*53+e*7)%1999)/10)
				}
				if k < 30 {
					in += p
				} else {
					out += g
				}
			}
			sum := Summarize(log.Stats)
			checkPtr(t, "in", sum.EngineInputTPS, float64p(in/30))
			checkPtr(t, "out", sum.EngineOutputTPS, float64p(out/370))
			if sum.Engines != dp || sum.Mixed != 30 || sum.Steady != 370 || !sum.UsedSteady || len(sum.Timeline) != 200 {
				t.Errorf("%d engines, %d mixed, %d steady, %d points", sum.Engines, sum.Mixed, sum.Steady, len(sum.Timeline))
			}
		})
	}
}

// BenchmarkParseServerLog measures MB/s over a synthetic 400-stats-line V1
// log (about 110 kB, real format). The collector's target is at most 1.5x
// the time of `cat` over a tree of such files.
func BenchmarkParseServerLog(b *testing.B) {
	for _, dp := range []int{1, 4} {
		data := syntheticLog(b, logparsetest.Log{Version: "0.15.1", Model: "google/gemma-3-1b-it", TP: 2, DP: dp, Lines: 400, Mixed: 30})
		b.Run(fmt.Sprintf("dp%d", dp), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseServerLog(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// the reference file: wraps, collapsed lines, spec-decode, start-up lines
	data := readRef(b, "vllm_throughput_lines.txt")
	b.Run("reference", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := ParseServerLog(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkLogScannerSummary is the collector's path over the same logs as
// BenchmarkParseServerLog: parse and summarize with buffers reused from one
// log to the next, no per-line records kept.
func BenchmarkLogScannerSummary(b *testing.B) {
	for _, dp := range []int{1, 4} {
		data := syntheticLog(b, logparsetest.Log{Version: "0.15.1", Model: "google/gemma-3-1b-it", TP: 2, DP: dp, Lines: 400, Mixed: 30})
		b.Run(fmt.Sprintf("dp%d", dp), func(b *testing.B) {
			var sc LogScanner
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := sc.Summary(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseStatsLine(b *testing.B) {
	line := []byte(v1Line)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := ParseStatsLine(line); !ok {
			b.Fatal("no stats")
		}
	}
}

func BenchmarkSummarize(b *testing.B) {
	log, err := ParseServerLog(bytes.NewReader(syntheticLog(b, logparsetest.Log{Version: "0.15.1", Model: "m", DP: 4, Lines: 400, Mixed: 30})))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		Summarize(log.Stats)
	}
}

func BenchmarkClassifyFailure(b *testing.B) {
	text := strings.Repeat(v1Line+"\n", 2000) + "slurmstepd: error: *** JOB 1 ON n CANCELLED AT 2024-04-20T09:09:37 DUE TO TIME LIMIT ***\n"
	r := strings.NewReader(text)
	b.SetBytes(2 * FailureWindow)
	for b.Loop() {
		if reason, _, err := ClassifyFailure(r, int64(len(text))); err != nil || reason == "" {
			b.Fatal(reason, err)
		}
	}
}

// BenchmarkParseOutFile: a SLURM .out is mostly start-up and datatrove
// lines, no stats lines; every line goes through the start-up scan.
func BenchmarkParseOutFile(b *testing.B) {
	var buf bytes.Buffer
	for _, file := range []string{"vllm_startup_lines.txt", "failures.txt"} {
		for range 20 {
			buf.Write(readRef(b, file))
		}
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseServerLog(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseStatsJSON: the layout reference's stats.json of a
// one-task run (§5a), which every finished datatrove run has.
func BenchmarkParseStatsJSON(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "stats_5a_tasks1.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseStatsJSON("stats.json", data); err != nil {
			b.Fatal(err)
		}
	}
}
