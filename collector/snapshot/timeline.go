package snapshot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
)

// Timeline is a run's periodic stats samples, oldest first, held column by
// column as a lineup.snapshot/v2 document writes them: one value per sample
// in each column.
//
//	"timeline": {"t": [0, 10], "prompt_tps": [3576, 3651.1], "generation_tps": [9537.75, 9510.55],
//	  "running": [256, 256], "waiting": [1700, null], "kv_cache_usage_pct": [20.5, 22.5]}
//
// The optional columns are present when any sample has the field, with
// null where a sample lacks it; in memory such a sample holds -1 (any
// negative value reads as not stated), and a column no sample has is nil.
// lineup.snapshot/v1 wrote an array of point objects instead, five times
// the bytes; UnmarshalJSON reads both. TimelineOf builds a Timeline from
// points, Points gives them back.
type Timeline struct {
	T               []float64 // seconds since the first sample
	PromptTPS       []float64
	GenerationTPS   []float64
	Running         []int // -1: not stated; nil: stated by no sample
	Waiting         []int
	KVCacheUsagePct []float64 // -1: not stated; nil: stated by no sample
}

// TimelineOf returns the timeline of pts.
func TimelineOf(pts ...TimelinePoint) Timeline {
	n := len(pts)
	if n == 0 {
		return Timeline{}
	}
	tl := Timeline{T: make([]float64, n), PromptTPS: make([]float64, n), GenerationTPS: make([]float64, n),
		Running: make([]int, n), Waiting: make([]int, n), KVCacheUsagePct: make([]float64, n)}
	for i, p := range pts {
		tl.T[i], tl.PromptTPS[i], tl.GenerationTPS[i] = p.T, p.PromptTPS, p.GenerationTPS
		tl.Running[i], tl.Waiting[i], tl.KVCacheUsagePct[i] = -1, -1, -1
		if p.Running != nil {
			tl.Running[i] = *p.Running
		}
		if p.Waiting != nil {
			tl.Waiting[i] = *p.Waiting
		}
		if p.KVCacheUsagePc != nil {
			tl.KVCacheUsagePct[i] = *p.KVCacheUsagePc
		}
	}
	tl.dropEmptyColumns()
	return tl
}

// dropEmptyColumns sets an optional column no sample has to nil.
func (tl *Timeline) dropEmptyColumns() {
	if !slices.ContainsFunc(tl.Running, func(v int) bool { return v >= 0 }) {
		tl.Running = nil
	}
	if !slices.ContainsFunc(tl.Waiting, func(v int) bool { return v >= 0 }) {
		tl.Waiting = nil
	}
	if !slices.ContainsFunc(tl.KVCacheUsagePct, func(v float64) bool { return v >= 0 }) {
		tl.KVCacheUsagePct = nil
	}
}

// Len is the number of samples.
func (tl Timeline) Len() int { return len(tl.T) }

// IsZero reports whether the timeline has no samples (json's omitzero).
func (tl Timeline) IsZero() bool { return len(tl.T) == 0 }

// Point returns sample i.
func (tl Timeline) Point(i int) TimelinePoint {
	p := TimelinePoint{T: tl.T[i], PromptTPS: tl.PromptTPS[i], GenerationTPS: tl.GenerationTPS[i]}
	if tl.Running != nil && tl.Running[i] >= 0 {
		p.Running = Ptr(tl.Running[i])
	}
	if tl.Waiting != nil && tl.Waiting[i] >= 0 {
		p.Waiting = Ptr(tl.Waiting[i])
	}
	if tl.KVCacheUsagePct != nil && tl.KVCacheUsagePct[i] >= 0 {
		p.KVCacheUsagePc = Ptr(tl.KVCacheUsagePct[i])
	}
	return p
}

// Points returns the samples as points (nil for none).
func (tl Timeline) Points() []TimelinePoint {
	if tl.Len() == 0 {
		return nil
	}
	out := make([]TimelinePoint, tl.Len())
	for i := range out {
		out[i] = tl.Point(i)
	}
	return out
}

// The column names, in the order they are written.
const (
	colT       = "t"
	colPrompt  = "prompt_tps"
	colGen     = "generation_tps"
	colRunning = "running"
	colWaiting = "waiting"
	colKV      = "kv_cache_usage_pct"
)

// MarshalJSON writes the columns (see Timeline); no samples is null. A NaN
// or infinite value is an error, as encoding/json reports for any float,
// and so is a column whose length is not the number of samples.
func (tl Timeline) MarshalJSON() ([]byte, error) {
	if tl.Len() == 0 {
		return []byte("null"), nil
	}
	return tl.appendColumns(make([]byte, 0, 16+tl.Len()*48), "")
}

