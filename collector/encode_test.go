package collector

import (
	"bytes"
	"math"
	"runtime"
	"testing"
	"time"

	"github.com/lineup-dev/lineup/collector/internal/synthtree"
	"github.com/lineup-dev/lineup/collector/snapshot"
)

// encodeSnapshot is what Write writes: snapshot.Encode on more workers
// than the machine has cores, so that batches finish out of order.
func encodeSnapshot(s *snapshot.Snapshot) ([]byte, error) {
	var buf bytes.Buffer
	err := snapshot.Encode(&buf, s, runtime.GOMAXPROCS(0)+3)
	return buf.Bytes(), err
}

// The parallel encoding must give exactly snapshot.Marshal's bytes.
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
	// more runs than one batch of snapshot.Encode, on any GOMAXPROCS
	root = t.TempDir()
	if err := synthtree.Generate(root, 16*(runtime.GOMAXPROCS(0)+3)*2+7, 12, 4); err != nil {
		t.Fatal(err)
	}
	checkEncoding(t, "several batches", collect(t, Options{Root: root}).Snapshots[0])

	// Strings encoding/json escapes, floats it writes in exponent form,
	// optional fields absent and present, no runs at all.
	odd := &snapshot.Snapshot{
		Schema: snapshot.SchemaV2, ID: "odd", Title: "<b>&\u2028\"runs\": []", Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Source: snapshot.Source{Kind: snapshot.SourceCluster}, Environment: snapshot.Environment{GPUsPerNode: 8},
	}
	checkEncoding(t, "no runs", odd)
	odd.Runs = []snapshot.Run{
		{Model: "a/<b>", Config: snapshot.Config{TP: 1, PP: 1}, Status: snapshot.Status{State: "ok"}},
		{Model: "x\"timeline\": [", Config: snapshot.Config{TP: 2, PP: 1}, Status: snapshot.Status{State: "ok"},
			Warnings: []snapshot.Warning{{Code: "c", Message: "\n      \"timeline\": ["}},
			Timeline: snapshot.TimelineOf(
				snapshot.TimelinePoint{T: 0, PromptTPS: 1e-7, GenerationTPS: 1e21, Running: snapshot.Ptr(0)},
				snapshot.TimelinePoint{T: 10.5, PromptTPS: 123456789.125, GenerationTPS: 0.1, Waiting: snapshot.Ptr(3), KVCacheUsagePc: snapshot.Ptr(99.9)},
				snapshot.TimelinePoint{T: 1e-9, PromptTPS: math.SmallestNonzeroFloat64, GenerationTPS: math.MaxFloat64, KVCacheUsagePc: snapshot.Ptr(0.0)},
			),
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
	b.Run("snapshot.Encode", func(b *testing.B) {
		for b.Loop() {
			if _, err := encodeSnapshot(s); err != nil {
				b.Fatal(err)
			}
		}
	})
}
