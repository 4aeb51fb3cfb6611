package logparse

import (
	"bytes"
	"encoding/binary"
	"math"
	"strconv"
)

// StatsLine is one vLLM periodic stats line (V0 or V1, any prefix).
//
// V0 prints "Running: R reqs, Swapped: S reqs, Pending: P reqs, GPU KV cache
// usage: U%, CPU KV cache usage: C%[.]"; V1 prints "[Engine NNN: ]Running: R
// reqs, Waiting: W reqs[, Deferred: D reqs], GPU KV cache usage: U%[, Prefix
// cache hit rate: H%][, MM cache hit rate: M%][, External prefix cache hit
// rate: E%]". V0's Pending is the waiting queue and is reported as Waiting.
type StatsLine struct {
	LineNo     int    // 1-based physical line in the file where it starts
	Engine     int    // "Engine 001" -> 1; -1 when the line names no engine (V0, V1 0.8.0-0.8.4)
	Aggregated int    // N of "N Engines Aggregated", else 0
	Time       string // the vLLM timestamp "MM-DD HH:MM:SS" when present

	PromptTPS, GenerationTPS float64

	Running, Waiting, Swapped, Deferred *int
	KVCacheUsagePct, PrefixCacheHitPct  *float64

	// CPUKVCacheUsagePct (V0), MMCacheHitPct and ExternalPrefixCacheHitPct
	// (V1) are the less common trailing fields.
	CPUKVCacheUsagePct, MMCacheHitPct, ExternalPrefixCacheHitPct *float64

	// Partial is set when the line stopped before its natural end: the text
	// ran out inside a field (a truncated or hard-wrapped line that could not
	// be rejoined) or a field was damaged. The fields before that point are
	// kept.
	Partial bool
	// Joined counts the physical lines appended to rejoin a hard wrap.
	Joined int
}

const (
	anchor       = "Avg prompt"
	maxKeyBytes  = 48
	maxLookback  = 200 // bytes searched before the anchor for the engine id and timestamp
	timestampLen = len("MM-DD HH:MM:SS")
)

// field kinds of a stats line.
const (
	kUnknown = iota
	kPrompt
	kGeneration
	kRunning
	kWaiting
	kSwapped
	kDeferred
	kGPUKV
	kCPUKV
	kPrefix
	kMM
	kExternal
)

// lineValues holds the optional fields of one stats line.
type lineValues struct {
	ints   [4]int     // running, waiting, swapped, deferred
	floats [5]float64 // gpu kv, cpu kv, prefix, mm, external (the k* order)
}

// statsRec is a stats line as the parser keeps it. It holds no pointers,
// so that appending, copying and clearing records costs the garbage
// collector nothing (no write barriers, no scanning); ServerLog.Stats is
// built from the records once, at the end.
type statsRec struct {
	lineNo, engine, aggregated, joined int
	prompt, gen                        float64
	vals                               lineValues
	set                                uint16 // bit i: vals.ints[i]; bit 4+i: vals.floats[i]
	partial                            bool
	hasTime                            bool
	time                               [timestampLen]byte
}

// bit numbers of statsRec.set
const (
	setPrefix = 4 + kPrefix - kGPUKV
	setKV     = 4 + kGPUKV - kGPUKV
)

// why a stats line was dropped (occurrence.why)
const (
	whyNone = iota
	whyTruncated
	whyDamaged
)

var whyText = [...]string{whyNone: "", whyTruncated: DropTruncated, whyDamaged: DropDamaged}

// occurrence is one stats line found in a segment. It holds no pointers
// either: the parser clears it for every line.
type occurrence struct {
	rec   statsRec
	begin int  // first byte of the line's own prefix (timestamp, engine)
	stop  int  // where the field scan stopped
	good  int  // end of the last field parsed completely
	cut   bool // the text ended inside a field
	ok    bool // prompt and generation throughput were both read
	why   uint8
}

