package collector

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"math"
	"runtime"
	"strconv"

	"golang.org/x/sync/errgroup"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// timelineSentinel marks where a run's timeline goes in its encoded form;
// no real sample is 1e-300 seconds after the first.
const timelineSentinel = 1e-300

// encodeSnapshot returns exactly the bytes of snapshot.Marshal(s) (see
// encodeSnapshotTo).
func encodeSnapshot(s *snapshot.Snapshot) ([]byte, error) {
	var buf bytes.Buffer
	if err := encodeSnapshotTo(&buf, s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// encodeSnapshotTo writes exactly the bytes of snapshot.Marshal(s) to w,
// several times faster on large snapshots and without holding them whole:
// runs are encoded in parallel, a batch at a time, and written in order;
// their timelines (most of the bytes) are written directly at their final
// indentation instead of being encoded, then re-indented. The tests check
// the equality on every tree they collect.
func encodeSnapshotTo(w io.Writer, s *snapshot.Snapshot) error {
	marshal := func() error {
		b, err := snapshot.Marshal(s)
		if err == nil {
			_, err = w.Write(b)
		}
		return err
	}
	for _, r := range s.Runs {
		for _, p := range r.Timeline {
			if !finite(p.T) || !finite(p.PromptTPS) || !finite(p.GenerationTPS) || (p.KVCacheUsagePc != nil && !finite(*p.KVCacheUsagePc)) || p.T == timelineSentinel {
				return marshal() // let encoding/json report it
			}
		}
	}
	if len(s.Runs) == 0 {
		return marshal() // "null" or "[]" as the caller built it
	}
	head := *s
	head.Runs = []snapshot.Run{}
	doc, err := snapshot.Marshal(&head)
	if err != nil {
		return err
	}
	marker := []byte("\n  \"runs\": []")
	at := bytes.Index(doc, marker)
	if at < 0 {
		return marshal()
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	bw.Write(doc[:at+len(marker)-1]) // up to and including '['
	// Batches of runs are encoded in parallel into one of two sets of
	// buffers while the previous batch, in the other set, is written.
	workers := runtime.GOMAXPROCS(0)
	size := 16 * workers
	sets := [2][][]byte{make([][]byte, size), make([][]byte, size)}
	written := make(chan struct{}, 1)
	written <- struct{}{} // no batch being written yet
	for k, lo := 0, 0; lo < len(s.Runs); k, lo = k+1, lo+size {
		batch := sets[k%2][:min(size, len(s.Runs)-lo)]
		g := new(errgroup.Group)
		g.SetLimit(workers)
		for i := range batch {
			g.Go(func() error {
				b, err := encodeRun(&s.Runs[lo+i], batch[i][:0])
				batch[i] = b
				return err
			})
		}
		err := g.Wait()
		<-written // the previous batch is out: bw is free
		if err != nil {
			return err
		}
		go func() {
			for i, b := range batch {
				if lo+i > 0 {
					bw.WriteByte(',')
				}
				bw.WriteString("\n    ")
				bw.Write(b)
			}
			written <- struct{}{}
		}()
	}
	<-written
	bw.WriteString("\n  ]")
	bw.Write(doc[at+len(marker):])
	return bw.Flush()
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// encodeRun encodes one run as an element of the snapshot's "runs" array
// (4 spaces of prefix on every line but the first), appended to out.
func encodeRun(r *snapshot.Run, out []byte) ([]byte, error) {
	indent := func(v any) ([]byte, error) {
		b, err := json.MarshalIndent(v, "    ", "  ")
		return append(out, b...), err
	}
	if len(r.Timeline) == 0 {
		return indent(r)
	}
	stub := *r
	stub.Timeline = []snapshot.TimelinePoint{{T: timelineSentinel}}
	b, err := json.MarshalIndent(&stub, "    ", "  ")
	if err != nil {
		return nil, err
	}
	open := []byte("\n      \"timeline\": [")
	i := bytes.Index(b, open)
	if i < 0 {
		return indent(r)
	}
	start := i + len(open)
	closing := []byte("\n      ]")
	j := bytes.Index(b[start:], closing)
	if j < 0 {
		return indent(r)
	}
	end := start + j
	out = append(out, b[:start]...)
	for k, p := range r.Timeline {
		if k > 0 {
			out = append(out, ',')
		}
		out = append(out, "\n        {\n          \"t\": "...)
		out = appendJSONFloat(out, p.T)
		out = append(out, ",\n          \"prompt_tps\": "...)
		out = appendJSONFloat(out, p.PromptTPS)
		out = append(out, ",\n          \"generation_tps\": "...)
		out = appendJSONFloat(out, p.GenerationTPS)
		if p.Running != nil {
			out = append(out, ",\n          \"running\": "...)
			out = strconv.AppendInt(out, int64(*p.Running), 10)
		}
		if p.Waiting != nil {
			out = append(out, ",\n          \"waiting\": "...)
			out = strconv.AppendInt(out, int64(*p.Waiting), 10)
		}
		if p.KVCacheUsagePc != nil {
			out = append(out, ",\n          \"kv_cache_usage_pct\": "...)
			out = appendJSONFloat(out, *p.KVCacheUsagePc)
		}
		out = append(out, "\n        }"...)
	}
	out = append(out, b[end:]...)
	return out, nil
}

// appendJSONFloat formats f as encoding/json does for a float64.
func appendJSONFloat(b []byte, f float64) []byte {
	if out, ok := appendShortDecimal(b, f); ok {
		return out
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 becomes e-9, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// pow10 are the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// appendShortDecimal writes f the way strconv's shortest 'f' formatting
// does, for the values a timeline is made of (1003.7, 12345.65, 20): the
// fewest decimals k for which round(f*10^k)/10^k gives f back. Up to 15
// significant digits that decimal is the only one of k decimals within
// half an ulp of f (decimals of 15 digits are more than an ulp apart), so
// it is exactly the shortest representation strconv would choose. Other
// values (more digits, exponent form, -0) report false.
func appendShortDecimal(b []byte, f float64) ([]byte, bool) {
	abs := math.Abs(f)
	if !(abs >= 1e-6 && abs < 1e15) {
		if f == 0 && !math.Signbit(f) {
			return append(b, '0'), true
		}
		return b, false
	}
	for k := 0; k < len(pow10); k++ {
		m := math.Round(abs * pow10[k])
		if m >= 1e15 {
			return b, false
		}
		if m/pow10[k] != abs {
			continue
		}
		if f < 0 {
			b = append(b, '-')
		}
		var digits [24]byte
		d := strconv.AppendUint(digits[:0], uint64(m), 10)
		if k == 0 {
			return append(b, d...), true
		}
		if len(d) <= k { // 0.05: leading zeros after the point
			b = append(b, '0', '.')
			for range k - len(d) {
				b = append(b, '0')
			}
			return append(b, d...), true
		}
		b = append(b, d[:len(d)-k]...)
		b = append(b, '.')
		return append(b, d[len(d)-k:]...), true
	}
	return b, false
}
