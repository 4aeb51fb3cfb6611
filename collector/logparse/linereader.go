package logparse

import (
	"bytes"
	"io"
)

// how a piece returned by lineReader.next ended.
const (
	endNewline  = iota // a '\n' (the piece excludes it)
	endEOF             // the end of the input without a '\n'
	endCR              // a '\r' in a line longer than the buffer: more of the same line follows
	endOverflow        // the buffer filled without '\n' or '\r': the rest of the line is skipped
)

// lineReader splits a stream into physical lines using a buffer that
// starts small and grows up to max, so a line of any length costs at most
// max bytes.
type lineReader struct {
	r          io.Reader
	buf        []byte
	max        int
	start, end int
	err        error
	lines      int  // physical lines started so far
	skipping   bool // discarding the rest of an over-long line
	midLine    bool // the previous piece did not end its line
	empty      int  // consecutive reads that returned nothing
	// Where the next ESC and '\r' are in buf (-1: none before scanned),
	// searched once over the whole buffer rather than once per line: most
	// logs have neither.
	esc, cr byteFinder
}

// byteFinder caches the position of the next c in buf[from:scanned].
type byteFinder struct {
	c       byte
	at      int // the next c at or after from, or -1: none before scanned
	from    int
	scanned int
}

// in reports whether buf[lo:hi] holds f.c, searching buf[lo:end] at most
// once for all the pieces up to the next c.
func (f *byteFinder) in(buf []byte, lo, hi, end int) bool {
	if lo < f.from || hi > f.scanned || (f.at >= 0 && f.at < lo) {
		f.from, f.scanned = lo, end
		f.at = bytes.IndexByte(buf[lo:end], f.c)
		if f.at >= 0 {
			f.at += lo
		}
	}
	return f.at >= lo && f.at < hi
}

// forget drops what f knew: the buffer's contents were discarded.
func (f *byteFinder) forget() { f.from, f.scanned, f.at = 0, -1, -1 }

// shift follows the buffer's contents moving n bytes down.
func (f *byteFinder) shift(n int) {
	if f.at >= 0 && f.at < n {
		f.forget() // the c found was dropped: what follows it is unknown
		return
	}
	f.from -= n
	f.scanned -= n
	if f.at >= 0 {
		f.at -= n
	}
}

// has reports whether the piece last returned by next holds an ESC and a
// '\r'.
func (lr *lineReader) has(piece []byte) (esc, cr bool) {
	lo := cap(lr.buf) - cap(piece)
	if lo < 0 || lo > len(lr.buf) {
		return bytes.IndexByte(piece, 0x1b) >= 0, bytes.IndexByte(piece, '\r') >= 0
	}
	hi := lo + len(piece)
	return lr.esc.in(lr.buf, lo, hi, lr.end), lr.cr.in(lr.buf, lo, hi, lr.end)
}

// newLineReader reads r; buf, when not nil, is the initial buffer (at most
// max bytes of it are used), else one of 32 kB is allocated.
func newLineReader(r io.Reader, max int, buf []byte) *lineReader {
	if buf == nil {
		buf = make([]byte, min(max, 32<<10))
	}
	return &lineReader{r: r, buf: buf[:min(len(buf), max)], max: max, esc: byteFinder{c: 0x1b, at: -1}, cr: byteFinder{c: '\r', at: -1}}
}

// next returns the next piece of text, the 1-based line it belongs to and
// how it ended. The piece is valid until the next call. err is io.EOF at
// the end of the input, or the read error.
func (lr *lineReader) next() (text []byte, lineNo int, end int, err error) {
	for {
		if i := bytes.IndexByte(lr.buf[lr.start:lr.end], '\n'); i >= 0 {
			piece := lr.buf[lr.start : lr.start+i]
			lr.start += i + 1
			if lr.skipping {
				lr.skipping, lr.midLine = false, false
				continue
			}
			return piece, lr.begin(false), endNewline, nil
		}
		if lr.skipping {
			lr.start, lr.end = 0, 0
			lr.esc.forget()
			lr.cr.forget()
		}
		if lr.err != nil {
			if lr.start < lr.end {
				piece := lr.buf[lr.start:lr.end]
				lr.start = lr.end
				return piece, lr.begin(false), endEOF, nil
			}
			return nil, lr.lines, endEOF, lr.err
		}
		if lr.start > 0 {
			copy(lr.buf, lr.buf[lr.start:lr.end])
			lr.esc.shift(lr.start)
			lr.cr.shift(lr.start)
			lr.end -= lr.start
			lr.start = 0
		}
		if lr.end == len(lr.buf) && len(lr.buf) < lr.max {
			grown := make([]byte, min(2*len(lr.buf), lr.max))
			lr.end = copy(grown, lr.buf[:lr.end])
			lr.buf = grown
		}
		if lr.end == len(lr.buf) {
			if j := bytes.LastIndexByte(lr.buf, '\r'); j >= 0 {
				lr.start = j + 1
				return lr.buf[:j], lr.begin(true), endCR, nil
			}
			lr.start = lr.end
			lr.skipping = true
			return lr.buf, lr.begin(true), endOverflow, nil
		}
		n, err := lr.r.Read(lr.buf[lr.end:])
		lr.end += n
		switch {
		case err != nil:
			lr.err = err
		case n == 0:
			lr.empty++
			if lr.empty > 100 {
				lr.err = io.ErrNoProgress
			}
		default:
			lr.empty = 0
		}
	}
}

// begin returns the line number of the piece being returned and records
// whether the line continues after it.
func (lr *lineReader) begin(continues bool) int {
	if !lr.midLine {
		lr.lines++
	}
	lr.midLine = continues
	return lr.lines
}