// statsLine returns r as a StatsLine whose optional fields point into
// *vals and whose Time is t.
func (r *statsRec) statsLine(vals *lineValues, t string) StatsLine {
	l := StatsLine{
		LineNo: r.lineNo, Engine: r.engine, Aggregated: r.aggregated, Time: t,
		PromptTPS: r.prompt, GenerationTPS: r.gen, Partial: r.partial, Joined: r.joined,
	}
	if r.set == 0 {
		return l
	}
	*vals = r.vals
	for i, dst := range [...]**int{&l.Running, &l.Waiting, &l.Swapped, &l.Deferred} {
		if r.set&(1<<i) != 0 {
			*dst = &vals.ints[i]
		}
	}
	for i, dst := range [...]**float64{&l.KVCacheUsagePct, &l.CPUKVCacheUsagePct, &l.PrefixCacheHitPct, &l.MMCacheHitPct, &l.ExternalPrefixCacheHitPct} {
		if r.set&(1<<(4+i)) != 0 {
			*dst = &vals.floats[i]
		}
	}
	return l
}

// ParseStatsLine parses the first stats line in one physical line (ANSI
// codes stripped, any prefix skipped, '\r'-separated tqdm segments taken one
// by one). LineNo is set to 1. ok is false when the line holds no stats line
// with both throughputs.
func ParseStatsLine(line []byte) (StatsLine, bool) {
	line = stripANSI(line, nil)
	for len(line) > 0 {
		seg := line
		if i := bytes.IndexByte(line, '\r'); i >= 0 {
			seg, line = line[:i], line[i+1:]
		} else {
			line = nil
		}
		for pos := 0; ; {
			a := indexAnchor(seg[pos:])
			if a < 0 {
				break
			}
			a += pos
			var occ occurrence
			parseOccurrence(&occ, seg, a, pos)
			if occ.ok {
				occ.rec.lineNo = 1
				t := ""
				if occ.rec.hasTime {
					t = string(occ.rec.time[:])
				}
				return occ.rec.statsLine(new(lineValues), t), true
			}
			pos = max(occ.stop, a+len(anchor))
		}
	}
	return StatsLine{}, false
}

// indexAnchor is bytes.Index(s, []byte(anchor)). 'A' is rare in log text
// (one false start in "(APIServer pid=N)"), so it looks for 'A' and
// compares the anchor as a constant string, without bytes.Index's set-up
// and bookkeeping for each line; text with many 'A's goes to bytes.Index.
func indexAnchor(s []byte) int {
	i := 0
	for range 8 {
		j := bytes.IndexByte(s[i:], anchor[0])
		if j < 0 {
			return -1
		}
		i += j
		if len(s)-i < len(anchor) {
			return -1
		}
		if string(s[i:i+len(anchor)]) == anchor {
			return i
		}
		i++
	}
	if k := bytes.Index(s[i:], []byte(anchor)); k >= 0 {
		return i + k
	}
	return -1
}

// parseOccurrence reads the stats line whose "Avg prompt" anchor is at a
// into occ; lo bounds the look-back for its prefix.
func parseOccurrence(occ *occurrence, s []byte, a, lo int) {
	parseOccurrenceWith(occ, s, a, lo, true)
}

// parseOccurrenceWith is parseOccurrence, trying parseV1 first when v1
// (the tests compare both ways).
func parseOccurrenceWith(occ *occurrence, s []byte, a, lo int, v1 bool) {
	*occ = occurrence{begin: a}
	rec := &occ.rec
	rec.engine = -1
	var t int
	occ.begin, t = lookback(s, a, lo, rec)
	if t >= 0 {
		copy(rec.time[:], s[t:])
		rec.hasTime = true
	}
	if !v1 || !parseV1(occ, s, a) {
		parseFields(occ, s, a)
	}
}

