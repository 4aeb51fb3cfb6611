package snapshot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
)

// Timeline is a run's periodic stats samples, oldest first.
//
// In a lineup.snapshot/v2 document it is an object of columns, one array
// per field, all of one length:
//
//	"timeline": {"t": [0, 10], "prompt_tps": [3576, 3651.1], "generation_tps": [9537.75, 9510.55],
//	  "running": [256, 256], "waiting": [1700, null], "kv_cache_usage_pct": [20.5, 22.5]}
//
// The optional columns are present when any sample has the field, with
// null where a sample lacks it. lineup.snapshot/v1 wrote an array of point
// objects instead, five times the bytes; UnmarshalJSON reads both.
type Timeline []TimelinePoint

// The column names, in the order they are written.
const (
	colT       = "t"
	colPrompt  = "prompt_tps"
	colGen     = "generation_tps"
	colRunning = "running"
	colWaiting = "waiting"
	colKV      = "kv_cache_usage_pct"
)

// MarshalJSON writes the columns (see Timeline). A NaN or infinite value is
// an error, as encoding/json reports for any float.
func (tl Timeline) MarshalJSON() ([]byte, error) {
	if tl == nil {
		return []byte("null"), nil
	}
	return tl.appendColumns(make([]byte, 0, 16+len(tl)*48), "")
}

// appendColumns appends the columns object to b: compact when indent is
// "", else laid out as appendIndent lays out the compact form at the depth
// whose lines start with indent (one column a line, ", " between values).
func (tl Timeline) appendColumns(b []byte, indent string) ([]byte, error) {
	var running, waiting, kv bool
	for i := range tl {
		p := &tl[i]
		running = running || p.Running != nil
		waiting = waiting || p.Waiting != nil
		kv = kv || p.KVCacheUsagePc != nil
	}
	sep, colon := ",", ":"
	if indent != "" {
		sep, colon = ", ", ": "
	}
	var err error
	column := func(name string, first bool, value func(b []byte, p *TimelinePoint) []byte) {
		if !first {
			b = append(b, ',')
		}
		if indent != "" {
			b = append(b, '\n')
			b = append(b, indent...)
			b = append(b, "  "...)
		}
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, '"')
		b = append(b, colon...)
		b = append(b, '[')
		for i := range tl {
			if i > 0 {
				b = append(b, sep...)
			}
			b = value(b, &tl[i])
		}
		b = append(b, ']')
	}
	float := func(b []byte, f float64) []byte {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			if err == nil {
				err = &json.UnsupportedValueError{Value: reflect.ValueOf(f), Str: strconv.FormatFloat(f, 'g', -1, 64)}
			}
			return append(b, '0')
		}
		return appendJSONFloat(b, f)
	}
	count := func(b []byte, v *int) []byte {
		if v == nil {
			return append(b, "null"...)
		}
		return strconv.AppendInt(b, int64(*v), 10)
	}
	b = append(b, '{')
	column(colT, true, func(b []byte, p *TimelinePoint) []byte { return float(b, p.T) })
	column(colPrompt, false, func(b []byte, p *TimelinePoint) []byte { return float(b, p.PromptTPS) })
	column(colGen, false, func(b []byte, p *TimelinePoint) []byte { return float(b, p.GenerationTPS) })
	if running {
		column(colRunning, false, func(b []byte, p *TimelinePoint) []byte { return count(b, p.Running) })
	}
	if waiting {
		column(colWaiting, false, func(b []byte, p *TimelinePoint) []byte { return count(b, p.Waiting) })
	}
	if kv {
		column(colKV, false, func(b []byte, p *TimelinePoint) []byte {
			if p.KVCacheUsagePc == nil {
				return append(b, "null"...)
			}
			return float(b, *p.KVCacheUsagePc)
		})
	}
	if indent != "" {
		b = append(b, '\n')
		b = append(b, indent...)
	}
	b = append(b, '}')
	if err != nil {
		return nil, err
	}
	return b, nil
}

// TimelineError is a timeline that is not one of the two forms Timeline
// reads. Decode turns it into a SyntaxError naming the line.
type TimelineError struct {
	Msg string
	raw []byte // the timeline value as it appears in the document
}

func (e *TimelineError) Error() string { return "timeline: " + e.Msg }

// UnmarshalJSON reads the columns of lineup.snapshot/v2 or the point
// objects of v1. Unknown columns or fields, columns of different lengths
// and a missing t, prompt_tps or generation_tps are errors.
func (tl *Timeline) UnmarshalJSON(data []byte) error {
	fail := func(format string, args ...any) error {
		return &TimelineError{Msg: fmt.Sprintf(format, args...), raw: data}
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' { // v1: an array of points
		var pts []struct {
			T              *float64 `json:"t"`
			PromptTPS      *float64 `json:"prompt_tps"`
			GenerationTPS  *float64 `json:"generation_tps"`
			Running        *int     `json:"running"`
			Waiting        *int     `json:"waiting"`
			KVCacheUsagePc *float64 `json:"kv_cache_usage_pct"`
		}
		if err := strictUnmarshal(data, &pts); err != nil {
			return fail("%v", err)
		}
		out := make(Timeline, len(pts))
		for i, p := range pts {
			if p.T == nil || p.PromptTPS == nil || p.GenerationTPS == nil {
				return fail("point %d needs t, prompt_tps and generation_tps", i)
			}
			out[i] = TimelinePoint{T: *p.T, PromptTPS: *p.PromptTPS, GenerationTPS: *p.GenerationTPS,
				Running: p.Running, Waiting: p.Waiting, KVCacheUsagePc: p.KVCacheUsagePc}
		}
		*tl = out
		return nil
	}
	var c struct {
		T             []float64  `json:"t"`
		PromptTPS     []float64  `json:"prompt_tps"`
		GenerationTPS []float64  `json:"generation_tps"`
		Running       []*int     `json:"running"`
		Waiting       []*int     `json:"waiting"`
		KV            []*float64 `json:"kv_cache_usage_pct"`
	}
	if err := strictUnmarshal(data, &c); err != nil {
		return fail("%v", err)
	}
	if bytes.Equal(trimmed, []byte("null")) {
		*tl = nil
		return nil
	}
	if c.T == nil || c.PromptTPS == nil || c.GenerationTPS == nil {
		return fail("needs the columns t, prompt_tps and generation_tps")
	}
	n := len(c.T)
	for _, col := range []struct {
		name string
		len  int
		set  bool
	}{
		{colPrompt, len(c.PromptTPS), true}, {colGen, len(c.GenerationTPS), true},
		{colRunning, len(c.Running), c.Running != nil}, {colWaiting, len(c.Waiting), c.Waiting != nil}, {colKV, len(c.KV), c.KV != nil},
	} {
		if col.set && col.len != n {
			return fail("column %q has %d values, %q has %d: every column needs one value per sample", col.name, col.len, colT, n)
		}
	}
	out := make(Timeline, n)
	for i := range out {
		p := &out[i]
		p.T, p.PromptTPS, p.GenerationTPS = c.T[i], c.PromptTPS[i], c.GenerationTPS[i]
		if c.Running != nil {
			p.Running = c.Running[i]
		}
		if c.Waiting != nil {
			p.Waiting = c.Waiting[i]
		}
		if c.KV != nil {
			p.KVCacheUsagePc = c.KV[i]
		}
	}
	*tl = out
	return nil
}

// strictUnmarshal is json.Unmarshal with unknown fields rejected.
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data")
	}
	return nil
}
