package logparse

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// Differential tests of the hot path's shortcuts against the plain code
// they replace. Inputs: the lines of the throughput reference
// (testdata/reference/vllm_throughput_lines.txt, a copy of
// /work/shared/reference/vllm-logs/vllm_throughput_lines.txt) and random
// text over the bytes a timestamp is made of.

// findTimestampBytewise is findTimestamp as it was first written: every
// start from the last one down, one byte at a time.
func findTimestampBytewise(s []byte, end, lim int) (begin, at int) {
	for i := end - timestampLen; i >= lim; i-- {
		if s[i+8] == ':' && isTimestampBytewise(s[i:i+timestampLen]) {
			return i, i
		}
	}
	return end, -1
}

// isTimestampBytewise is isTimestamp as it was first written: byte by
// byte.
func isTimestampBytewise(b []byte) bool {
	return b[8] == ':' && b[11] == ':' && b[2] == '-' && b[5] == ' ' &&
		isDigit(b[0]) && isDigit(b[1]) && isDigit(b[3]) && isDigit(b[4]) &&
		isDigit(b[6]) && isDigit(b[7]) && isDigit(b[9]) && isDigit(b[10]) &&
		isDigit(b[12]) && isDigit(b[13])
}

// checkTimestamp compares isTimestamp with the byte-by-byte check and,
// for a timestamp, the clock of a stats record with parseClock's.
func checkTimestamp(t *testing.T, b []byte) {
	t.Helper()
	g, w := isTimestamp(b), isTimestampBytewise(b)
	if g != w {
		t.Fatalf("%q: isTimestamp %v, byte by byte %v", b, g, w)
	}
	if g {
		if c, want := timestampClock((*[timestampLen]byte)(b)), parseClock(b); c != want {
			t.Fatalf("%q: timestampClock %+v, parseClock %+v", b, c, want)
		}
	}
}

// TestIsTimestamp: every byte of a timestamp replaced by each byte value
// (the neighbours of digits and separators among them), and random
// timestamps of any field values.
func TestIsTimestamp(t *testing.T) {
	base := []byte("05-19 10:13:11")
	for i := range base {
		for c := range 256 {
			b := bytes.Clone(base)
			b[i] = byte(c)
			checkTimestamp(t, b)
		}
	}
	rng := rand.New(rand.NewPCG(9, 10))
	alphabet := []byte("0123456789-: /;,")
	for range 20000 {
		b := bytes.Clone(base)
		for range 1 + rng.IntN(3) {
			b[rng.IntN(len(b))] = alphabet[rng.IntN(len(alphabet))]
		}
		checkTimestamp(t, b)
	}
}

func FuzzIsTimestamp(f *testing.F) {
	f.Add([]byte("05-19 10:13:11"))
	f.Add([]byte("99-99 99:99:99"))
	f.Add([]byte("02-29 24:00:00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) >= timestampLen {
			checkTimestamp(t, b[:timestampLen])
		}
	})
}

// checkFindTimestamp compares findTimestamp with the byte-by-byte search
// for every end and a few limits.
func checkFindTimestamp(t *testing.T, s []byte) {
	t.Helper()
	for end := 0; end <= len(s); end++ {
		for _, lim := range []int{0, 1, end / 2, max(0, end-maxLookback), max(0, end-timestampLen)} {
			gb, ga := findTimestamp(s, end, lim)
			wb, wa := findTimestampBytewise(s, end, lim)
			if gb != wb || ga != wa {
				t.Fatalf("%q end %d lim %d: findTimestamp gives (%d, %d), the byte-by-byte search (%d, %d)", s, end, lim, gb, ga, wb, wa)
			}
		}
	}
}

func TestFindTimestamp(t *testing.T) {
	for _, l := range bytes.Split(readRef(t, "vllm_throughput_lines.txt"), []byte("\n")) {
		checkFindTimestamp(t, l)
	}
	// text made of timestamp bytes, where every skip rule is exercised
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("0123456789-: :x[")
	ts := []byte("05-19 10:13:11")
	for range 2000 {
		s := make([]byte, rng.IntN(80))
		for i := range s {
			s[i] = alphabet[rng.IntN(len(alphabet))]
		}
		for range rng.IntN(3) {
			if len(s) >= timestampLen {
				copy(s[rng.IntN(len(s)-timestampLen+1):], ts)
			}
		}
		checkFindTimestamp(t, s)
	}
}

func FuzzFindTimestamp(f *testing.F) {
	f.Add([]byte("(APIServer pid=3646) INFO 11-28 08:37:55 [loggers.py:257] Engine 000: "))
	f.Add([]byte("05-19 10:13:1105-19 10:13:11 5-19 10:13:11:-"))
	f.Fuzz(func(t *testing.T, s []byte) {
		if len(s) > 400 {
			s = s[:400]
		}
		checkFindTimestamp(t, s)
	})
}

