package budget

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// tokensPattern is the grammar of a token target: a plain decimal number
// with an optional exponent (2e9), or a decimal number with a K, M, B (or G)
// or T suffix (10B, 1.5T). budget.js uses the same pattern; both sides then
// hand the digits to a correctly rounded parser, so they agree bit for bit.
var tokensPattern = regexp.MustCompile(`^(?:([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?|([0-9]+(?:\.[0-9]*)?|\.[0-9]+) ?([kKmMbBgGtT]))$`)

// suffixExponent maps a suffix to its power of ten. B (billion) is the
// seed's unit; G is accepted because SI-minded users type it.
var suffixExponent = map[string]string{"k": "3", "m": "6", "b": "9", "g": "9", "t": "12"}

// ParseTokens parses a target number of output tokens: "10B", "500M",
// "1.5T", "2e9", "250k", "1000000". The result is at least one token and
// finite.
func ParseTokens(s string) (float64, error) {
	t := strings.TrimSpace(s)
	m := tokensPattern.FindStringSubmatch(t)
	if m == nil {
		if strings.HasPrefix(t, "-") {
			return 0, fmt.Errorf("token target %q is negative; it must be a positive count such as 10B", s)
		}
		return 0, fmt.Errorf("token target %q is not a number of tokens; write it like 10B, 500M, 1.5T or 2e9", s)
	}
	// Append the suffix as an exponent rather than multiplying, so that
	// "0.1B" is exactly 1e8: ParseFloat rounds once.
	digits := m[1]
	if digits != "" && m[2] != "" {
		digits += "e" + m[2]
	}
	if m[3] != "" {
		digits = m[3] + "e" + suffixExponent[strings.ToLower(m[4])]
	}
	// The pattern admits only well-formed numbers, so ParseFloat can fail
	// only with ErrRange: +Inf on overflow, a tiny value on underflow.
	v, err := strconv.ParseFloat(digits, 64)
	if math.IsInf(v, 0) {
		return 0, fmt.Errorf("token target %q is too large", s)
	}
	if err != nil || v < 1 {
		return 0, fmt.Errorf("token target %q is less than one token", s)
	}
	return v, nil
}

// FormatTokens writes a token count the way people say it: 10B, 500M,
// 1.5T, 2.5k, in a form ParseTokens reads back.
func FormatTokens(v float64) string {
	for _, u := range []struct {
		div    float64
		suffix string
	}{{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "k"}} {
		if v >= u.div {
			return strconv.FormatFloat(v/u.div, 'f', -1, 64) + u.suffix
		}
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
