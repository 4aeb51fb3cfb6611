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
	var entries []statsEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, jsonError(name, data, "", err)
	}
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
func metricTotal(raw json.RawMessage) (float64, error) {
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
