package logparse

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// BenchResult is the result of vLLM's own benchmark scripts
// (vllm_bench_outputs.txt): `vllm bench serve --save-result` JSON (§C), the
// printed "Serving Benchmark Result" block (§B) or the `vllm bench
// throughput` "Throughput:" line (§A). Fields a source does not print stay
// zero.
type BenchResult struct {
	Completed, Failed, TotalInputTokens, TotalOutputTokens              int64
	Duration, OutputThroughput, TotalTokenThroughput, RequestThroughput float64
	Backend, ModelID                                                    string
	// Source says which output was read: BenchServeJSON, BenchServeText,
	// BenchThroughputText or SGLangServeText.
	Source string
}

// BenchResult sources.
const (
	BenchServeJSON      = "vllm bench serve json"
	BenchServeText      = "vllm bench serve"
	BenchThroughputText = "vllm bench throughput"
	// SGLangServeText is SGLang's bench_serving: the same banner as vLLM's
	// but a "Backend:" line and retokenized counts; a caller that wants
	// vLLM's own numbers checks for it.
	SGLangServeText = "sglang bench_serving"
)

// ErrNoBenchResult is returned (wrapped) when the input holds no benchmark
// result.
var ErrNoBenchResult = errors.New("no benchmark result")

// ParseBenchJSON reads a `vllm bench serve --save-result` file. name is used
// in errors.
func ParseBenchJSON(name string, data []byte) (*BenchResult, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, jsonError(name, data, "", err)
	}
	_, hasCompleted := raw["completed"]
	_, hasOutput := raw["output_throughput"]
	if !hasCompleted && !hasOutput {
		return nil, &SyntaxError{File: name, Field: "completed", Err: fmt.Errorf("%w: neither completed nor output_throughput", ErrNoBenchResult)}
	}
	br := &BenchResult{Source: BenchServeJSON}
	var err error
	for _, c := range []struct {
		key string
		s   *string
		i   *int64
		f   *float64
	}{
		{"backend", &br.Backend, nil, nil},
		{"model_id", &br.ModelID, nil, nil},
		{"completed", nil, &br.Completed, nil},
		{"failed", nil, &br.Failed, nil},
		{"total_input_tokens", nil, &br.TotalInputTokens, nil},
		{"total_output_tokens", nil, &br.TotalOutputTokens, nil},
		{"duration", nil, nil, &br.Duration},
		{"output_throughput", nil, nil, &br.OutputThroughput},
		{"total_token_throughput", nil, nil, &br.TotalTokenThroughput},
		{"request_throughput", nil, nil, &br.RequestThroughput},
	} {
		msg, ok := raw[c.key]
		if !ok || string(msg) == "null" {
			continue
		}
		var e error
		if c.s != nil {
			e = json.Unmarshal(msg, c.s)
		} else {
			var v float64
			if v, e = jsonNumber(msg); e == nil && c.i != nil {
				*c.i, e = toInt64(v)
			} else if e == nil {
				*c.f = v
			}
		}
		if e != nil {
			err = errors.Join(err, &SyntaxError{File: name, Line: keyLine(data, c.key), Field: c.key, Err: e})
		}
	}
	if err != nil {
		return nil, err
	}
	return br, nil
}

// benchKeys maps the printed keys to fields. Keys are matched at the start
// of a line after any prefix up to the key ("0: ", "#"), case-sensitively,
// colon included, so "Output token throughput (tok/s):" does not match
// "Peak output token throughput (tok/s):" and "Total generated tokens:"
// does not match "Total generated tokens (retokenized):".
var benchKeys = []struct {
	key string
	set func(*BenchResult, float64) error
}{
	{"Successful requests:", func(b *BenchResult, v float64) (err error) { b.Completed, err = toInt64(v); return }},
	{"Failed requests:", func(b *BenchResult, v float64) (err error) { b.Failed, err = toInt64(v); return }},
	{"Benchmark duration (s):", func(b *BenchResult, v float64) error { b.Duration = v; return nil }},
	{"Total input tokens:", func(b *BenchResult, v float64) (err error) { b.TotalInputTokens, err = toInt64(v); return }},
	{"Total generated tokens:", func(b *BenchResult, v float64) (err error) { b.TotalOutputTokens, err = toInt64(v); return }},
	{"Request throughput (req/s):", func(b *BenchResult, v float64) error { b.RequestThroughput = v; return nil }},
	{"Output token throughput (tok/s):", func(b *BenchResult, v float64) error { b.OutputThroughput = v; return nil }},
	{"Total Token throughput (tok/s):", func(b *BenchResult, v float64) error { b.TotalTokenThroughput = v; return nil }},
	{"Total token throughput (tok/s):", func(b *BenchResult, v float64) error { b.TotalTokenThroughput = v; return nil }},
	{"Total num prompt tokens:", func(b *BenchResult, v float64) (err error) { b.TotalInputTokens, err = toInt64(v); return }},
	{"Total num output tokens:", func(b *BenchResult, v float64) (err error) { b.TotalOutputTokens, err = toInt64(v); return }},
	{"Total time:", func(b *BenchResult, v float64) error { b.Duration = v; return nil }},
}

