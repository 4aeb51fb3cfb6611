package logparse

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// A V1 stats line of vllm_throughput_lines.txt §C (issue #43295), used to
// build the constructed variants below.
const v1Line = "(APIServer pid=3646) INFO 05-19 10:13:11 [loggers.py:271] Engine 000: Avg prompt throughput: 0.0 tokens/s, Avg generation throughput: 1055.3 tokens/s, Running: 18 reqs, Waiting: 43 reqs, GPU KV cache usage: 95.9%, Prefix cache hit rate: 0.0%"

const v1Want = "e0 @05-19 10:13:11 p=0 g=1055.3 R=18 W=43 kv=95.9 px=0"

// TestPrefixesAndDamage: the prefixes of the variant checklist at the top of
// vllm_throughput_lines.txt that its excerpts show only around other lines
// (journald, docker -t, ANSI colour, compose), and the damage forms it
// lists, applied to a real line.
func TestPrefixesAndDamage(t *testing.T) {
	msg := v1Line[len("(APIServer pid=3646) "):]
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"journald", "Sep 22 23:46:41 host vllm[2141]: " + v1Line + "\n", []string{"L1 " + v1Want}},
		{"journald russian", "авг 18 14:15:04 llm python3[27876]: " + v1Line + "\n", []string{"L1 " + v1Want}},
		{"docker -t", "2026-05-12T08:01:39.331095044Z " + v1Line + "\n", []string{"L1 " + v1Want}},
		{"compose", "vllm-server | " + msg + "\n", []string{"L1 " + v1Want}},
		{"ansi", "\x1b[0;36m(APIServer pid=3646)\x1b[0;0m " + msg + "\n", []string{"L1 " + v1Want}},
		{"ansi inside a field", strings.Replace(v1Line, "1055.3", "\x1b[1m1055.3\x1b[0m", 1) + "\n", []string{"L1 " + v1Want}},
		{"srun label and loguru", "0: 2026-02-05 15:28:39.123 | INFO     | datatrove.pipeline.inference.servers.vllm_server:process_line:164 - " + v1Line + "\n", []string{"L1 " + v1Want}},
		{"CRLF", v1Line + "\r\n" + v1Line + "\r\n", []string{"L1 " + v1Want, "L2 " + v1Want}},
		{"no final newline", v1Line, []string{"L1 " + v1Want}},
		{"relative logger path", strings.Replace(v1Line, "[loggers.py:271]", "[v1/metrics/loggers.py:271]", 1) + "\n", []string{"L1 " + v1Want}},
		{"tqdm overwrites before", "Loading: 10%\rLoading: 100%\r" + v1Line + "\n", []string{"L1 " + v1Want}},
		{"tqdm overwrite inside", v1Line[:120] + "\r" + v1Line + "\n", []string{"L1 " + v1Want}},
		// the time of the first segment must not leak into the second
		{"tqdm segment without time", v1Line[:60] + "\rEngine 000: " + v1Line[strings.Index(v1Line, "Avg"):] + "\n", []string{"L1 e0 p=0 g=1055.3 R=18 W=43 kv=95.9 px=0"}},
		{"u sage", strings.Replace(v1Line, "usage", "u sage", 1) + "\n", []string{"L1 " + v1Want}},
		{"26.0 %", strings.Replace(v1Line, "95.9%", "95.9 %", 1) + "\n", []string{"L1 " + v1Want}},
		{"nan%", strings.Replace(v1Line, "95.9%", "nan%", 1) + "\n", []string{"L1 e0 @05-19 10:13:11 p=0 g=1055.3 R=18 W=43 px=0"}},
		{"MM cache", v1Line + ", MM cache hit rate: 12.5%\n", []string{"L1 " + v1Want + " mm=12.5"}},
		{"unknown field kept going", strings.Replace(v1Line, "GPU KV", "Foo: 3 reqs, GPU KV", 1) + "\n", []string{"L1 " + v1Want}},
		// a wrap inside the anchor itself, at 80 columns
		{"wrap in anchor", v1Line[:80] + "\n" + v1Line[80:] + "\n", []string{"L1 " + v1Want + " j=1"}},
		// a wrap right after a field's separator
		{"wrap after comma", v1Line[:strings.Index(v1Line, "Waiting")] + "\n" + v1Line[strings.Index(v1Line, "Waiting"):] + "\n", []string{"L1 " + v1Want + " j=1"}},
		// a wrap inside a number: "1055.3" as "10" / "55.3"
		{"wrap in number", v1Line[:strings.Index(v1Line, "1055")+2] + "\n" + v1Line[strings.Index(v1Line, "1055")+2:] + "\n", []string{"L1 " + v1Want + " j=1"}},
		// a cut line followed by an unrelated one: not joined
		{"cut then unrelated", v1Line[:strings.Index(v1Line, "Waiting")] + "\n" + "INFO:     127.0.0.1:1 - \"GET /health HTTP/1.1\" 200 OK\n",
			[]string{"L1 e0 @05-19 10:13:11 p=0 g=1055.3 R=18 partial"}},
		{"cut before generation", v1Line[:strings.Index(v1Line, "Avg gen")] + "\n\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, err := ParseServerLog(strings.NewReader(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range log.Stats {
				got = append(got, fmtStats(s))
			}
			diffLists(t, "stats", got, tt.want)
		})
	}
}

