package logparse

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// Differential tests of the hot path's shortcuts against the plain code
// they replace. Inputs: the lines of the throughput reference
// (testdata/reference/vllm_throughput_lines.txt, a copy of
// /work/shared/reference/vllm-logs/vllm_throughput_lines.txt) and random
// text over the bytes a timestamp is made of.

// findTimestampBytewise is findTimestamp as it was first written: every
// start from the last one down, one byte at a time.
func findTimestampBytewise(s []byte, end, lim int) (begin, at int) {
	for i := end - timestampLen; i >= lim; i-- {
		if s[i+8] == ':' && isTimestamp(s[i:i+timestampLen]) {
			return i, i
		}
	}
	return end, -1
}

// checkFindTimestamp compares findTimestamp with the byte-by-byte search
// for every end and a few limits.
func checkFindTimestamp(t *testing.T, s []byte) {
	t.Helper()
	for end := 0; end <= len(s); end++ {
		for _, lim := range []int{0, 1, end / 2, max(0, end-maxLookback), max(0, end-timestampLen)} {
			gb, ga := findTimestamp(s, end, lim)
			wb, wa := findTimestampBytewise(s, end, lim)
			if gb != wb || ga != wa {
				t.Fatalf("%q end %d lim %d: findTimestamp gives (%d, %d), the byte-by-byte search (%d, %d)", s, end, lim, gb, ga, wb, wa)
			}
		}
	}
}

func TestFindTimestamp(t *testing.T) {
	for _, l := range bytes.Split(readRef(t, "vllm_throughput_lines.txt"), []byte("\n")) {
		checkFindTimestamp(t, l)
	}
	// text made of timestamp bytes, where every skip rule is exercised
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("0123456789-: :x[")
	ts := []byte("05-19 10:13:11")
	for range 2000 {
		s := make([]byte, rng.IntN(80))
		for i := range s {
			s[i] = alphabet[rng.IntN(len(alphabet))]
		}
		for range rng.IntN(3) {
			if len(s) >= timestampLen {
				copy(s[rng.IntN(len(s)-timestampLen+1):], ts)
			}
		}
		checkFindTimestamp(t, s)
	}
}

func FuzzFindTimestamp(f *testing.F) {
	f.Add([]byte("(APIServer pid=3646) INFO 11-28 08:37:55 [loggers.py:257] Engine 000: "))
	f.Add([]byte("05-19 10:13:1105-19 10:13:11 5-19 10:13:11:-"))
	f.Fuzz(func(t *testing.T, s []byte) {
		if len(s) > 400 {
			s = s[:400]
		}
		checkFindTimestamp(t, s)
	})
}
