package logparse

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/lineup-dev/lineup/collector/logparse/logparsetest"
)

// summaryOf is what LogScanner.Summary must equal: ParseServerLog, then
// Summarize over its stats lines.
func summaryOf(t testing.TB, data []byte) *LogSummary {
	t.Helper()
	log, err := ParseServerLog(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return &LogSummary{Lines: log.Lines, StatsLines: len(log.Stats), SpecLines: len(log.Spec), Rejoined: log.Rejoined,
		Dropped: log.Dropped, Startup: log.Startup, Throughput: Summarize(log.Stats)}
}

func dumpSummary(s *LogSummary) string {
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		panic(err)
	}
	return string(out)
}

// TestLogScannerSummary: one scanner, reused across every reference file
// (testdata/reference, copies of /work/shared/reference/vllm-logs) and
// synthetic logs (logparsetest: one engine, data-parallel engines, a log
// crossing New Year), gives exactly what ParseServerLog + Summarize give.
func TestLogScannerSummary(t *testing.T) {
	inputs := map[string][]byte{}
	for _, f := range []string{"vllm_throughput_lines.txt", "vllm_startup_lines.txt", "failures.txt", "vllm_bench_outputs.txt"} {
		inputs[f] = readRef(t, f)
	}
	for _, l := range []logparsetest.Log{
		{Version: "0.15.1", Model: "google/gemma-3-1b-it", Lines: 400, Mixed: 30},
		{Version: "0.15.1", Model: "google/gemma-3-1b-it", TP: 2, DP: 4, Lines: 333, Mixed: 7},
		{Version: "0.10.0", Model: "m", Lines: 50, Mixed: 3, Start: time.Date(2025, 12, 31, 23, 55, 0, 0, time.UTC)},
		{Version: "0.10.0", Model: "m", Lines: 5000, Mixed: 300, Start: time.Date(2024, 2, 28, 20, 0, 0, 0, time.UTC)},
	} {
		inputs[fmt.Sprintf("synthetic dp%d %d lines from %s", l.DP, l.Lines, l.Start.Format(time.DateOnly))] = syntheticLog(t, l)
	}
	var sc LogScanner
	for _, round := range []string{"fresh", "reused"} {
		for name, data := range inputs {
			t.Run(round+"/"+name, func(t *testing.T) {
				got, err := sc.Summary(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				if g, w := dumpSummary(got), dumpSummary(summaryOf(t, data)); g != w {
					t.Errorf("scanner summary differs:\n%s\nwant\n%s", g, w)
				}
				if got.StatsLines == 0 && strings.Contains(name, "synthetic") {
					t.Error("no stats lines in a synthetic log")
				}
			})
		}
	}
}

// timelineTimes is the timeline's time axis as Summarize computed it
// before the hand-written clock, with time.Parse and AddDate: the
// reference the fast path must match.
func timelineTimes(times []string) []float64 {
	ts := make([]float64, len(times))
	var first, prev time.Time
	years := 0
	for i, s := range times {
		guess := 0.0
		if i > 0 {
			guess = ts[i-1] + DefaultInterval
		}
		at, err := time.Parse("01-02 15:04:05", s)
		if err != nil {
			ts[i] = guess
			continue
		}
		if first.IsZero() {
			first = at.Add(-time.Duration(guess * float64(time.Second)))
		}
		if !prev.IsZero() && at.AddDate(years, 0, 0).Before(prev.Add(-24*time.Hour)) {
			years++
		}
		at = at.AddDate(years, 0, 0)
		prev = at
		ts[i] = at.Sub(first).Seconds()
	}
	return ts
}

// TestTimelineClock: the timeline's times equal time.Parse's for valid and
// invalid timestamps, missing ones, New Year (also after Feb 29, which year
// 0 has and year 1 has not), and forms only time.Parse reads (a one-digit
// hour, fractional seconds).
func TestTimelineClock(t *testing.T) {
	tests := [][]string{
		{"05-19 10:13:11", "05-19 10:13:21", "", "05-19 10:13:41"},
		{"", "", "05-19 10:13:11", "05-19 10:13:21"},
		{"12-31 23:59:50", "01-01 00:00:00", "01-01 00:00:10", "12-31 23:59:59", "01-01 00:00:09"},
		{"02-28 23:59:50", "02-29 00:00:00", "02-29 12:00:00", "12-31 23:59:59", "01-01 00:00:01", "02-28 10:00:00", "02-29 10:00:00", "03-01 00:00:00"},
		{"02-30 10:00:00", "13-01 10:00:00", "00-01 10:00:00", "01-00 10:00:00", "04-31 10:00:00", "01-01 24:00:00", "01-01 10:60:00", "01-01 10:00:60", "05-19 10:13:11"},
		{"05-19 9:13:11", "05-19 10:13:11.5", "05-19 10:13:11,25", "05-19 10:13:11 ", "5-19 10:13:11", "05-19 10:13:21"},
		{"99-99 99:99:99", "garbage", "05-19T10:13:11"},
	}
	var centuries []string // New Year 300 times: past what int64 ns since year 0 hold
	for range 300 {
		centuries = append(centuries, "12-31 23:59:50", "01-01 00:00:00")
	}
	tests = append(tests, centuries)
	for _, times := range tests {
		lines := make([]StatsLine, len(times))
		for i, s := range times {
			lines[i] = StatsLine{Engine: -1, Time: s, PromptTPS: 1, GenerationTPS: 2}
		}
		got := Summarize(lines).Timeline
		want := timelineTimes(times)
		per := (len(want) + MaxTimelinePoints - 1) / MaxTimelinePoints // a point starts every per samples
		name := fmt.Sprintf("%d times from %q", len(times), times[0])
		if len(got) != (len(want)+per-1)/per {
			t.Fatalf("%s: %d points, want %d", name, len(got), (len(want)+per-1)/per)
		}
		for i := range got {
			if got[i].T != want[i*per] {
				t.Errorf("%s: point %d at %v, want %v", name, i, got[i].T, want[i*per])
			}
		}
	}
}

func FuzzLogScanner(f *testing.F) {
	seedExcerpts(f, "vllm_throughput_lines.txt", "vllm_startup_lines.txt", "failures.txt")
	f.Add([]byte(v1Line[:90] + "\n" + v1Line[90:] + "\r\n\x1b[0m"))
	f.Add([]byte("INFO 12-31 23:59:55 [loggers.py:1] Engine 000: Avg prompt throughput: 1.0 tokens/s, Avg generation throughput: 2.0 tokens/s\n" +
		"INFO 01-01 00:00:05 [loggers.py:1] Engine 001: Avg prompt throughput: 1.0 tokens/s, Avg generation throughput: 2.0 tokens/s, Running: 3 reqs, GPU KV cache usage: 4.5%\n"))
	var sc LogScanner
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := sc.Summary(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if g, w := dumpSummary(got), dumpSummary(summaryOf(t, data)); g != w {
			t.Fatalf("scanner summary differs:\n%s\nwant\n%s", g, w)
		}
	})
}

