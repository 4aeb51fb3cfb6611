package snapshot

import (
	"encoding/json"
	"math"
	"testing"
)

// jsonFloat is encoding/json's encoding of f, the reference for
// appendJSONFloat.
func jsonFloat(t testing.TB, f float64) string {
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAppendJSONFloat(t *testing.T) {
	for _, f := range []float64{
		0, math.Copysign(0, -1), 1, -1, 20, 10.5, 1003.7, 12345.65, 0.05, 0.1, 0.3, 1e-6, 9.99e-7, 1e-7, 123456789.125,
		1e14, 999999999999999, 1e15, 1e20, 1e21, 2.5e-5, 19999.837837837837, 0.1 + 0.2, 1.0 / 3, 2.0 / 3 * 1000,
		math.MaxFloat64, math.SmallestNonzeroFloat64, 4503599627370497, 9007199254740993, 0.000123, -73.25,
		// f*100 of 15 digits or more: fewer than two decimals tried on their own
		5e13, 1e13 + 0.5, 99999999999999.99, 123456789012.34, 9999999999999.5, 1234567890123.45,
		-0.05, -1200, 0.001, 1.005, 100.1, 1e-5 + 1e-7,
	} {
		if got, want := string(appendJSONFloat(nil, f)), jsonFloat(t, f); got != want {
			t.Errorf("appendJSONFloat(%v) = %s, want %s", f, got, want)
		}
	}
	// every timeline-like value: one or two decimals, any magnitude
	for i := 0; i < 200000; i++ {
		for _, f := range []float64{float64(i) / 10, float64(i) / 100, float64(i)*7.3 + 0.05, float64(i) / 1000} {
			if got, want := string(appendJSONFloat(nil, f)), jsonFloat(t, f); got != want {
				t.Fatalf("appendJSONFloat(%v) = %s, want %s", f, got, want)
			}
		}
	}
}

func FuzzAppendJSONFloat(f *testing.F) {
	for _, v := range []float64{0, 12345.65, 0.05, 1e-6, 1e21, 19999.837837837837, -3.5} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
		for _, x := range []float64{v, math.Round(v*10) / 10, math.Round(v*100) / 100} {
			if got, want := string(appendJSONFloat(nil, x)), jsonFloat(t, x); got != want {
				t.Fatalf("appendJSONFloat(%v) = %s, want %s", x, got, want)
			}
		}
	})
}

// BenchmarkAppendJSONFloat: a timeline's values, hundredths of every size.
func BenchmarkAppendJSONFloat(b *testing.B) {
	vals := make([]float64, 1000)
	for i := range vals {
		vals[i] = math.Round(float64(i)*731.37) / 100
	}
	buf := make([]byte, 0, 32)
	for b.Loop() {
		for _, v := range vals {
			buf = appendJSONFloat(buf[:0], v)
		}
	}
}
