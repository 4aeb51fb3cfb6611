package logparse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Dropped is a stats line (or an over-long physical line) that could not be
// used, and why.
type Dropped struct {
	LineNo int
	Reason string // one of the Drop* constants
	Text   string // at most 200 bytes
}

// Reasons for dropping.
const (
	// DropTruncated: the text ended before both throughputs were read, and
	// the next physical line did not continue it.
	DropTruncated = "truncated"
	// DropDamaged: a field before the generation throughput did not parse.
	DropDamaged = "damaged"
	// DropLongLine: a physical line longer than the line cap; its text past
	// the cap was skipped.
	DropLongLine = "line too long"
)

const (
	// maxLineBytes caps what is kept of one physical line. A line of any
	// length costs at most this much memory; past it, the line's text up to
	// the last '\r' (tqdm overwrites) is still parsed and the rest skipped.
	maxLineBytes = 256 << 10
	// maxJoins and maxJoinBytes bound the rejoining of hard-wrapped lines.
	maxJoins     = 6
	maxJoinBytes = 16 << 10
	// maxContLines bounds the continuation of a wrapped startup line.
	maxContLines = 8
	maxDropText  = 200
)

// ServerLog is what ParseServerLog found in one log.
type ServerLog struct {
	Lines   int // physical lines read
	Stats   []StatsLine
	Spec    []SpecDecodeLine
	Startup Startup
	Dropped []Dropped
	// Rejoined counts physical lines appended to rejoin hard-wrapped stats
	// lines.
	Rejoined int
}

// ParseServerLog streams a vLLM server log (or a SLURM .out holding vLLM
// lines). It never fails on content: damaged lines are parsed as far as
// possible or recorded in Dropped; only read errors are returned. Lines of any
// length (including a 100 MB file with no newline) do not blow memory: at
// most maxLineBytes of a line is kept.
func ParseServerLog(r io.Reader) (*ServerLog, error) {
	p := &logParser{log: &ServerLog{}}
	lr := newLineReader(r, maxLineBytes)
	for {
		text, lineNo, end, err := lr.next()
		if err != nil {
			p.flush()
			p.setTimes()
			p.log.Lines = lr.lines
			if errors.Is(err, io.EOF) {
				return p.log, nil
			}
			return p.log, fmt.Errorf("read server log line %d: %w", lr.lines+1, err)
		}
		if end == endOverflow {
			p.drop(lineNo, DropLongLine, text)
		}
		p.line(text, lineNo, end == endNewline)
	}
}

type logParser struct {
	log *ServerLog
	// pending is a stats line cut at the end of a physical line, waiting to
	// see whether the next line continues it.
	pending      []byte
	pendingLine  int
	pendingJoins int
	// cont is a startup line that may continue on the next physical line.
	cont      []byte
	contLines int
	ansi      []byte
	joinBuf   []byte
	// slab backs the optional fields of the stats lines, a chunk at a time.
	slab []lineValues
	// times holds the timestamps of log.Stats, timestampLen bytes each
	// (zeros: none); setTimes turns them into the Time strings at the end,
	// with one allocation for all.
	times []byte
	// occ and scratch are reused for every stats line.
	occ     occurrence
	scratch lineValues
}

const slabLines = 256

// slot is where the next stats line's optional fields go; addStats takes
// it when the line is kept.
func (p *logParser) slot() *lineValues {
	if len(p.slab) == 0 {
		p.slab = make([]lineValues, slabLines)
	}
	return &p.slab[0]
}

// addStats appends a parsed stats line whose fields are in slot().
func (p *logParser) addStats(occ *occurrence) {
	if occ.set != 0 {
		occ.attach()
		p.slab = p.slab[1:]
	}
	if p.log.Stats == nil {
		// a typical run logs a few hundred stats lines
		p.log.Stats = make([]StatsLine, 0, 2*slabLines)
		p.times = make([]byte, 0, 2*slabLines*timestampLen)
	}
	p.log.Stats = append(p.log.Stats, occ.line)
	if occ.hasTime {
		p.times = append(p.times, occ.time[:]...)
	} else {
		var zero [timestampLen]byte
		p.times = append(p.times, zero[:]...)
	}
}

// setTimes fills StatsLine.Time from p.times.
func (p *logParser) setTimes() {
	all := string(p.times)
	for i := range p.log.Stats {
		if t := all[i*timestampLen : (i+1)*timestampLen]; t[0] != 0 {
			p.log.Stats[i].Time = t
		}
	}
}