// checkIndexAnchor compares indexAnchor with bytes.Index at every offset.
func checkIndexAnchor(t *testing.T, s []byte) {
	t.Helper()
	for lo := range len(s) + 1 {
		if g, w := indexAnchor(s[lo:]), bytes.Index(s[lo:], []byte(anchor)); g != w {
			t.Fatalf("%q: indexAnchor gives %d, bytes.Index %d", s[lo:], g, w)
		}
	}
}

func TestIndexAnchor(t *testing.T) {
	for _, l := range bytes.Split(readRef(t, "vllm_throughput_lines.txt"), []byte("\n")) {
		checkIndexAnchor(t, l)
	}
	// many false starts (past the ones indexAnchor tries before handing
	// over to bytes.Index), anchors cut at the end
	for _, s := range []string{
		"", "A", "Avg promp", "Avg prompt", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAvg prompt", "Avg Avg Avg Avg Avg Avg Avg Avg Avg Avg prompt x",
		"(APIServer pid=1) Avg generation throughput: Avg prompt throughput:", "AvgAvg prompt", "Avg prompt Avg prompt",
	} {
		checkIndexAnchor(t, []byte(s))
	}
}

func FuzzIndexAnchor(f *testing.F) {
	f.Add([]byte("(APIServer pid=3646) INFO 11-28 08:37:55 [loggers.py:257] Engine 000: Avg prompt throughput: 0.0 tokens/s"))
	f.Add([]byte("AAAAAAAAAAAvg prompAvg prompt"))
	f.Fuzz(func(t *testing.T, s []byte) {
		if len(s) > 300 {
			s = s[:300]
		}
		checkIndexAnchor(t, s)
	})
}

// lineSample is a stats line as samplesOfMaps takes it.
type lineSample struct {
	engine, aggregated int
	s                  sample
}

// samplesOfMaps is samplesOf as it was first written, counting every
// engine's lines in maps.
func samplesOfMaps(lines []lineSample, out []sample) ([]sample, int) {
	agg := 0
	first, several := -1, false
	for i := range lines {
		l := &lines[i]
		agg = max(agg, l.aggregated)
		if l.aggregated == 0 && l.engine >= 0 {
			if first < 0 {
				first = l.engine
			} else if l.engine != first {
				several = true
			}
		}
	}
	switch {
	case agg > 0:
		for i := range lines {
			if lines[i].aggregated > 0 {
				out = append(out, lines[i].s)
			}
		}
		return out, agg
	case !several:
		for i := range lines {
			out = append(out, lines[i].s)
		}
		return out, 1
	}
	ids := map[int]int{}
	for i := range lines {
		if l := &lines[i]; l.aggregated == 0 && l.engine >= 0 {
			ids[l.engine]++
		}
	}
	n := math.MaxInt
	for _, c := range ids {
		n = min(n, c)
	}
	seen := map[int]int{}
	out = append(out, make([]sample, n)...)
	for i := range lines {
		l := &lines[i]
		if l.engine < 0 || l.aggregated > 0 {
			continue
		}
		k := seen[l.engine]
		seen[l.engine]++
		if k >= n {
			continue
		}
		s := &out[k]
		if s.clock.state == clockNone {
			s.clock = l.s.clock
		}
		s.prompt += l.s.prompt
		s.gen += l.s.gen
		s.add(&l.s)
	}
	return out, len(ids)
}

// TestSamplesOf: lines of engines numbered from 0 (counted in a slice),
// of huge ids (in a map), unnumbered and aggregated lines, in any order:
// the same samples as the map-only version.
func TestSamplesOf(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var sm summarizer
	for round := range 3000 {
		lines := make([]lineSample, rng.IntN(40))
		idRange := []int{1, 2, 4, maxSliceEngine - 1, maxSliceEngine, 999999}[round%6]
		for i := range lines {
			l := &lines[i]
			l.engine = rng.IntN(min(idRange, 5)+1) - 1
			if idRange > 5 && l.engine >= 0 && rng.IntN(2) == 0 {
				l.engine = idRange - l.engine
			}
			if rng.IntN(50) == 0 {
				l.aggregated = 1 + rng.IntN(4)
			}
			l.s = sample{prompt: float64(rng.IntN(3)), gen: float64(rng.IntN(100)), running: rng.IntN(9), hasRun: rng.IntN(3) > 0,
				waiting: rng.IntN(9), hasWait: rng.IntN(3) > 0, kv: float64(rng.IntN(100)), kvN: rng.IntN(2),
				clock: clock{state: uint8(rng.IntN(3)), secs: int32(i)}}
		}
		tags, samples := make([]lineTag, len(lines)), make([]sample, len(lines))
		for i, l := range lines {
			tags[i], samples[i] = lineTag{engine: l.engine, aggregated: l.aggregated}, l.s
		}
		got, ge := sm.samplesOf(tags, samples)
		want, we := samplesOfMaps(lines, nil)
		if ge != we || !slices.Equal(got, want) {
			t.Fatalf("lines %+v:\nsamplesOf gives %d engines %+v\nthe map version %d engines %+v", lines, ge, got, we, want)
		}
	}
}

