package logparse

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
)

// DatatroveStats are the token totals of datatrove's merged stats.json
// (datatrove-run-layout.md §5): a JSON list with one entry per pipeline
// step; the "Model call: Inference 🔍" entry (its name emoji-escaped in the
// file) holds the counters. A counter is either a bare number (0 when
// nothing was counted) or an object with a "total".
type DatatroveStats struct {
	PromptTokens, CompletionTokens, SuccessfulRequests, FailedRequests int64
	// InferenceSeconds is stats.inference_time.total (start-up excluded;
	// the sum over tasks when tasks > 1).
	InferenceSeconds float64
	// E2ESeconds is, as in analyze_results, the sum over every entry of
	// time_stats.global_mean, falling back to time_stats.total.
	E2ESeconds float64
	// HasFailedRequests is false when failed_requests is absent (datatrove
	// omits it when no request failed; FailedRequests is then 0).
	HasFailedRequests bool
}

// ErrNoModelCall is returned (wrapped) when a stats.json has no "Model
// call" entry and no entry with prompt_tokens.
var ErrNoModelCall = errors.New(`no "Model call" entry`)

// SyntaxError locates a problem in a JSON file read by this package.
type SyntaxError struct {
	File  string
	Line  int // 1-based; 0 when unknown
	Field string
	Err   error
}

func (e *SyntaxError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// jsonError turns a decoding error into a SyntaxError with a line number.
func jsonError(name string, data []byte, field string, err error) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
		if field == "" {
			field = te.Field
		}
	}
	line := 0
	if off >= 0 {
		line = bytes.Count(data[:min(int(off), len(data))], []byte("\n")) + 1
	}
	return &SyntaxError{File: name, Line: line, Field: field, Err: err}
}

type statsEntry struct {
	Name      string                     `json:"name"`
	TimeStats map[string]json.RawMessage `json:"time_stats"`
	Stats     map[string]json.RawMessage `json:"stats"`
}

// ParseStatsJSON reads a datatrove stats.json. name is used in errors.
func ParseStatsJSON(name string, data []byte) (*DatatroveStats, error) {
	entries, ok := scanStatsEntries(data)
	if !ok {
		entries = nil
		if err := json.Unmarshal(data, &entries); err != nil {
			return nil, jsonError(name, data, "", err)
		}
	}
	return statsOf(name, data, entries, metricTotal)
}

// statsOf reads the totals out of the decoded entries; total reads one
// MetricStats.
func statsOf(name string, data []byte, entries []statsEntry, metricTotal func(json.RawMessage) (float64, error)) (*DatatroveStats, error) {
	model := -1
	for i, e := range entries {
		if strings.Contains(e.Name, "Model call") {
			model = i
			break
		}
	}
	if model < 0 { // the dataset-card generator's fallback
		for i, e := range entries {
			if _, ok := e.Stats["prompt_tokens"]; ok {
				model = i
				break
			}
		}
	}
	if model < 0 {
		return nil, &SyntaxError{File: name, Err: ErrNoModelCall}
	}
	var ds DatatroveStats
	var err error
	field := func(key string) string { return fmt.Sprintf("[%d].stats.%s", model, key) }
	st := entries[model].Stats
	for _, c := range []struct {
		key string
		dst *int64
	}{
		{"prompt_tokens", &ds.PromptTokens},
		{"completion_tokens", &ds.CompletionTokens},
		{"successful_requests", &ds.SuccessfulRequests},
		{"failed_requests", &ds.FailedRequests},
	} {
		raw, ok := st[c.key]
		if !ok {
			continue
		}
		v, e := metricTotal(raw)
		if e == nil {
			*c.dst, e = toInt64(v)
		}
		if e != nil {
			err = errors.Join(err, &SyntaxError{File: name, Line: keyLine(data, c.key), Field: field(c.key), Err: e})
		}
		if c.key == "failed_requests" {
			ds.HasFailedRequests = true
		}
	}
	if raw, ok := st["inference_time"]; ok {
		v, e := metricTotal(raw)
		if e != nil {
			err = errors.Join(err, &SyntaxError{File: name, Line: keyLine(data, "inference_time"), Field: field("inference_time"), Err: e})
		}
		ds.InferenceSeconds = v
	}
	for i, e := range entries {
		raw, ok := e.TimeStats["global_mean"]
		if !ok {
			raw, ok = e.TimeStats["total"]
		}
		if !ok {
			continue
		}
		v, e := metricTotal(raw)
		if e != nil {
			err = errors.Join(err, &SyntaxError{File: name, Field: fmt.Sprintf("[%d].time_stats", i), Err: e})
			continue
		}
		ds.E2ESeconds += v
	}
	if err != nil {
		return nil, err
	}
	return &ds, nil
}

// metricTotal reads a datatrove MetricStats: a bare number or {"total": x}.
// The plain shapes are read by hand; the rest as metricTotalJSON reads it.
func metricTotal(raw json.RawMessage) (float64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		if total, ok := scanTotal(raw); ok {
			if t := bytes.TrimSpace(total); isJSONNumber(t) {
				return numberValue(json.Number(t))
			}
		}
		return metricTotalJSON(raw)
	}
	if isJSONNumber(raw) {
		return numberValue(json.Number(raw))
	}
	return metricTotalJSON(raw)
}