// line handles one physical line (or the part of an over-long line up to a
// '\r'). endsLine is false when the text did not end with a newline.
func (p *logParser) line(text []byte, lineNo int, endsLine bool) {
	if bytes.IndexByte(text, 0x1b) >= 0 {
		p.ansi = stripANSI(text, p.ansi)
		text = p.ansi
	}
	if p.pending != nil {
		if p.tryJoin(text, endsLine) {
			return
		}
	}
	if p.cont != nil {
		if p.tryCont(text) {
			return
		}
	}
	// tqdm '\r' overwrites: every segment is parsed on its own; only the
	// last one can continue on the next line.
	for {
		i := bytes.IndexByte(text, '\r')
		if i < 0 {
			break
		}
		if i+1 == len(text) { // CRLF
			text = text[:i]
			break
		}
		p.segment(text[:i], lineNo, false)
		text = text[i+1:]
	}
	p.segment(text, lineNo, endsLine)
}

// tryJoin appends text to the pending cut stats line and keeps the result
// if the stats line now parses further. It reports whether text was used.
func (p *logParser) tryJoin(text []byte, endsLine bool) bool {
	pend := p.pending
	p.pending = nil
	if len(text) == 0 || len(pend)+len(text) > maxJoinBytes || bytes.IndexByte(text, '\r') >= 0 {
		p.segmentJoined(pend, p.pendingLine, false)
		return false
	}
	cand := append(append(p.joinBuf[:0], pend...), text...)
	a := bytes.Index(cand, []byte(anchor))
	if a < 0 {
		p.segmentJoined(pend, p.pendingLine, false)
		return false
	}
	occ := &p.occ
	parseOccurrence(occ, &p.scratch, cand, a, 0)
	if occ.good <= len(pend) {
		p.segmentJoined(pend, p.pendingLine, false)
		return false
	}
	p.log.Rejoined++
	p.pendingJoins++
	p.joinBuf = cand
	line := p.pendingLine
	if occ.cut && endsLine && p.pendingJoins < maxJoins {
		// still cut: wait for the next line
		p.pending = append(pend[:0], cand...)
		return true
	}
	p.segmentJoined(cand, line, endsLine && p.pendingJoins < maxJoins)
	return true
}

func (p *logParser) segmentJoined(s []byte, lineNo int, allowHold bool) {
	joins := p.pendingJoins
	held := p.segmentN(s, lineNo, allowHold, joins)
	if !held {
		p.pendingJoins = 0
	}
}

func (p *logParser) segment(s []byte, lineNo int, allowHold bool) {
	p.pendingJoins = 0
	p.segmentN(s, lineNo, allowHold, 0)
}

// segmentN parses one '\r'-free segment. joins is the number of physical
// lines already joined into s. It reports whether a cut stats line at the
// end was held back as pending.
func (p *logParser) segmentN(s []byte, lineNo int, allowHold bool, joins int) bool {
	lo := 0
	for pos := 0; ; {
		a := bytes.Index(s[pos:], []byte(anchor))
		if a < 0 {
			break
		}
		a += pos
		occ := &p.occ
		parseOccurrence(occ, p.slot(), s, a, lo)
		if occ.cut && allowHold {
			p.gap(s[lo:occ.begin], lo, lineNo)
			p.pending = append(p.pending[:0], s[occ.begin:]...)
			p.pendingLine = lineNo
			return true
		}
		p.gap(s[lo:occ.begin], lo, lineNo)
		occ.line.LineNo = lineNo
		occ.line.Joined = joins
		if occ.ok {
			p.addStats(occ)
		} else {
			p.drop(lineNo, occ.why, s[occ.begin:occ.stop])
		}
		lo, pos = occ.stop, occ.stop
	}
	if allowHold && lo < len(s) && endsWithAnchorPrefix(s) {
		// "... Engine 000: Avg pro" + "mpt throughput: ...": a wrap inside
		// the anchor itself
		p.pending = append(p.pending[:0], s[lo:]...)
		p.pendingLine = lineNo
		return true
	}
	p.companions(s[lo:], lineNo)
	return false
}

const anchorFull = "Avg prompt throughput: "

// endsWithAnchorPrefix reports whether s ends with at least the first three
// bytes of "Avg prompt throughput: " (and is not a complete anchor, which
// the caller has already looked for).
func endsWithAnchorPrefix(s []byte) bool {
	if len(s) < 3 || strings.IndexByte(anchorFull, s[len(s)-1]) < 0 {
		return false
	}
	for k := min(len(anchorFull)-1, len(s)); k >= 3; k-- {
		if string(s[len(s)-k:]) == anchorFull[:k] {
			return true
		}
	}
	return false
}