// parseV1 reads the stats line at a when it is exactly the line every V1
// release since 0.8.5 prints, with its single spaces, up to the end of s:
//
//	Avg prompt throughput: P tokens/s, Avg generation throughput: G tokens/s,
//	Running: R reqs, Waiting: W reqs, GPU KV cache usage: U%, Prefix cache
//	hit rate: H%
//
// each value a plain number, and fills occ as parseFields would; otherwise
// it reports false and leaves the fields alone. Nearly every line of a V1
// log takes this path. The text between two values (a unit and the next
// key) is compared as constant strings of at most 16 bytes, which the
// compiler turns into a couple of word loads and compares instead of a
// call to memequal.
func parseV1(occ *occurrence, s []byte, a int) bool {
	t := s[a:] // "Avg prompt" is at a
	if len(t) < 23 || string(t[10:23]) != " throughput: " {
		return false
	}
	t = t[23:]
	prompt, n := parseNumber(t)
	if n == 0 || math.IsNaN(prompt) {
		return false
	}
	t = t[n:]
	if len(t) < 38 || string(t[:16]) != " tokens/s, Avg g" || string(t[16:32]) != "eneration throug" || string(t[32:38]) != "hput: " {
		return false
	}
	t = t[38:]
	gen, n := parseNumber(t)
	if n == 0 || math.IsNaN(gen) {
		return false
	}
	t = t[n:]
	if len(t) < 20 || string(t[:16]) != " tokens/s, Runni" || string(t[16:20]) != "ng: " {
		return false
	}
	t = t[20:]
	running, n := parseNumber(t)
	if n == 0 || !(running <= math.MaxInt32) { // NaN fails too
		return false
	}
	t = t[n:]
	if len(t) < 16 || string(t[:16]) != " reqs, Waiting: " {
		return false
	}
	t = t[16:]
	waiting, n := parseNumber(t)
	if n == 0 || !(waiting <= math.MaxInt32) {
		return false
	}
	t = t[n:]
	if len(t) < 27 || string(t[:16]) != " reqs, GPU KV ca" || string(t[16:27]) != "che usage: " {
		return false
	}
	t = t[27:]
	kv, n := parseNumber(t)
	if n == 0 || math.IsNaN(kv) {
		return false
	}
	t = t[n:]
	if len(t) < 26 || string(t[:16]) != "%, Prefix cache " || string(t[16:26]) != "hit rate: " {
		return false
	}
	t = t[26:]
	prefix, n := parseNumber(t)
	if n == 0 || math.IsNaN(prefix) || len(t) != n+1 || t[n] != '%' {
		return false
	}
	rec := &occ.rec
	rec.prompt, rec.gen = prompt, gen
	rec.vals.ints[kRunning-kRunning], rec.vals.ints[kWaiting-kRunning] = int(running), int(waiting)
	rec.vals.floats[kGPUKV-kGPUKV], rec.vals.floats[kPrefix-kGPUKV] = kv, prefix
	rec.set = 1<<(kRunning-kRunning) | 1<<(kWaiting-kRunning) | 1<<setKV | 1<<setPrefix
	occ.good, occ.stop, occ.ok = len(s), len(s), true
	return true
}

// parseFields reads the fields of the stats line whose anchor is at a,
// any version, any damage.
func parseFields(occ *occurrence, s []byte, a int) {
	rec := &occ.rec
	vals := &rec.vals
	var (
		set     uint16
		haveP   bool
		haveG   bool
		p       = a
		partial bool
	)
	occ.good = a
loop:
	for {
		for p < len(s) && s[p] == ' ' {
			p++
		}
		k := p
		kind, next, st := readKey(s, k)
		if st == keyCut {
			occ.cut, p = true, len(s)
			break
		}
		if st == keyBad {
			partial = true // a separator promised another field
			break
		}
		if k == a && kind != kPrompt {
			break
		}
		p = next
		for p < len(s) && s[p] == ' ' {
			p++
		}
		if p == len(s) {
			occ.cut = true
			break
		}
		v, n := parseNumber(s[p:])
		if n == 0 {
			partial = true
			break
		}
		p += n
		if p == len(s) {
			occ.cut = true // the number itself may be cut
			break
		}
		m, cut := matchUnit(s[p:], kind)
		if cut {
			occ.cut = true
			break
		}
		if m < 0 {
			partial = true
			break
		}
		p += m
		nan := math.IsNaN(v)
		switch kind {
		case kPrompt:
			if nan {
				partial = true
				break loop
			}
			rec.prompt, haveP = v, true
		case kGeneration:
			if nan {
				partial = true
				break loop
			}
			rec.gen, haveG = v, true
		case kRunning, kWaiting, kSwapped, kDeferred:
			i := kind - kRunning
			if !nan && v >= 0 && v <= math.MaxInt32 {
				vals.ints[i] = int(v)
				set |= 1 << i
			}
		case kGPUKV, kPrefix, kCPUKV, kMM, kExternal:
			i := kind - kGPUKV
			if !nan {
				vals.floats[i] = v
				set |= 1 << (4 + i)
			}
		}
		occ.good = p
		if p == len(s) {
			break
		}
		switch s[p] {
		case ',':
			p++
			if p == len(s) {
				occ.cut = true
				break loop
			}
			if s[p] == ' ' {
				p++
				if p == len(s) {
					occ.cut = true
					break loop
				}
			}
			occ.good = p
		case '.': // V0 ends "CPU KV cache usage: 0.0%."
			p++
			occ.good = p
			break loop
		default:
			break loop
		}
	}
	occ.stop = max(p, a+len(anchor))
	rec.partial = occ.cut || partial
	occ.ok = haveP && haveG
	switch {
	case occ.ok:
	case occ.cut:
		occ.why = whyTruncated
	default:
		occ.why = whyDamaged
	}
	rec.set = set
}