// appendColumns appends the columns object to b: compact when indent is
// "", else laid out as appendIndent lays out the compact form at the depth
// whose lines start with indent (one column a line, ", " between values).
func (tl Timeline) appendColumns(b []byte, indent string) ([]byte, error) {
	n := tl.Len()
	for _, c := range []struct {
		name string
		len  int
	}{{colPrompt, len(tl.PromptTPS)}, {colGen, len(tl.GenerationTPS)}, {colRunning, len(tl.Running)}, {colWaiting, len(tl.Waiting)}, {colKV, len(tl.KVCacheUsagePct)}} {
		if c.len != n && (c.len != 0 || c.name == colPrompt || c.name == colGen) {
			return nil, fmt.Errorf("timeline: column %q has %d values for %d samples", c.name, c.len, n)
		}
	}
	sep, colon := ",", ":"
	if indent != "" {
		sep, colon = ", ", ": "
	}
	var err error
	open := func(name string, first bool) {
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
	}
	floats := func(name string, first bool, col []float64, nullNegative bool) {
		open(name, first)
		for i, f := range col {
			if i > 0 {
				b = append(b, sep...)
			}
			switch {
			case nullNegative && f < 0:
				b = append(b, "null"...)
			case math.IsNaN(f) || math.IsInf(f, 0):
				if err == nil {
					err = &json.UnsupportedValueError{Value: reflect.ValueOf(f), Str: strconv.FormatFloat(f, 'g', -1, 64)}
				}
				b = append(b, '0')
			default:
				b = appendJSONFloat(b, f)
			}
		}
		b = append(b, ']')
	}
	counts := func(name string, col []int) {
		open(name, false)
		for i, v := range col {
			if i > 0 {
				b = append(b, sep...)
			}
			if v < 0 {
				b = append(b, "null"...)
			} else {
				b = appendDecimal(b, false, uint64(v), 0)
			}
		}
		b = append(b, ']')
	}
	b = append(b, '{')
	floats(colT, true, tl.T, false)
	floats(colPrompt, false, tl.PromptTPS, false)
	floats(colGen, false, tl.GenerationTPS, false)
	if slices.ContainsFunc(tl.Running, func(v int) bool { return v >= 0 }) {
		counts(colRunning, tl.Running)
	}
	if slices.ContainsFunc(tl.Waiting, func(v int) bool { return v >= 0 }) {
		counts(colWaiting, tl.Waiting)
	}
	if slices.ContainsFunc(tl.KVCacheUsagePct, func(v float64) bool { return v >= 0 }) {
		floats(colKV, false, tl.KVCacheUsagePct, true)
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
// objects of v1. Unknown columns or fields, columns of different lengths,
// a missing t, prompt_tps or generation_tps and negative counts are
// errors.
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
		out := make([]TimelinePoint, len(pts))
		for i, p := range pts {
			if p.T == nil || p.PromptTPS == nil || p.GenerationTPS == nil {
				return fail("point %d needs t, prompt_tps and generation_tps", i)
			}
			out[i] = TimelinePoint{T: *p.T, PromptTPS: *p.PromptTPS, GenerationTPS: *p.GenerationTPS, KVCacheUsagePc: p.KVCacheUsagePc}
			if p.KVCacheUsagePc != nil && *p.KVCacheUsagePc < 0 {
				return fail("point %d: kv_cache_usage_pct %v is negative", i, *p.KVCacheUsagePc)
			}
			if p.Running != nil && *p.Running >= 0 {
				out[i].Running = p.Running
			} else if p.Running != nil {
				return fail("point %d: running %d is negative", i, *p.Running)
			}
			if p.Waiting != nil && *p.Waiting >= 0 {
				out[i].Waiting = p.Waiting
			} else if p.Waiting != nil {
				return fail("point %d: waiting %d is negative", i, *p.Waiting)
			}
		}
		*tl = TimelineOf(out...)
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
		*tl = Timeline{}
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
	if n == 0 {
		*tl = Timeline{}
		return nil
	}
	out := Timeline{T: c.T, PromptTPS: c.PromptTPS, GenerationTPS: c.GenerationTPS}
	counts := func(name string, col []*int) ([]int, error) {
		if col == nil {
			return nil, nil
		}
		vs := make([]int, n)
		for i, v := range col {
			switch {
			case v == nil:
				vs[i] = -1
			case *v < 0:
				return nil, fail("column %q: %d is negative", name, *v)
			default:
				vs[i] = *v
			}
		}
		return vs, nil
	}
	var err error
	if out.Running, err = counts(colRunning, c.Running); err != nil {
		return err
	}
	if out.Waiting, err = counts(colWaiting, c.Waiting); err != nil {
		return err
	}
	if c.KV != nil {
		out.KVCacheUsagePct = make([]float64, n)
		for i, v := range c.KV {
			switch {
			case v == nil:
				out.KVCacheUsagePct[i] = -1
			case *v < 0:
				return fail("column %q: %v is negative", colKV, *v)
			default:
				out.KVCacheUsagePct[i] = *v
			}
		}
	}
	out.dropEmptyColumns()
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