// parseNumberOneLoop is parseNumber as it was first written, its rare
// cases (no digit, more than 15 digits) inline.
func parseNumberOneLoop(s []byte) (float64, int) {
	var mant uint64
	i := 0
	for i < len(s) && s[i]-'0' < 10 {
		mant = mant*10 + uint64(s[i]-'0')
		i++
	}
	if i == 0 {
		if len(s) >= 3 && (s[0]|0x20) == 'n' && (s[1]|0x20) == 'a' && (s[2]|0x20) == 'n' {
			return math.NaN(), 3
		}
		return 0, 0
	}
	digits, frac := i, 0
	if i+1 < len(s) && s[i] == '.' && s[i+1]-'0' < 10 {
		i++
		start := i
		for i < len(s) && s[i]-'0' < 10 {
			mant = mant*10 + uint64(s[i]-'0')
			i++
		}
		frac = i - start
		digits += frac
	}
	switch {
	case digits > 15:
	case frac == 0:
		return float64(mant), i
	default:
		return float64(mant) / pow10[frac], i
	}
	v, err := strconv.ParseFloat(string(s[:i]), 64)
	if err != nil {
		return 0, 0
	}
	return v, i
}

// checkParseNumber compares parseNumber with the first version at every
// offset of s, with s cut at every length.
func checkParseNumber(t *testing.T, s []byte) {
	t.Helper()
	for lo := range len(s) {
		for hi := lo; hi <= len(s); hi++ {
			b := s[lo:hi]
			gv, gn := parseNumber(b)
			wv, wn := parseNumberOneLoop(b)
			if gn != wn || math.Float64bits(gv) != math.Float64bits(wv) && !(math.IsNaN(gv) && math.IsNaN(wv)) {
				t.Fatalf("%q: parseNumber gives %v (%d bytes), the first version %v (%d bytes)", b, gv, gn, wv, wn)
			}
		}
	}
}

// TestParseNumberSplit: numbers of every length around the 15 digits
// where strconv takes over, with and without a fraction, "nan", and the
// reference lines.
func TestParseNumberSplit(t *testing.T) {
	for _, l := range bytes.Split(readRef(t, "vllm_throughput_lines.txt"), []byte("\n")) {
		checkParseNumber(t, l[:min(len(l), 300)])
	}
	rng := rand.New(rand.NewPCG(5, 6))
	other := []byte{'.', '.', '%', ' ', 'n', 'a', 'N', 'e', '-', 0xFF}
	for range 3000 {
		s := make([]byte, rng.IntN(40))
		for i := range s {
			if rng.IntN(6) == 0 {
				s[i] = other[rng.IntN(len(other))]
			} else {
				s[i] = '0' + byte(rng.IntN(10))
			}
		}
		checkParseNumber(t, s)
	}
}

func FuzzParseNumber(f *testing.F) {
	f.Add([]byte("12000.0 tokens/s"))
	f.Add([]byte("123456789012345.67890%"))
	f.Add([]byte("NaN 1e5 99999999999999999999"))
	f.Fuzz(func(t *testing.T, s []byte) {
		checkParseNumber(t, s[:min(len(s), 64)])
	})
}

// checkIndexVia compares indexVia with bytes.Index for every byte of key
// to look for.
func checkIndexVia(t *testing.T, s, key []byte) {
	t.Helper()
	want := bytes.Index(s, key)
	for k := range key {
		if got := indexVia(s, key, k); got != want {
			t.Fatalf("%q in %q via byte %d: indexVia gives %d, bytes.Index %d", key, s, k, got, want)
		}
	}
}

// TestIndexVia: random text over a small alphabet (many partial matches
// and misses, past the 8 before bytes.Index takes over), the keys the
// start-up scan looks for in the start-up reference lines
// (testdata/reference/vllm_startup_lines.txt).
func TestIndexVia(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for range 5000 {
		s := make([]byte, rng.IntN(60))
		for i := range s {
			s[i] = "ab{:"[rng.IntN(4)]
		}
		key := make([]byte, 1+rng.IntN(5))
		for i := range key {
			key[i] = "ab{:"[rng.IntN(4)]
		}
		checkIndexVia(t, s, key)
	}
	keys := [][]byte{kNonDefault, kInitEngine, kDriver, kNumGPUBlocks, kVersionAPI, kEngineV, kCollectVer, kDeviceName, []byte(" metrics:")}
	for _, l := range bytes.Split(readRef(t, "vllm_startup_lines.txt"), []byte("\n")) {
		for _, k := range keys {
			checkIndexVia(t, l, k)
		}
	}
}

func FuzzIndexVia(f *testing.F) {
	f.Add([]byte("INFO 05-19 10:13:11 [cli_args.py:325] non-default args: {'model': 'm'}"), []byte("non-default args: {"))
	f.Add([]byte("{{{{{{{{{{{{{{{{{{{a{"), []byte("a{"))
	f.Fuzz(func(t *testing.T, s, key []byte) {
		if len(key) == 0 {
			return
		}
		checkIndexVia(t, s[:min(len(s), 200)], key[:min(len(key), 20)])
	})
}
