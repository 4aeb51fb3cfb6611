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
	lr := newLineReader(r, maxLineBytes, nil)
	err := p.run(lr)
	p.log.Stats = p.statsLines()
	return p.log, err
}

// run parses every line lr returns.
func (p *logParser) run(lr *lineReader) error {
	for {
		text, lineNo, end, err := lr.next()
		if err != nil {
			p.flush()
			p.log.Lines = lr.lines
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read server log line %d: %w", lr.lines+1, err)
		}
		if end == endOverflow {
			p.drop(lineNo, DropLongLine, text)
		}
		esc, cr := lr.has(text)
		p.line(text, lineNo, end == endNewline, esc, cr)
	}
}

// LogSummary is what LogScanner.Summary keeps of a server log: the counts,
// the start-up facts and the seed method's throughput, equal to what
// ParseServerLog then Summarize give, without the per-line records.
type LogSummary struct {
	Lines      int // physical lines read
	StatsLines int // len(ServerLog.Stats)
	SpecLines  int // len(ServerLog.Spec)
	Rejoined   int
	Dropped    []Dropped
	Startup    Startup
	Throughput Throughput
}

// LogScanner parses logs one after another, reusing its buffers from one
// to the next, which is what makes a collect of thousands of logs cheap:
// one read buffer, the summary's slices and the failure windows, kept
// warm. It is not safe for concurrent use: use one per goroutine. The zero
// value is ready to use.
type LogScanner struct {
	buf    []byte
	sm     summarizer
	window []byte
	lower  []byte
}

// scannerBuf is the scanner's read buffer: cat's 128 kB and more, so that
// a typical server log (100-200 kB) takes one or two reads; lines up to
// maxLineBytes still fit.
const scannerBuf = maxLineBytes

// Summary parses a server log like ParseServerLog and summarizes its stats
// lines like Summarize. The summary's Throughput.Timeline lives in sc's
// buffers, as bufio.Scanner's tokens do: it is valid until sc's next
// Summary, so copy what must outlive that.
func (sc *LogScanner) Summary(r io.Reader) (*LogSummary, error) {
	if len(sc.buf) < scannerBuf {
		sc.buf = make([]byte, scannerBuf)
	}
	sc.sm.reset()
	p := &logParser{log: &ServerLog{}, sum: &sc.sm}
	err := p.run(newLineReader(r, maxLineBytes, sc.buf))
	l := p.log
	return &LogSummary{
		Lines: l.Lines, StatsLines: len(sc.sm.lines), SpecLines: len(l.Spec), Rejoined: l.Rejoined,
		Dropped: l.Dropped, Startup: l.Startup, Throughput: sc.sm.summarize(),
	}, err
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
	// recs are the stats lines kept so far, in log order; with sum set
	// (LogScanner), the lines go to sum instead, and recs stays empty.
	recs []statsRec
	sum  *summarizer
	// occ is reused for every stats line.
	occ occurrence
}

// addStats appends a parsed stats line.
func (p *logParser) addStats(occ *occurrence) {
	if p.sum != nil {
		p.sum.add(&occ.rec)
		return
	}
	p.recs = append(p.recs, occ.rec)
}

// statsLines builds ServerLog.Stats from the records: one allocation for
// the lines, one for their optional fields and one string for all
// timestamps.
func (p *logParser) statsLines() []StatsLine {
	if len(p.recs) == 0 {
		return nil
	}
	lines := make([]StatsLine, len(p.recs))
	nv, nt := 0, 0
	for i := range p.recs {
		if p.recs[i].set != 0 {
			nv++
		}
		if p.recs[i].hasTime {
			nt++
		}
	}
	vals := make([]lineValues, nv)
	times := make([]byte, 0, nt*timestampLen)
	for i := range p.recs {
		if p.recs[i].hasTime {
			times = append(times, p.recs[i].time[:]...)
		}
	}
	all := string(times)
	for i := range p.recs {
		r := &p.recs[i]
		t := ""
		if r.hasTime {
			t, all = all[:timestampLen], all[timestampLen:]
		}
		var v *lineValues // untouched when the line has no optional field
		if r.set != 0 {
			v, vals = &vals[0], vals[1:]
		}
		lines[i] = r.statsLine(v, t)
	}
	return lines
}

// line handles one physical line (or the part of an over-long line up to a
// '\r'). endsLine is false when the text did not end with a newline.
// esc and cr say whether text holds an ESC and a '\r'.
func (p *logParser) line(text []byte, lineNo int, endsLine, esc, cr bool) {
	if esc {
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
	for cr {
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
	parseOccurrence(occ, cand, a, 0)
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
	for pos := 0; len(s)-pos >= len(anchor); {
		a := indexAnchor(s[pos:])
		if a < 0 {
			break
		}
		a += pos
		occ := &p.occ
		parseOccurrence(occ, s, a, lo)
		if occ.cut && allowHold {
			p.gap(s[lo:occ.begin], lo, lineNo)
			p.pending = append(p.pending[:0], s[occ.begin:]...)
			p.pendingLine = lineNo
			return true
		}
		p.gap(s[lo:occ.begin], lo, lineNo)
		occ.rec.lineNo = lineNo
		occ.rec.joined = joins
		if occ.ok {
			p.addStats(occ)
		} else {
			p.drop(lineNo, whyText[occ.why], s[occ.begin:occ.stop])
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
	n := len(p.recs)
	if n == 0 {
		return
	}
	last := &p.recs[n-1]
	if last.set&(1<<setPrefix) != 0 {
		return
	}
	v, k := parseNumber(val)
	if k == 0 || k == len(val) || val[k] != '%' {
		return
	}
	if last.hasTime && len(before) >= timestampLen {
		var sl statsRec
		if _, at := lookback(before, len(before), 0, &sl); at >= 0 && !bytes.Equal(before[at:at+timestampLen], last.time[:]) {
			return
		}
	}
	last.vals.floats[kPrefix-kGPUKV] = v
	last.set |= 1 << setPrefix
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
