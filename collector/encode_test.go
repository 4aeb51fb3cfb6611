package collector

import (
	"bytes"
	"encoding/json"
	"math"
	"runtime"
	"testing"
	"time"

	"github.com/lineup-dev/lineup/collector/internal/synthtree"
	"github.com/lineup-dev/lineup/collector/snapshot"
)

// encodeSnapshot must give exactly snapshot.Marshal's bytes.
func checkEncoding(t testing.TB, name string, s *snapshot.Snapshot) {
	t.Helper()
	want, err := snapshot.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := encodeSnapshot(s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		lo := max(i-80, 0)
		t.Errorf("%s: encodeSnapshot differs from snapshot.Marshal at byte %d:\n got %q\nwant %q", name, i, got[lo:min(i+80, len(got))], want[lo:min(i+80, len(want))])
	}
}

func TestEncodeSnapshotMatchesMarshal(t *testing.T) {
	for _, layout := range []string{"lineup", "seed", "datatrove"} {
		root := t.TempDir()
		buildLayout(t, root, layout)
		res := collect(t, Options{Root: root})
		checkEncoding(t, layout, res.Snapshots[0])
	}
	root := t.TempDir()
	if err := synthtree.Generate(root, 30, 250, 9); err != nil {
		t.Fatal(err)
	}
	checkEncoding(t, "synthetic", collect(t, Options{Root: root}).Snapshots[0])
	// more runs than one batch of encodeSnapshotTo, on any GOMAXPROCS
	root = t.TempDir()
	if err := synthtree.Generate(root, 16*runtime.GOMAXPROCS(0)*2+7, 12, 4); err != nil {
		t.Fatal(err)
	}
	checkEncoding(t, "several batches", collect(t, Options{Root: root}).Snapshots[0])

	// Strings encoding/json escapes, floats it writes in exponent form,
	// optional fields absent and present, no runs at all.
	odd := &snapshot.Snapshot{
		Schema: snapshot.SchemaV1, ID: "odd", Title: "<b>&\u2028\"runs\": []", Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Source: snapshot.Source{Kind: snapshot.SourceCluster}, Environment: snapshot.Environment{GPUsPerNode: 8},
	}
	checkEncoding(t, "no runs", odd)
	odd.Runs = []snapshot.Run{
		{Model: "a/<b>", Config: snapshot.Config{TP: 1, PP: 1}, Status: snapshot.Status{State: "ok"}},
		{Model: "x\"timeline\": [", Config: snapshot.Config{TP: 2, PP: 1}, Status: snapshot.Status{State: "ok"},
			Warnings: []snapshot.Warning{{Code: "c", Message: "\n      \"timeline\": ["}},
			Timeline: []snapshot.TimelinePoint{
				{T: 0, PromptTPS: 1e-7, GenerationTPS: 1e21, Running: snapshot.Ptr(0)},
				{T: 10.5, PromptTPS: 123456789.125, GenerationTPS: 0.1, Waiting: snapshot.Ptr(3), KVCacheUsagePc: snapshot.Ptr(99.9)},
				{T: 1e-9, PromptTPS: math.SmallestNonzeroFloat64, GenerationTPS: math.MaxFloat64, KVCacheUsagePc: snapshot.Ptr(0.0)},
			},
			Attempts: []snapshot.Attempt{{JobID: "1"}}},
	}
	odd.Warnings = []snapshot.Warning{{Code: "w", Message: "m"}}
	checkEncoding(t, "odd", odd)
}

func BenchmarkEncodeSnapshot(b *testing.B) {
	root := b.TempDir()
	if err := synthtree.Generate(root, 200, 400, 1); err != nil {
		b.Fatal(err)
	}
	s := collect(b, Options{Root: root}).Snapshots[0]
	b.Run("snapshot.Marshal", func(b *testing.B) {
		for b.Loop() {
			if _, err := snapshot.Marshal(s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encodeSnapshot", func(b *testing.B) {
		for b.Loop() {
			if _, err := encodeSnapshot(s); err != nil {
				b.Fatal(err)
			}
		}
	})
}

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
