package logparse

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func mean(xs ...float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// TestSummarizeExcerpts applies the seed's method to real excerpts; the
// expected means are computed here from the numbers in the excerpt text.
func TestSummarizeExcerpts(t *testing.T) {
	set := newExcerptSet(t, "vllm_throughput_lines.txt")
	type want struct {
		in, out        *float64
		engines        int
		mixed, steady  int
		idle           int
		usedSteady     bool
		timelineT      []float64
		timelineRun0   *int
		timelineKV0    *float64
		timelineOutput []float64
	}
	tests := []struct {
		source string
		want   want
	}{
		// issue #43295: prompt 0, 0, 12068.8, 18032.5, 0; generation 1055.3, 1226.3, 734.9, 589.8, 1242.7; 10 s apart
		{"issue #43295", want{in: float64p(mean(12068.8, 18032.5)), out: float64p(mean(1055.3, 1226.3, 1242.7)),
			engines: 1, mixed: 2, steady: 3, usedSteady: true, timelineT: []float64{0, 10, 20, 30, 40},
			timelineRun0: intp(18), timelineKV0: float64p(95.9), timelineOutput: []float64{1055.3, 1226.3, 734.9, 589.8, 1242.7}}},
		// PR #37307: every line has prompt > 0: output falls back to the mixed lines
		{"PR #37307", want{in: float64p(mean(23998.2, 23999.9, 23999.8)), out: float64p(mean(18.1, 35.4, 52.6)),
			engines: 1, mixed: 3, usedSteady: false, timelineT: []float64{0, 10, 20}, timelineRun0: intp(10), timelineKV0: float64p(19.3)}},
		// issue #6689: three idle lines count as steady (the seed's rule)
		{"issue #6689", want{out: float64p(0), engines: 1, steady: 3, idle: 3, usedSteady: true, timelineT: []float64{0, 10, 20},
			timelineRun0: intp(0), timelineKV0: float64p(0)}},
		// Ray Data, Engine 000 and 001 at 21:46:42: one interval, summed
		{"Sample log content from actual Ray job", want{in: float64p(2800.7 + 3100.5), out: float64p(492.2 + 489.3),
			engines: 2, mixed: 1, timelineT: []float64{0}, timelineRun0: intp(38 + 42), timelineKV0: float64p(mean(4.6, 5.2))}},
		// Engine 000 and 001 with generation 0.0: the summed interval has prompt > 0, output = 0 from the mixed fallback
		{"msgspec.DecodeError", want{in: float64p(77889.2 + 78240.2), out: float64p(0), engines: 2, mixed: 1,
			timelineT: []float64{0}, timelineRun0: intp(0), timelineKV0: float64p(0)}},
		// issue #7540: irregular intervals 02:39:37, :42, 02:40:09, :29
		{"issue #7540", want{in: float64p(mean(871.4, 883.5, 1134.2, 1181.6)), out: float64p(mean(88.1, 85.3, 117.6, 114.5)),
			engines: 1, mixed: 4, timelineT: []float64{0, 5, 32, 52}, timelineRun0: intp(1), timelineKV0: float64p(0.2)}},
		// no stats lines at all
		{"issue #16107", want{engines: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			log, err := ParseServerLog(strings.NewReader(set.get(tt.source)))
			if err != nil {
				t.Fatal(err)
			}
			got := Summarize(log.Stats)
			w := tt.want
			checkPtr(t, "EngineInputTPS", got.EngineInputTPS, w.in)
			checkPtr(t, "EngineOutputTPS", got.EngineOutputTPS, w.out)
			if got.Engines != w.engines || got.Mixed != w.mixed || got.Steady != w.steady || got.SteadyIdle != w.idle || got.UsedSteady != w.usedSteady {
				t.Errorf("engines/mixed/steady/idle/usedSteady = %d/%d/%d/%d/%v, want %d/%d/%d/%d/%v", got.Engines, got.Mixed, got.Steady, got.SteadyIdle,
					got.UsedSteady, w.engines, w.mixed, w.steady, w.idle, w.usedSteady)
			}
			var ts []float64
			for _, p := range got.Timeline {
				ts = append(ts, p.T)
			}
			if fmt.Sprint(ts) != fmt.Sprint(w.timelineT) {
				t.Errorf("timeline T = %v, want %v", ts, w.timelineT)
			}
			if len(got.Timeline) > 0 {
				checkPtr(t, "Timeline[0].KV", got.Timeline[0].KVCacheUsagePct, w.timelineKV0)
				if r := got.Timeline[0].Running; (r == nil) != (w.timelineRun0 == nil) || r != nil && *r != *w.timelineRun0 {
					t.Errorf("Timeline[0].Running = %v, want %v", r, w.timelineRun0)
				}
			}
			for i, g := range w.timelineOutput {
				if got.Timeline[i].GenerationTPS != g {
					t.Errorf("Timeline[%d].GenerationTPS = %v, want %v", i, got.Timeline[i].GenerationTPS, g)
				}
			}
		})
	}
}

func checkPtr(t *testing.T, name string, got, want *float64) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		t.Errorf("%s = %v, want %v", name, fmtp(got), fmtp(want))
	case math.Abs(*got-*want) > 1e-9*math.Max(1, math.Abs(*want)):
		t.Errorf("%s = %v, want %v", name, *got, *want)
	}
}