// FuzzTimelineClock: any timestamps, the fast clock equals time.Parse.
func FuzzTimelineClock(f *testing.F) {
	f.Add("12-31 23:59:50", "01-01 00:00:00", "02-29 10:00:00")
	f.Add("02-30 10:00:00", "", "05-19 9:13:11")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		times := []string{a, b, c}
		lines := make([]StatsLine, len(times))
		for i, s := range times {
			lines[i] = StatsLine{Engine: -1, Time: s}
		}
		got := Summarize(lines).Timeline
		want := timelineTimes(times)
		for i := range got {
			if got[i].T != want[i] {
				t.Fatalf("%q: point %d at %v, want %v", times, i, got[i].T, want[i])
			}
		}
	})
}

// TestLineReaderHas: the per-buffer ESC and '\r' search agrees with a
// search of every piece, whatever the reads' sizes, the buffer's growth and
// compaction, and over-long lines.
func TestLineReaderHas(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab \x1b\r\n\n\n[m0123456789")
	for round := range 200 {
		data := make([]byte, rng.IntN(3000))
		for i := range data {
			data[i] = alphabet[rng.IntN(len(alphabet))]
			if rng.IntN(4) > 0 {
				data[i] = 'x' // mostly plain text
			}
		}
		readers := map[string]func() io.Reader{
			"whole":    func() io.Reader { return bytes.NewReader(data) },
			"one byte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data)) },
			"half":     func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) },
		}
		for name, r := range readers {
			for _, max := range []int{16, 100, 1 << 20} {
				lr := newLineReader(r(), max, make([]byte, min(max, 8+round%50)))
				for {
					piece, _, _, err := lr.next()
					if err != nil {
						break
					}
					esc, cr := lr.has(piece)
					if esc != bytes.ContainsRune(piece, 0x1b) || cr != bytes.ContainsRune(piece, '\r') {
						t.Fatalf("round %d, %s reader, max %d: piece %q: has %v %v (lo %d, buf %d, start %d end %d, cr %+v)", round, name, max, piece, esc, cr, cap(lr.buf)-cap(piece), len(lr.buf), lr.start, lr.end, lr.cr)
					}
				}
			}
		}
	}
}