// lookback reads "Engine NNN: " or "N Engines Aggregated: " right before the
// anchor and finds the vLLM timestamp before that. It returns where the
// line's own prefix begins and where the timestamp is (-1: none).
func lookback(s []byte, a, lo int, sl *statsRec) (begin, at int) {
	begin = a
	j := a
	for j > lo && s[j-1] == ' ' {
		j--
	}
	if j > lo && s[j-1] == ':' {
		e := j - 1
		d := e
		for d > lo && isDigit(s[d-1]) && e-d < 6 {
			d--
		}
		switch {
		case d < e && d-lo >= len("Engine ") && string(s[d-len("Engine "):d]) == "Engine ":
			sl.engine = atoi(s[d:e])
			begin = d - len("Engine ")
		case d == e && e-lo >= len("Engines Aggregated") && string(s[e-len("Engines Aggregated"):e]) == "Engines Aggregated":
			n := e - len("Engines Aggregated")
			for n > lo && s[n-1] == ' ' {
				n--
			}
			m := n
			for m > lo && isDigit(s[m-1]) && n-m < 6 {
				m--
			}
			if m < n {
				sl.aggregated = atoi(s[m:n])
				begin = m
			}
		}
	}
	return findTimestamp(s, begin, max(lo, begin-maxLookback))
}

// findTimestamp returns the last "MM-DD HH:MM:SS" that starts in s[lim:]
// and ends by s[end] as (its offset, its offset), or (end, -1) when there
// is none. The byte at a candidate start i rules out every start whose
// timestamp could not hold it at its offset: a byte that is in no
// timestamp skips all 14 starts that cover it, '-' can only be offset 2,
// ' ' offset 5 and ':' offset 8 or 11. Between the timestamp and the stats
// line ("[loggers.py:257] Engine 000: ") that is a handful of steps
// instead of one per byte.
func findTimestamp(s []byte, end, lim int) (begin, at int) {
	for i := end - timestampLen; i >= lim; {
		switch c := s[i]; {
		case isDigit(c):
			if s[i+8] == ':' && isTimestamp(s[i:i+timestampLen]) {
				return i, i
			}
			i--
		case c == '-':
			i -= 2
		case c == ' ':
			i -= 5
		case c == ':':
			i -= 8
		default:
			i -= timestampLen
		}
	}
	return end, -1
}

// isTimestamp matches vLLM's "MM-DD HH:MM:SS". It reads "MM-DD HH" and
// "HH:MM:SS" as two little-endian words and checks all their bytes at
// once: the separators exactly, a digit's high nibble is 3 and its low
// nibble plus 6 does not carry into the high one (no carry leaves a byte
// whose high nibble is 3, so the bytes do not disturb one another).
func isTimestamp(b []byte) bool {
	lo := binary.LittleEndian.Uint64(b[0:8])
	hi := binary.LittleEndian.Uint64(b[6:14])
	return lo&tsMask == tsLo && hi&tsMask == tsHi &&
		(lo+tsAdd)&tsDigitMask == tsDigits && (hi+tsAdd)&tsDigitMask == tsDigits
}