func fmtp(p *float64) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

// TestSummarizeDataParallel: four engines over three intervals, the last
// one incomplete (engine 3 has no line): only complete intervals count,
// summed per interval; timestamps of engines differ by a second.
func TestSummarizeDataParallel(t *testing.T) {
	var lines []StatsLine
	prompts := [][]float64{{100, 0, 0}, {200, 0, 0}, {300, 0, 0}, {400, 0}}
	for k := 0; k < 3; k++ {
		for e := 0; e < 4; e++ {
			if k >= len(prompts[e]) {
				continue
			}
			lines = append(lines, StatsLine{Engine: e, Time: fmt.Sprintf("05-19 10:13:%02d", 10*k+e%2), PromptTPS: prompts[e][k], GenerationTPS: float64(10*(e+1) + k),
				Running: intp(e), KVCacheUsagePct: float64p(float64(e))})
		}
	}
	got := Summarize(lines)
	// interval 0: prompt 100+200+300+400, generation 10+20+30+40; interval 1: prompt 0, generation 11+21+31+41
	checkPtr(t, "in", got.EngineInputTPS, float64p(1000))
	checkPtr(t, "out", got.EngineOutputTPS, float64p(11+21+31+41))
	if got.Engines != 4 || got.Mixed != 1 || got.Steady != 1 || len(got.Timeline) != 2 {
		t.Errorf("engines %d mixed %d steady %d timeline %d", got.Engines, got.Mixed, got.Steady, len(got.Timeline))
	}
	if r := got.Timeline[1].Running; r == nil || *r != 0+1+2+3 {
		t.Errorf("running = %v, want 6", r)
	}
	checkPtr(t, "kv", got.Timeline[1].KVCacheUsagePct, float64p(mean(0, 1, 2, 3)))
	if got.Timeline[1].T != 10 {
		t.Errorf("T = %v", got.Timeline[1].T)
	}
}

