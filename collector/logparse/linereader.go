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
}

// newLineReader reads r; buf, when not nil, is the initial buffer (at most
// max bytes of it are used), else one of 32 kB is allocated.
func newLineReader(r io.Reader, max int, buf []byte) *lineReader {
	if buf == nil {
		buf = make([]byte, min(max, 32<<10))
	}
	return &lineReader{r: r, buf: buf[:min(len(buf), max)], max: max}
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