const benchBanner = "Serving Benchmark Result"

// ParseBenchText reads the printed output of `vllm bench serve` (the
// "Serving Benchmark Result" block) or `vllm bench throughput` (the
// "Throughput:" line). When the text holds several blocks, the last one
// wins. Lines longer than 64 KiB are skipped.
func ParseBenchText(r io.Reader) (*BenchResult, error) {
	lr := newLineReader(r, 64<<10, nil)
	var br BenchResult
	found := false // a value was read
	for {
		text, lineNo, end, err := lr.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("read benchmark output line %d: %w", lr.lines+1, err)
			}
			break
		}
		if end == endOverflow || end == endCR {
			continue
		}
		line := bytes.TrimRight(text, " \t\r")
		if bytes.Contains(line, []byte(benchBanner)) {
			br, found = BenchResult{Source: BenchServeText}, false
			continue
		}
		if i := bytes.Index(line, []byte("Throughput: ")); i >= 0 && bytes.Contains(line[i:], []byte(" requests/s")) {
			if err := parseThroughputLine(line[i+len("Throughput: "):], &br); err != nil {
				return nil, fmt.Errorf("line %d: %w", lineNo, err)
			}
			found = true
			continue
		}
		if i := bytes.Index(line, []byte("Backend:")); i >= 0 && i < 8 && br.Source == BenchServeText {
			br.Backend = string(bytes.TrimSpace(line[i+len("Backend:"):]))
			br.Source = SGLangServeText
			continue
		}
		for _, k := range benchKeys {
			i := bytes.Index(line, []byte(k.key))
			if i < 0 || i > 8 {
				continue
			}
			val := bytes.TrimSpace(line[i+len(k.key):])
			val = bytes.TrimSuffix(val, []byte(" s"))
			v, n := parseNumber(val)
			if n == 0 || n != len(val) {
				break // "not set", "inf" and the like
			}
			if err := k.set(&br, v); err != nil {
				return nil, fmt.Errorf("line %d: %s %w", lineNo, strings.TrimSuffix(k.key, ":"), err)
			}
			if br.Source == "" {
				br.Source = BenchThroughputText
			}
			found = true
			break
		}
	}
	if !found {
		return nil, ErrNoBenchResult
	}
	return &br, nil
}

// parseThroughputLine reads "81.74 requests/s, 20926.37 tokens/s" (<= 0.6.2,
// total tokens), "89.27 requests/s, 22853.37 total tokens/s, 11426.69
// output tokens/s" (>= 0.6.4) or "5.99 requests/s" (2023 serving script).
func parseThroughputLine(s []byte, br *BenchResult) error {
	if br.Source == "" {
		br.Source = BenchThroughputText
	}
	for part := range bytes.SplitSeq(s, []byte(", ")) {
		v, n := parseNumber(part)
		if n == 0 {
			return fmt.Errorf("throughput %q: not a number", part)
		}
		switch unit := string(bytes.TrimSpace(part[n:])); unit {
		case "requests/s":
			br.RequestThroughput = v
		case "tokens/s", "total tokens/s":
			br.TotalTokenThroughput = v
		case "output tokens/s":
			br.OutputThroughput = v
		default:
			return fmt.Errorf("throughput %q: unknown unit %q", part, unit)
		}
	}
	return nil
}