// TestDropped: what cannot be used is counted with its reason.
func TestDropped(t *testing.T) {
	text := v1Line[:strings.Index(v1Line, "Avg gen")] + "\n" + // cut, next line blank
		"\n" +
		strings.Replace(v1Line, "1055.3", "fast", 1) + "\n" // damaged generation
	log, err := ParseServerLog(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range log.Dropped {
		got = append(got, strconv.Itoa(d.LineNo)+" "+d.Reason)
	}
	diffLists(t, "dropped", got, []string{"1 truncated", "3 damaged"})
	if len(log.Stats) != 0 || log.Lines != 3 {
		t.Errorf("stats %d lines %d", len(log.Stats), log.Lines)
	}
}

// TestBrokenLogs: garbage, empty input, read errors and a 100 MB line
// without a newline neither fail nor blow memory.
func TestBrokenLogs(t *testing.T) {
	t.Run("empty", func(t *testing.T) {
		log, err := ParseServerLog(strings.NewReader(""))
		if err != nil || log.Lines != 0 || len(log.Stats)+len(log.Dropped) != 0 {
			t.Errorf("%+v %v", log, err)
		}
	})
	t.Run("binary garbage", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		data := make([]byte, 1<<20)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		// a real line inside the garbage is still found
		data = append(data, "\n"+v1Line+"\n"...)
		log, err := ParseServerLog(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if len(log.Stats) != 1 || fmtStats(log.Stats[0])[strings.Index(fmtStats(log.Stats[0]), " ")+1:] != v1Want {
			t.Errorf("stats %v", log.Stats)
		}
		for _, d := range log.Dropped {
			if len(d.Text) > maxDropText {
				t.Errorf("dropped text %d bytes", len(d.Text))
			}
		}
	})
	t.Run("read error", func(t *testing.T) {
		boom := errors.New("boom")
		log, err := ParseServerLog(io.MultiReader(strings.NewReader(v1Line+"\n"), iotest.ErrReader(boom)))
		if !errors.Is(err, boom) || log == nil || len(log.Stats) != 1 {
			t.Errorf("err %v, log %+v", err, log)
		}
	})
	t.Run("100 MB without newline", func(t *testing.T) {
		const size = 100 << 20
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		log, err := ParseServerLog(io.MultiReader(strings.NewReader(v1Line+" "), &repeatReader{b: []byte("x"), n: size}))
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		if log.Lines != 1 || len(log.Stats) != 1 || len(log.Dropped) != 1 || log.Dropped[0].Reason != DropLongLine {
			t.Errorf("lines %d stats %d dropped %+v", log.Lines, len(log.Stats), log.Dropped)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
			t.Errorf("allocated %d MB for a 100 MB line", alloc>>20)
		}
	})
	t.Run("long line of carriage returns", func(t *testing.T) {
		// a file whose only separators are '\r' (tqdm written without
		// newlines): every segment is parsed, however long the line
		var b bytes.Buffer
		for b.Len() < 3*maxLineBytes {
			b.WriteString(v1Line + "\r")
		}
		n := strings.Count(b.String(), "\r")
		log, err := ParseServerLog(&b)
		if err != nil {
			t.Fatal(err)
		}
		if len(log.Stats) != n || log.Lines != 1 || len(log.Dropped) != 0 {
			t.Errorf("stats %d of %d, lines %d, dropped %d", len(log.Stats), n, log.Lines, len(log.Dropped))
		}
	})
}

// repeatReader yields b repeatedly, n bytes in all.
type repeatReader struct {
	b []byte
	n int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), r.n)
	for i := 0; i < k; i++ {
		p[i] = r.b[i%len(r.b)]
	}
	r.n -= k
	return k, nil
}

// TestReaderIndependence: the result does not depend on how the input is
// chunked by the reader.
func TestReaderIndependence(t *testing.T) {
	for _, file := range []string{"vllm_throughput_lines.txt", "vllm_startup_lines.txt", "failures.txt"} {
		data := readRef(t, file)
		whole, err := ParseServerLog(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		for name, r := range map[string]io.Reader{
			"one byte": iotest.OneByteReader(bytes.NewReader(data)),
			"half":     iotest.HalfReader(bytes.NewReader(data)),
			"data+err": iotest.DataErrReader(bytes.NewReader(data)),
		} {
			got, err := ParseServerLog(r)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := dumpLog(got), dumpLog(whole); g != w {
				t.Errorf("%s, %s reader: result differs", file, name)
			}
		}
	}
}

// TestLineCap: a line up to the cap is kept whole (the buffer grows to it);
// one byte more and the line's tail is skipped and reported.
func TestLineCap(t *testing.T) {
	for _, tt := range []struct {
		pad     int
		dropped int
		stats   int
	}{
		// v1Line at the very end of a line that with its newline fills the buffer
		{maxLineBytes - len(v1Line) - 2, 0, 1},
		// the line is cut 100 bytes into v1Line, before the generation
		// throughput: the long line and the truncated stats line are dropped
		{maxLineBytes - 1 - 100, 2, 0},
	} {
		text := strings.Repeat("x", tt.pad) + " " + v1Line + "\n" + v1Line + "\n"
		log, err := ParseServerLog(strings.NewReader(text))
		if err != nil {
			t.Fatal(err)
		}
		if len(log.Dropped) != tt.dropped || len(log.Stats) != tt.stats+1 || log.Lines != 2 || log.Stats[len(log.Stats)-1].LineNo != 2 {
			t.Errorf("pad %d: dropped %d stats %d lines %d", tt.pad, len(log.Dropped), len(log.Stats), log.Lines)
		}
	}
}

func TestStripANSI(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"plain", "plain"},
		{"\x1b[0;36m(APIServer pid=1)\x1b[0;0m INFO", "(APIServer pid=1) INFO"},
		{"a\x1b[1;36mb\x1b[0m", "ab"},
		{"cut \x1b[0;3", "cut "},
		{"lone \x1b x", "lone  x"},
		{"bad \x1b[3é rest", "bad é rest"},
	} {
		if got := string(stripANSI([]byte(tt.in), nil)); got != tt.want {
			t.Errorf("stripANSI(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