// minCompanion is the shortest text before a stats line at the start of a
// line that can hold another log record: shorter, it is only the line's
// prefix ("(APIServer pid=3646) INFO ", "0: ") and is not searched.
const minCompanion = 40

// gap handles the text before a stats line; lo is its offset in the line.
func (p *logParser) gap(t []byte, lo, lineNo int) {
	if lo == 0 && len(t) < minCompanion {
		return
	}
	p.companions(t, lineNo)
}

// companions parses the non-stats text of a line: speculative-decoding
// metrics, V0's separate prefix-cache line and startup facts.
func (p *logParser) companions(t []byte, lineNo int) {
	if len(t) < 8 {
		return
	}
	for rest := t; ; {
		_, end := findSpec(rest)
		if end < 0 {
			break
		}
		body := rest[end:]
		if next, _ := findSpec(body); next >= 0 {
			body = body[:next] // another line collapsed into this one
		}
		if sl, ok := parseSpec(body); ok {
			sl.LineNo = lineNo
			p.log.Spec = append(p.log.Spec, sl)
		}
		rest = rest[end:]
	}
	if i := bytes.Index(t, []byte("Prefix cache hit rate: GPU: ")); i >= 0 {
		p.v0PrefixCache(t[:i], t[i+len("Prefix cache hit rate: GPU: "):])
	}
	if kind := p.log.Startup.scan(t); kind != contNone {
		p.cont = append(p.cont[:0], t...)
		p.contLines = 0
	}
}

// v0PrefixCache attaches V0's "Prefix cache hit rate: GPU: x%, CPU: y%" to
// the stats line logged just before it (same timestamp when both have one).
func (p *logParser) v0PrefixCache(before, val []byte) {
	n := len(p.log.Stats)
	if n == 0 {
		return
	}
	last := &p.log.Stats[n-1]
	if last.PrefixCacheHitPct != nil {
		return
	}
	v, k := parseNumber(val)
	if k == 0 || k == len(val) || val[k] != '%' {
		return
	}
	lastTime := p.times[(n-1)*timestampLen : n*timestampLen]
	if lastTime[0] != 0 && len(before) >= timestampLen {
		var sl StatsLine
		if _, at := lookback(before, len(before), 0, &sl); at >= 0 && !bytes.Equal(before[at:at+timestampLen], lastTime) {
			return
		}
	}
	last.PrefixCacheHitPct = &v
}

// tryCont appends text to a startup line that may have been hard-wrapped,
// when text does not look like a log record of its own.
func (p *logParser) tryCont(text []byte) bool {
	if len(text) > 0 && p.contLines < maxContLines && len(p.cont)+len(text) <= maxJoinBytes && !looksLikeRecord(text) {
		p.cont = append(p.cont, text...)
		p.contLines++
		return true
	}
	cont := p.cont
	p.cont = nil
	if p.contLines > 0 {
		p.log.Startup.scan(cont)
	}
	return false
}

// looksLikeRecord reports whether a line starts a log record of its own
// (a vLLM timestamp near its start, a log level, a process prefix) rather
// than continuing a wrapped line.
func looksLikeRecord(t []byte) bool {
	if bytes.IndexByte(t, '\r') >= 0 || len(bytes.TrimSpace(t)) == 0 || bytes.Contains(t, []byte(anchor)) {
		return true
	}
	switch t[0] {
	case '(', '[', ' ', '\t', '#', '>':
		return true
	}
	for _, lvl := range []string{"INFO", "WARNING", "ERROR", "DEBUG", "CRITICAL", "Traceback", "Loading", "Capturing"} {
		if bytes.HasPrefix(t, []byte(lvl)) {
			return true
		}
	}
	head := t[:min(len(t), 120)]
	for i := 0; i+timestampLen <= len(head); i++ {
		if head[i+8] == ':' && isTimestamp(head[i:i+timestampLen]) {
			return true
		}
	}
	return false
}

func (p *logParser) flush() {
	if p.pending != nil {
		pend := p.pending
		p.pending = nil
		p.segmentJoined(pend, p.pendingLine, false)
	}
	if p.cont != nil {
		cont := p.cont
		p.cont = nil
		if p.contLines > 0 {
			p.log.Startup.scan(cont)
		}
	}
}

func (p *logParser) drop(lineNo int, why string, text []byte) {
	if len(text) > maxDropText {
		text = text[:maxDropText]
	}
	p.log.Dropped = append(p.log.Dropped, Dropped{LineNo: lineNo, Reason: why, Text: string(bytes.ToValidUTF8(text, []byte("?")))})
}