// The lanes of the two words of a timestamp, byte 0 lowest: digit, digit,
// separator, digit, digit, separator, digit, digit.
const (
	tsMask      = 0xF0 | 0xF0<<8 | 0xFF<<16 | 0xF0<<24 | 0xF0<<32 | 0xFF<<40 | 0xF0<<48 | 0xF0<<56
	tsLo        = '0' | '0'<<8 | '-'<<16 | '0'<<24 | '0'<<32 | ' '<<40 | '0'<<48 | '0'<<56
	tsHi        = '0' | '0'<<8 | ':'<<16 | '0'<<24 | '0'<<32 | ':'<<40 | '0'<<48 | '0'<<56
	tsAdd       = 6 | 6<<8 | 6<<24 | 6<<32 | 6<<48 | 6<<56
	tsDigitMask = 0xF0 | 0xF0<<8 | 0xF0<<24 | 0xF0<<32 | 0xF0<<48 | 0xF0<<56
	tsDigits    = '0' | '0'<<8 | '0'<<24 | '0'<<32 | '0'<<48 | '0'<<56
)

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func atoi(b []byte) int {
	n := 0
	for _, c := range b {
		n = n*10 + int(c-'0')
	}
	return n
}

// readKey outcomes.
const (
	keyOK  = iota
	keyCut // the text ends inside the key
	keyBad // no "Key:" here
)

// readKey reads the key of the field at k and returns its kind and the
// offset just after its colon.
func readKey(s []byte, k int) (kind, next, st int) {
	if kind, n := exactKey(s[k:]); n > 0 {
		return kind, k + n, keyOK
	}
	win := s[k:min(len(s), k+maxKeyBytes)]
	c := bytes.IndexByte(win, ':')
	switch {
	case c < 0 && k+len(win) == len(s):
		return kUnknown, len(s), keyCut
	case c <= 0:
		return kUnknown, k, keyBad
	}
	return classify(win[:c]), k + c + 1, keyOK
}

// exactKey matches the keys exactly as vLLM prints them, which is nearly
// always; classify handles the damaged ones.
func exactKey(s []byte) (kind, n int) {
	if len(s) < 8 {
		return kUnknown, 0
	}
	var key string
	switch s[0] {
	case 'A':
		if s[4] == 'p' {
			kind, key = kPrompt, "Avg prompt throughput:"
		} else {
			kind, key = kGeneration, "Avg generation throughput:"
		}
	case 'R':
		kind, key = kRunning, "Running:"
	case 'W':
		kind, key = kWaiting, "Waiting:"
	case 'S':
		kind, key = kSwapped, "Swapped:"
	case 'P':
		if s[1] == 'e' {
			kind, key = kWaiting, "Pending:"
		} else {
			kind, key = kPrefix, "Prefix cache hit rate:"
		}
	case 'D':
		kind, key = kDeferred, "Deferred:"
	case 'G':
		kind, key = kGPUKV, "GPU KV cache usage:"
	case 'C':
		kind, key = kCPUKV, "CPU KV cache usage:"
	case 'M':
		kind, key = kMM, "MM cache hit rate:"
	case 'E':
		kind, key = kExternal, "External prefix cache hit rate:"
	default:
		return kUnknown, 0
	}
	if len(s) >= len(key) && string(s[:len(key)]) == key {
		return kind, len(key)
	}
	return kUnknown, 0
}

// classify names a stats-line key. Matching on the first words tolerates
// the damage seen in pasted logs ("Avg generation throughpu t", "GPU KV
// cache u sage").
func classify(key []byte) int {
	has := func(p string) bool { return len(key) >= len(p) && string(key[:len(p)]) == p }
	switch key[0] {
	case 'A':
		switch {
		case has("Avg prompt"):
			return kPrompt
		case has("Avg generation"):
			return kGeneration
		}
	case 'R':
		if has("Running") {
			return kRunning
		}
	case 'W':
		if has("Waiting") {
			return kWaiting
		}
	case 'P':
		switch {
		case has("Pending"):
			return kWaiting
		case has("Prefix cache"):
			return kPrefix
		}
	case 'S':
		if has("Swapped") {
			return kSwapped
		}
	case 'D':
		if has("Deferred") {
			return kDeferred
		}
	case 'G':
		if has("GPU KV") {
			return kGPUKV
		}
	case 'C':
		if has("CPU KV") {
			return kCPUKV
		}
	case 'M':
		if has("MM cache") {
			return kMM
		}
	case 'E':
		if has("External prefix") {
			return kExternal
		}
	}
	return kUnknown
}

