package logparse

import (
	"bytes"
	"math"
)

// SpecDecodeLine is one speculative-decoding metrics line:
//
//	V0:  "Speculative metrics: Draft acceptance rate: 0.642, System efficiency: 0.598,
//	      Number of speculative tokens: 3, Number of accepted tokens: 8547,
//	      Number of draft tokens: 13311, Number of emitted tokens: 10616."
//	V1:  "SpecDecoding metrics: Draft acceptance rate: 38.8%, Mean acceptance length: 2.16,
//	      Accepted: 0 tokens, Drafted: 0 tokens, ..."
//	     "SpecDecoding metrics: Mean acceptance length: 2.71, Accepted throughput: ...,
//	      Accepted: 169 tokens, Drafted: 198 tokens, Per-position acceptance rate: 0.919,
//	      0.788, Avg Draft acceptance rate: 85.4%"
//
// A "nan%" rate (no drafts yet) leaves AcceptanceRatePct nil.
type SpecDecodeLine struct {
	LineNo               int
	AcceptanceRatePct    *float64 // fraction*100 for V0
	MeanAcceptanceLength *float64
	Accepted, Drafted    *int64
}

var (
	specV1 = []byte("SpecDecoding metrics:")
	specV0 = []byte("Speculative metrics:")
)

// findSpec locates the next "SpecDecoding metrics:" or "Speculative
// metrics:" in s: start is where the name begins, end is just after the
// colon; both are -1 when there is none.
func findSpec(s []byte) (start, end int) {
	for off := 0; ; {
		i := indexVia(s[off:], []byte(" metrics:"), len(" metrics")) // the ':'; ' ' starts every word
		if i < 0 {
			return -1, -1
		}
		i += off
		end := i + len(" metrics:")
		for _, name := range [][]byte{specV1, specV0} {
			w := len(name) - len(" metrics:")
			if i >= w && bytes.Equal(s[i-w:i], name[:w]) {
				return i - w, end
			}
		}
		off = end
	}
}

// parseSpec reads the fields of a speculative-decoding line from body (the
// text after "metrics:", up to the next line collapsed into the same
// physical line). ok is false when no field was found.
func parseSpec(body []byte) (SpecDecodeLine, bool) {
	var sl SpecDecodeLine
	found := false
	if v, pct, ok := specValue(body, "Avg Draft acceptance rate:"); ok {
		sl.AcceptanceRatePct, found = pctValue(v, pct), true
	} else if v, pct, ok := specValueNot(body, "Draft acceptance rate:", "Avg "); ok {
		sl.AcceptanceRatePct, found = pctValue(v, pct), true
	}
	if v, _, ok := specValue(body, "Mean acceptance length:"); ok && !math.IsNaN(v) {
		sl.MeanAcceptanceLength, found = &v, true
	}
	for _, k := range []string{"Accepted:", "Number of accepted tokens:"} {
		if v, _, ok := specValue(body, k); ok && !math.IsNaN(v) {
			n := int64(v)
			sl.Accepted, found = &n, true
			break
		}
	}
	for _, k := range []string{"Drafted:", "Number of draft tokens:"} {
		if v, _, ok := specValue(body, k); ok && !math.IsNaN(v) {
			n := int64(v)
			sl.Drafted, found = &n, true
			break
		}
	}
	return sl, found
}

func pctValue(v float64, pct bool) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	if !pct {
		v *= 100 // V0 prints a fraction
	}
	return &v
}

// specValue finds key in body and reads the number after it; pct reports
// a '%' right after the number.
func specValue(body []byte, key string) (v float64, pct, ok bool) {
	return specValueNot(body, key, "")
}

// specValueNot is specValue skipping matches preceded by not.
func specValueNot(body []byte, key, not string) (v float64, pct, ok bool) {
	for off := 0; ; {
		i := bytes.Index(body[off:], []byte(key))
		if i < 0 {
			return 0, false, false
		}
		i += off
		off = i + len(key)
		if not != "" && i >= len(not) && string(body[i-len(not):i]) == not {
			continue
		}
		p := off
		for p < len(body) && body[p] == ' ' {
			p++
		}
		v, n := parseNumber(body[p:])
		if n == 0 || p+n == len(body) {
			return 0, false, false // no number, or one the end of the text may have cut
		}
		p += n
		pct = p < len(body) && body[p] == '%'
		return v, pct, true
	}
}