// metricTotalJSON is metricTotal through encoding/json.
func metricTotalJSON(raw json.RawMessage) (float64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		var m struct {
			Total json.RawMessage `json:"total"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			return 0, err
		}
		if m.Total == nil {
			return 0, errors.New("no total")
		}
		return jsonNumber(m.Total)
	}
	return jsonNumber(raw)
}

// jsonNumber reads a bare JSON number (a quoted one is refused: Python's
// json module never writes one).
func jsonNumber(raw json.RawMessage) (float64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] == '"' {
		return 0, fmt.Errorf("%.40s is not a number", raw)
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, err
	}
	return numberValue(n)
}

// keyLine is the line of the first occurrence of "key" in a JSON document
// (0 when absent): good enough to point at a field of a flat object.
func keyLine(data []byte, key string) int {
	i := bytes.Index(data, []byte(`"`+key+`"`))
	if i < 0 {
		return 0
	}
	return bytes.Count(data[:i], []byte("\n")) + 1
}

func numberValue(n json.Number) (float64, error) {
	v, err := n.Float64()
	if err != nil {
		return 0, err
	}
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("%s is out of range", n)
	}
	return v, nil
}

// toInt64 converts a counter, refusing fractions and negatives.
func toInt64(v float64) (int64, error) {
	if v < 0 || v != math.Trunc(v) || v > 1<<62 {
		return 0, fmt.Errorf("%v is not a count", v)
	}
	return int64(v), nil
}

// The shapes a datatrove stats.json takes are read in one strict pass
// (jsonValidator); whatever it cannot vouch for decoding exactly as
// encoding/json would (invalid JSON, escaped or case-variant keys, a
// repeated field, values of another type) sends the document, or the
// value, through encoding/json, which also words the errors. encoding/json
// costs ~40 µs a file in reflection; a collect reads thousands.

// scanStatsEntries decodes data as []statsEntry would be, for a valid
// array of objects whose name, time_stats and stats members are plain. It
// reads the document in one strict pass: whatever is not valid JSON, like
// whatever it cannot vouch for, reports false.
func scanStatsEntries(data []byte) ([]statsEntry, bool) {
	v := jsonValidator{b: data}
	v.ws()
	var entries []statsEntry
	ok := v.array(0, func(depth int) bool {
		var e statsEntry
		var seen [3]bool
		ok := v.object(depth, func(key []byte, depth int) bool {
			var ok bool
			switch {
			case !plainKey(key):
				return false
			case string(key) == "name" && !seen[0]:
				seen[0] = true
				start := v.i
				if !v.peek('"') || !v.str() {
					return false
				}
				val := data[start:v.i]
				if bytes.IndexByte(val, '\\') >= 0 { // emoji escapes: unquoted as encoding/json does
					return json.Unmarshal(val, &e.Name) == nil
				}
				e.Name = string(val[1 : len(val)-1])
			case string(key) == "time_stats" && !seen[1]:
				seen[1] = true
				e.TimeStats, ok = v.rawMap(depth)
				return ok
			case string(key) == "stats" && !seen[2]:
				seen[2] = true
				e.Stats, ok = v.rawMap(depth)
				return ok
			case strings.EqualFold(string(key), "name"), strings.EqualFold(string(key), "time_stats"), strings.EqualFold(string(key), "stats"):
				return false // encoding/json matches these too, case-insensitively
			default:
				return v.value(depth)
			}
			return true
		})
		entries = append(entries, e)
		return ok
	})
	v.ws()
	return entries, ok && v.i == len(data)
}

// plainKey reports whether an object key, as written, has no escapes: the
// fast path compares keys as written, which encoding/json would unquote.
func plainKey(key []byte) bool { return bytes.IndexByte(key, '\\') < 0 }

// rawMap decodes the value at the validator as map[string]json.RawMessage
// would be: null is nil; an object's keys must be without escapes.
func (v *jsonValidator) rawMap(depth int) (map[string]json.RawMessage, bool) {
	if v.literal("null") {
		return nil, true
	}
	m := map[string]json.RawMessage{}
	return m, v.object(depth, func(key []byte, depth int) bool {
		if !plainKey(key) {
			return false
		}
		start := v.i
		if !v.value(depth) {
			return false
		}
		m[string(key)] = v.b[start:v.i]
		return true
	})
}

// scanTotal finds the "total" member of an object, as decoding into
// struct{ Total json.RawMessage } would (the last one wins); anything else,
// invalid JSON included, reports false.
func scanTotal(raw []byte) ([]byte, bool) {
	v := jsonValidator{b: raw}
	v.ws()
	var total []byte
	ok := v.object(0, func(key []byte, depth int) bool {
		start := v.i
		if !plainKey(key) || !v.value(depth) {
			return false
		}
		switch {
		case string(key) == "total":
			total = raw[start:v.i]
		case strings.EqualFold(string(key), "total"):
			return false
		}
		return true
	})
	v.ws()
	return total, ok && v.i == len(raw) && total != nil
}

// isJSONNumber reports whether b is exactly one JSON number literal.
func isJSONNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return false
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return false
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	return i == len(b)
}