// TestSummarizeAggregated: "N Engines Aggregated" lines (named in the
// variant checklist of vllm_throughput_lines.txt, no excerpt there) are the
// samples; per-engine lines beside them are ignored.
func TestSummarizeAggregated(t *testing.T) {
	text := "(APIServer pid=1) INFO 05-20 10:42:11 [loggers.py:271] 2 Engines Aggregated: Avg prompt throughput: 500.0 tokens/s, Avg generation throughput: 40.0 tokens/s, Running: 4 reqs, Waiting: 0 reqs, GPU KV cache usage: 3.0%, Prefix cache hit rate: 0.0%\n" +
		"(APIServer pid=1) INFO 05-20 10:42:11 [loggers.py:271] Engine 000: Avg prompt throughput: 250.0 tokens/s, Avg generation throughput: 20.0 tokens/s, Running: 2 reqs, Waiting: 0 reqs, GPU KV cache usage: 3.0%, Prefix cache hit rate: 0.0%\n" +
		"(APIServer pid=1) INFO 05-20 10:42:21 [loggers.py:271] 2 Engines Aggregated: Avg prompt throughput: 0.0 tokens/s, Avg generation throughput: 900.0 tokens/s, Running: 4 reqs, Waiting: 0 reqs, GPU KV cache usage: 9.0%, Prefix cache hit rate: 0.0%\n"
	log, err := ParseServerLog(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range log.Stats {
		got = append(got, fmtStats(s))
	}
	diffLists(t, "stats", got, []string{
		"L1 agg2 @05-20 10:42:11 p=500 g=40 R=4 W=0 kv=3 px=0",
		"L2 e0 @05-20 10:42:11 p=250 g=20 R=2 W=0 kv=3 px=0",
		"L3 agg2 @05-20 10:42:21 p=0 g=900 R=4 W=0 kv=9 px=0",
	})
	sum := Summarize(log.Stats)
	checkPtr(t, "in", sum.EngineInputTPS, float64p(500))
	checkPtr(t, "out", sum.EngineOutputTPS, float64p(900))
	if sum.Engines != 2 || sum.Mixed != 1 || sum.Steady != 1 {
		t.Errorf("%+v", sum)
	}
}

// TestTimelineDownsample: 1000 samples become 200 points, each the mean of
// 5 consecutive samples; a New Year crossing keeps T increasing.
func TestTimelineDownsample(t *testing.T) {
	var lines []StatsLine
	for i := 0; i < 1000; i++ {
		sec := 10 * i
		lines = append(lines, StatsLine{Engine: 0, Time: fmt.Sprintf("12-31 %02d:%02d:%02d", 21+sec/3600, sec/60%60, sec%60),
			GenerationTPS: float64(i), Running: intp(i % 2)})
	}
	// 1000 samples x 10 s crosses midnight after 3 h: make the tail "01-01"
	for i := range lines {
		sec := 10 * i
		if h := 21 + sec/3600; h >= 24 {
			lines[i].Time = fmt.Sprintf("01-01 %02d:%02d:%02d", h-24, sec/60%60, sec%60)
		}
	}
	got := Summarize(lines)
	if len(got.Timeline) != MaxTimelinePoints {
		t.Fatalf("%d points", len(got.Timeline))
	}
	for k, p := range got.Timeline {
		if want := mean(float64(5*k), float64(5*k+1), float64(5*k+2), float64(5*k+3), float64(5*k+4)); p.GenerationTPS != want {
			t.Fatalf("point %d: generation %v, want %v", k, p.GenerationTPS, want)
		}
		if p.T != float64(50*k) {
			t.Fatalf("point %d: T = %v, want %v", k, p.T, 50*k)
		}
	}
	// a sample without a timestamp is placed DefaultInterval after the previous one
	got = Summarize([]StatsLine{{Engine: -1}, {Engine: -1}, {Engine: -1, Time: "01-01 00:00:30"}, {Engine: -1}})
	var ts []float64
	for _, p := range got.Timeline {
		ts = append(ts, p.T)
	}
	if fmt.Sprint(ts) != "[0 10 20 30]" {
		t.Errorf("T = %v", ts)
	}
}

// TestTimelineHundredths: the sums over data-parallel engines and the means
// over a bucket are rounded to hundredths, so that the binary noise of
// adding one-decimal values (0.1 + 0.2 = 0.30000000000000004) does not
// reach the snapshot. The headline metrics keep full precision.
func TestTimelineHundredths(t *testing.T) {
	kv := func(v float64) *float64 { return &v }
	// two engines a line: 0.1 + 0.2 prompt, 0.7 + 0.2 generation
	var lines []StatsLine
	for i := range 5 {
		at := fmt.Sprintf("02-05 15:00:%02d", 10*i)
		lines = append(lines,
			StatsLine{Engine: 0, Time: at, PromptTPS: 0.1, GenerationTPS: 0.7, KVCacheUsagePct: kv(10.1)},
			StatsLine{Engine: 1, Time: at, PromptTPS: 0.2, GenerationTPS: 0.2, KVCacheUsagePct: kv(10.2)})
	}
	got := Summarize(lines)
	if len(got.Timeline) != 5 {
		t.Fatalf("%d points, want 5", len(got.Timeline))
	}
	for _, p := range got.Timeline {
		if p.PromptTPS != 0.3 || p.GenerationTPS != 0.9 || p.KVCacheUsagePct == nil || *p.KVCacheUsagePct != 10.15 {
			t.Errorf("point %+v (kv %v): want 0.3, 0.9 and kv 10.15", p, *p.KVCacheUsagePct)
		}
	}
	if a, b := 0.1, 0.2; a+b == 0.3 {
		t.Fatal("the noise this test is about is gone from float64")
	}
	// buckets of three one-engine samples: 1.0, 1.0, 2.0 → 1.33
	lines = nil
	for i := range 3 * MaxTimelinePoints {
		lines = append(lines, StatsLine{Engine: -1, Time: fmt.Sprintf("02-05 %02d:%02d:%02d", 10+i/360, i/6%60, i%6*10), GenerationTPS: float64(1 + i%3/2)})
	}
	got = Summarize(lines)
	if len(got.Timeline) != MaxTimelinePoints {
		t.Fatalf("%d points, want %d", len(got.Timeline), MaxTimelinePoints)
	}
	for _, p := range got.Timeline {
		if p.GenerationTPS != 1.33 {
			t.Fatalf("point %+v: want the mean of 1, 1, 2 as 1.33", p)
		}
	}
	if want := (1.0 + 1 + 2) / 3; got.EngineOutputTPS == nil || *got.EngineOutputTPS != want {
		t.Errorf("engine output %v, want the unrounded mean %v", got.EngineOutputTPS, want)
	}
}
