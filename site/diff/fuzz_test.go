package diff

import (
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

func FuzzParsePercent(f *testing.F) {
	for _, s := range []string{"5", "5%", " 2.5 % ", "", "%", "-1", "NaN", "1e308", "0x10", "5%%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParsePercent(s)
		if err != nil {
			return
		}
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			t.Fatalf("ParsePercent(%q) = %v", s, v)
		}
		// What FormatPercent prints parses back to (nearly) the same value.
		back, err := ParsePercent(FormatPercent(v))
		if err != nil || math.Abs(back-v) > 1e-5*math.Max(v, 1e-300) {
			t.Fatalf("ParsePercent(FormatPercent(%v)) = %v, %v", v, back, err)
		}
	})
}

// floats decodes data as small integers (so that ties happen) or, with
// the high bit set, as arbitrary finite float64 values.
func floats(data []byte) []float64 {
	var out []float64
	for len(data) > 0 && len(out) < 60 {
		if data[0]&0x80 == 0 || len(data) < 9 {
			out = append(out, float64(data[0]&0x0f))
			data = data[1:]
			continue
		}
		v := math.Float64frombits(binary.LittleEndian.Uint64(data[1:9]))
		data = data[9:]
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out = append(out, v)
		}
	}
	return out
}

func FuzzMannWhitney(f *testing.F) {
	f.Add([]byte{1, 2, 3}, []byte{4, 5, 6})
	f.Add([]byte{1, 1, 1}, []byte{1, 1})
	f.Add([]byte{5, 1, 4, 3, 5}, []byte{2, 4, 7, 15, 0, 4})
	f.Fuzz(func(t *testing.T, a, b []byte) {
		x, y := floats(a), floats(b)
		got, ok := MannWhitney(x, y)
		if !ok {
			if len(x) > 0 && len(y) > 0 {
				t.Fatalf("no test for %d+%d values", len(x), len(y))
			}
			return
		}
		if !(got.P > 0 && got.P <= 1) || got.U < 0 || got.U > float64(len(x)*len(y)) {
			t.Fatalf("MannWhitney(%v, %v) = %+v", x, y, got)
		}
		rev, _ := MannWhitney(y, x)
		if math.Abs(rev.P-got.P) > 1e-9 {
			t.Fatalf("p not symmetric: %v vs %v", got.P, rev.P)
		}
	})
}

// FuzzCompare decodes two snapshot documents; whenever both are valid,
// Compare and every renderer must succeed, the CSV must parse back with a
// fixed width and no live formula, and the JSON must be valid.
func FuzzCompare(f *testing.F) {
	co, cn := clusterPair(f)
	a, b := publishedA(f), publishedB(f)
	for _, p := range [][2]*snapshot.Snapshot{{co, cn}, {a, b}, {cn, co}} {
		x, _ := snapshot.Marshal(p[0])
		y, _ := snapshot.Marshal(p[1])
		f.Add(x, y)
	}
	f.Fuzz(func(t *testing.T, x, y []byte) {
		old, err := snapshot.Decode("old.json", x)
		if err != nil {
			return
		}
		new, err := snapshot.Decode("new.json", y)
		if err != nil {
			return
		}
		d := Compare(old, new, DefaultOptions())
		for _, format := range []string{FormatText, FormatMarkdown} {
			if err := Write(&bytes.Buffer{}, d, format); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
		}
		var js bytes.Buffer
		if err := WriteJSON(&js, d); err != nil || !json.Valid(js.Bytes()) {
			t.Fatalf("json: %v", err)
		}
		var c bytes.Buffer
		if err := WriteCSV(&c, d); err != nil {
			t.Fatalf("csv: %v", err)
		}
		recs, err := csv.NewReader(&c).ReadAll()
		if err != nil {
			t.Fatalf("csv does not parse back: %v", err)
		}
		for _, rec := range recs {
			for _, cell := range rec {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) && !snapshot.IsCSVNumber(cell) {
					t.Fatalf("live formula %q", cell)
				}
			}
		}
	})
}
