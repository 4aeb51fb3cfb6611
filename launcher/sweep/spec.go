package sweep

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/lineup-dev/lineup/launcher/rundir"
)

// Spec is a normalised speculative decoding configuration.
type Spec struct {
	// Label is "none", "ngram_6", "suffix_32", "<method>_<n>" or
	// "<draft>_<n>"; the run directory segment is "spec_" + Label.
	Label string
	// JSON is the canonical JSON object given to vLLM's
	// --speculative-config; nil for no speculative decoding.
	JSON json.RawMessage
}

// None reports whether the spec disables speculative decoding.
func (s Spec) None() bool { return s.JSON == nil }

// ParseSpec normalises a speculative-config value: None/null/empty, the
// shorthand "ngram:5" or "suffix:32", or a JSON object such as
// {"method": "ngram", "num_speculative_tokens": 6} or one naming a draft
// "model". The canonical JSON has sorted keys; for ngram it sets
// prompt_lookup_max to num_speculative_tokens - 1 (at least 1) unless given.
func ParseSpec(text string, null bool) (Spec, error) {
	t := strings.TrimSpace(text)
	if null {
		return Spec{Label: "none"}, nil
	}
	switch strings.ToLower(t) {
	case "", "none", "null", "~", "false":
		return Spec{Label: "none"}, nil
	}
	var obj map[string]any
	if strings.HasPrefix(t, "{") {
		dec := json.NewDecoder(strings.NewReader(t))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil {
			return Spec{}, fmt.Errorf("not a JSON object: %w", err)
		}
		if dec.More() {
			return Spec{}, fmt.Errorf("trailing text after the JSON object")
		}
		if obj == nil {
			return Spec{}, fmt.Errorf("not a JSON object")
		}
	} else {
		method, n, ok := strings.Cut(t, ":")
		if !ok {
			return Spec{}, fmt.Errorf("%q is not None, METHOD:N (ngram:5, suffix:32) or a JSON object", t)
		}
		method = strings.ToLower(strings.TrimSpace(method))
		k, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil {
			return Spec{}, fmt.Errorf("%q: the number of speculative tokens must be an integer", t)
		}
		obj = map[string]any{"method": method, "num_speculative_tokens": json.Number(strconv.Itoa(k))}
	}
	nRaw, ok := obj["num_speculative_tokens"]
	if !ok {
		return Spec{}, fmt.Errorf("num_speculative_tokens is missing")
	}
	n, err := positiveInt(nRaw)
	if err != nil {
		return Spec{}, fmt.Errorf("num_speculative_tokens: %w", err)
	}
	obj["num_speculative_tokens"] = n
	method, _ := obj["method"].(string)
	model, _ := obj["model"].(string)
	if _, has := obj["method"]; has && method == "" {
		return Spec{}, fmt.Errorf("method must be a non-empty string")
	}
	if _, has := obj["model"]; has && model == "" {
		return Spec{}, fmt.Errorf("model must be a non-empty string")
	}
	if method == "" && model == "" {
		return Spec{}, fmt.Errorf("needs a method (ngram, suffix, eagle, ...) or a draft model")
	}
	if method != "" && !validMethod(method) {
		return Spec{}, fmt.Errorf("method %q: only letters, digits, '_' and '-'", method)
	}
	if method == "ngram" {
		if _, has := obj["prompt_lookup_max"]; !has {
			obj["prompt_lookup_max"] = max(n-1, 1)
		}
	}
	var label string
	switch {
	case model != "" && (method == "" || method == "draft_model"):
		label = draftLabel(model)
	default:
		label = method
	}
	label = rundir.Segment(fmt.Sprintf("%s_%d", label, n))
	// json.Marshal sorts map keys: one canonical spelling per config.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(obj); err != nil {
		return Spec{}, err
	}
	return Spec{Label: label, JSON: bytes.TrimSpace(buf.Bytes())}, nil
}

// draftLabel follows datatrove's spec_<draftmodel with / and - -> _>.
func draftLabel(model string) string {
	return strings.NewReplacer("/", "_", "-", "_").Replace(strings.Trim(model, "/"))
}

func validMethod(m string) bool {
	for _, r := range m {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func positiveInt(v any) (int, error) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		s = strconv.Itoa(x)
	case string:
		s = x
	default:
		return 0, fmt.Errorf("must be a positive integer, not %v", v)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1024 {
		return 0, fmt.Errorf("must be an integer from 1 to 1024, not %q", s)
	}
	return n, nil
}