// checkV1Path: parseV1 fills an occurrence exactly as the generic field
// scan does, for every anchor in line.
func checkV1Path(t *testing.T, line []byte) {
	t.Helper()
	for pos := 0; ; {
		a := bytes.Index(line[pos:], []byte(anchor))
		if a < 0 {
			return
		}
		a += pos
		var fast, generic occurrence
		parseOccurrenceWith(&fast, line, a, pos, true)
		parseOccurrenceWith(&generic, line, a, pos, false)
		if fast != generic {
			t.Fatalf("%q: the V1 path gives\n%+v\nthe field scan\n%+v", line, fast, generic)
		}
		pos = max(generic.stop, a+len(anchor))
	}
}

// TestV1Path over every line of the throughput reference and mutations
// of the 0.15 line (vllm_throughput_lines.txt §C): numbers of every form
// parseNumber reads, values past int32, extra or missing spaces, trailing
// fields, truncations.
func TestV1Path(t *testing.T) {
	for _, l := range bytes.Split(readRef(t, "vllm_throughput_lines.txt"), []byte("\n")) {
		checkV1Path(t, l)
	}
	base := v1Line[strings.Index(v1Line, "Avg prompt"):]
	prefix := v1Line[:strings.Index(v1Line, "Avg prompt")]
	variants := []string{
		base,
		strings.Replace(base, "Running: 18", "Running: 4294967296", 1),
		strings.Replace(base, "Waiting: ", "Waiting:  ", 1),
		strings.Replace(base, "throughput: 0.0", "throughput: nan", 1),
		strings.Replace(base, "throughput: 0.0", "throughput: 12345678901234567890.5", 1),
		strings.Replace(base, "%", " %", 1),
		base + ", MM cache hit rate: 0.0%",
		base + " ",
		base + ".",
	}
	for i := range len(base) {
		variants = append(variants, base[:i])
	}
	var occ occurrence
	if !parseV1(&occ, []byte(base), 0) {
		t.Fatal("the 0.15 line does not take the V1 path")
	}
	for _, v := range variants {
		checkV1Path(t, []byte(prefix+v))
		checkV1Path(t, []byte(v))
	}
}

func FuzzV1Path(f *testing.F) {
	f.Add([]byte(v1Line))
	f.Add([]byte("Engine 000: Avg prompt throughput: 1.5 tokens/s, Avg generation throughput: 2 tokens/s, Running: 3 reqs, Waiting: 4 reqs, GPU KV cache usage: 5.0%, Prefix cache hit rate: 6%"))
	f.Fuzz(func(t *testing.T, line []byte) {
		checkV1Path(t, line)
	})
}