// matchUnit matches the unit after a value. It returns the bytes consumed,
// or -1 when the text does not carry the unit; cut is true when the text
// ends inside the unit.
func matchUnit(s []byte, kind int) (n int, cut bool) {
	switch kind {
	case kPrompt, kGeneration:
		return matchLit(s, " tokens/s")
	case kRunning, kWaiting, kSwapped, kDeferred:
		return matchLit(s, " reqs")
	case kUnknown:
		// a field this parser does not know: only with a unit it knows, or
		// a bare number ending the field, so that a line that merely
		// contains "Key: 127.0.0.1" is not taken for a continuation
		for _, u := range []string{"%", " reqs", " tokens/s"} {
			if n, cut := matchLit(s, u); n > 0 || cut {
				return n, cut
			}
		}
		if s[0] == ',' {
			return 0, false
		}
		return -1, false
	}
	// percentages, tolerating "26.0 %"
	i := 0
	for i < len(s) && i < 2 && s[i] == ' ' {
		i++
	}
	if i == len(s) {
		return 0, true
	}
	if s[i] == '%' {
		return i + 1, false
	}
	return -1, false
}

func matchLit(s []byte, lit string) (int, bool) {
	if len(s) >= len(lit) {
		if string(s[:len(lit)]) == lit {
			return len(lit), false
		}
		return -1, false
	}
	if string(s) == lit[:len(s)] {
		return 0, true
	}
	return -1, false
}

// parseNumber reads a non-negative decimal ("1003.7", "26", "nan") at the
// start of s and returns its value and length (0 when there is none). Up to
// 15 significant digits the value is computed exactly as strconv would
// (an integer mantissa divided by an exact power of ten); longer numbers go
// through strconv.
func parseNumber(s []byte) (float64, int) {
	var mant uint64
	i := 0
	for i < len(s) && s[i]-'0' < 10 {
		mant = mant*10 + uint64(s[i]-'0')
		i++
	}
	if i == 0 {
		return parseNaN(s)
	}
	if i+1 < len(s) && s[i] == '.' && s[i+1]-'0' < 10 {
		digits := i
		i++
		start := i
		for i < len(s) && s[i]-'0' < 10 {
			mant = mant*10 + uint64(s[i]-'0')
			i++
		}
		frac := i - start
		if digits+frac > 15 {
			return parseLong(s[:i])
		}
		return float64(mant) / pow10[frac&15], i // frac <= 14 here: &15 only drops the bounds check
	}
	if i > 15 {
		return parseLong(s[:i])
	}
	return float64(mant), i
}

// parseNaN is parseNumber of text that does not start with a digit.
func parseNaN(s []byte) (float64, int) {
	if len(s) >= 3 && (s[0]|0x20) == 'n' && (s[1]|0x20) == 'a' && (s[2]|0x20) == 'n' {
		return math.NaN(), 3
	}
	return 0, 0
}

// parseLong is parseNumber of a number of more than 15 significant digits.
func parseLong(num []byte) (float64, int) {
	v, err := strconv.ParseFloat(string(num), 64)
	if err != nil {
		return 0, 0
	}
	return v, len(num)
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// stripANSI removes ESC '[' ... final-byte sequences (and a lone ESC). It
// returns s itself when there is no ESC; otherwise it writes into buf.
func stripANSI(s, buf []byte) []byte {
	i := bytes.IndexByte(s, 0x1b)
	if i < 0 {
		return s
	}
	out := append(buf[:0], s[:i]...)
	for i < len(s) {
		c := s[i]
		if c != 0x1b {
			out = append(out, c)
			i++
			continue
		}
		i++
		if i < len(s) && s[i] == '[' {
			// CSI: parameter and intermediate bytes 0x20-0x3f, then one
			// final byte 0x40-0x7e; anything else ends a malformed
			// sequence, and the text after it is kept
			j := i + 1
			for j < len(s) && j-i <= 32 && s[j] >= 0x20 && s[j] <= 0x3f {
				j++
			}
			if j < len(s) && s[j] >= 0x40 && s[j] <= 0x7e {
				j++
			}
			i = j
		}
	}
	return out
}
