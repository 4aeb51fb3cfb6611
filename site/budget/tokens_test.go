package budget_test

import (
	"math"
	"strings"
	"testing"

	"github.com/lineup-dev/lineup/site/budget"
)

// tokenCases are the token targets the parser must read or refuse. They are
// also the seeds of FuzzParseTokens and an input of the budget.js test.
var tokenCases = []struct {
	in   string
	want float64 // 0: refused
}{
	{"10B", 10e9},
	{"500M", 500e6},
	{"1.5T", 1.5e12},
	{"2e9", 2e9},
	{"2E+9", 2e9},
	{"250k", 250e3},
	{"250K", 250e3},
	{"3G", 3e9},
	{"10b", 10e9},
	{"1000000", 1e6},
	{" 10B\t", 10e9},
	{"10 B", 10e9},
	{"0.1B", 1e8}, // the suffix is an exponent: no 0.1 x 1e9 rounding
	{".5M", 5e5},
	{"7.", 7},
	{"1", 1},
	{"1.0000000000000000000000001", 1},
	{"1e308", 1e308},
	{"ten", 0},
	{"", 0},
	{"B", 0},
	{"-5B", 0},
	{"+5B", 0},
	{"0", 0},
	{"0.5", 0},
	{"1e-3", 0},
	{"1e-99999", 0},
	{"1e309", 0},
	{"9e99999999999999999999", 0},
	{"1e3B", 0}, // an exponent and a suffix: which one did the writer mean?
	{"10BB", 0},
	{"10 000", 0},
	{"1,000", 0},
	{"0x10", 0},
	{"1_000", 0},
	{"inf", 0},
	{"NaN", 0},
	{"10Bn", 0},
	{"10\nB", 0},
	{"１０B", 0}, // full-width digits
}

func TestParseTokens(t *testing.T) {
	for _, tc := range tokenCases {
		got, err := budget.ParseTokens(tc.in)
		switch {
		case tc.want == 0 && err == nil:
			t.Errorf("ParseTokens(%q) = %g, want an error", tc.in, got)
		case tc.want == 0 && !strings.Contains(err.Error(), "token target"):
			t.Errorf("ParseTokens(%q) error %q does not say what was wrong", tc.in, err)
		case tc.want != 0 && err != nil:
			t.Errorf("ParseTokens(%q): %v", tc.in, err)
		case tc.want != 0 && got != tc.want:
			t.Errorf("ParseTokens(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestFormatTokens(t *testing.T) {
	for _, v := range []float64{1, 999, 1e3, 250e3, 1.5e6, 10e9, 1.5e12, 1e15, 123456789} {
		s := budget.FormatTokens(v)
		back, err := budget.ParseTokens(s)
		if err != nil || back != v {
			t.Errorf("ParseTokens(FormatTokens(%g) = %q) = %g, %v", v, s, back, err)
		}
	}
	if got := budget.FormatTokens(10e9); got != "10B" {
		t.Errorf("FormatTokens(10e9) = %q, want 10B", got)
	}
}

// FuzzParseTokens checks what any accepted target must satisfy: at least
// one finite token, a negated form refused, and FormatTokens reading back
// to the same count (within the one rounding of the division).
func FuzzParseTokens(f *testing.F) {
	for _, tc := range tokenCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := budget.ParseTokens(s)
		if err != nil {
			if !strings.Contains(err.Error(), "token target") {
				t.Fatalf("ParseTokens(%q) error %q does not name the input", s, err)
			}
			return
		}
		if math.IsInf(v, 0) || math.IsNaN(v) || v < 1 {
			t.Fatalf("ParseTokens(%q) = %g, want a finite count >= 1", s, v)
		}
		if _, err := budget.ParseTokens("-" + strings.TrimSpace(s)); err == nil {
			t.Fatalf("ParseTokens(%q) accepted, and so was its negation", s)
		}
		back, err := budget.ParseTokens(budget.FormatTokens(v))
		if err != nil || math.Abs(back-v) > v*1e-15 {
			t.Fatalf("FormatTokens(%g) = %q reads back as %g, %v", v, budget.FormatTokens(v), back, err)
		}
	})
}
