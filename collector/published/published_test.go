package published_test

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lineup-dev/lineup/collector/published"
	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/collector/snapshot/snapshottest"
)

var update = flag.Bool("update", false, "rewrite content/snapshots from content/published")

const (
	tablesDir    = "../../content/published"
	snapshotsDir = "../../content/snapshots"
)

// The bundled example snapshots are built from the published tables by
// this package: the JSON files in content/snapshots are its golden output.
func TestExampleSnapshots(t *testing.T) {
	tables, _ := filepath.Glob(filepath.Join(tablesDir, "*.yaml"))
	if len(tables) != 2 {
		t.Fatalf("found %d published tables, want 2", len(tables))
	}
	for _, file := range tables {
		tab, err := published.Load(file)
		if err != nil {
			t.Fatal(err)
		}
		s, err := tab.Snapshot(snapshot.Tool{Name: "lineup", Version: "devel"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := snapshot.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		snapshottest.Check(t, file, got)
		golden := filepath.Join(snapshotsDir, s.ID+".json")
		if *update {
			if err := snapshot.WriteFileAtomic(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./collector/published -update)", err)
		}
		if !bytes.Equal(got, want) {
			os.WriteFile(golden+".got", got, 0o644)
			t.Errorf("%s is out of date with %s; see %s.got or run with -update", golden, file, golden)
		}
	}
}

// Every example snapshot on disk satisfies the schema and reads back.
func TestExampleSnapshotsValidate(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(snapshotsDir, "*.json"))
	if len(files) < 2 {
		t.Fatalf("found %d example snapshots, want at least 2", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		snapshottest.Check(t, f, data)
		if _, err := snapshot.Decode(f, data); err != nil {
			t.Error(err)
		}
	}
}

// Table A: our formula reproduces every published GPUs/1B/h; table B: the
// typed-in baseline and best figures reproduce every published speedup.
func TestPublishedColumnsReproduced(t *testing.T) {
	a, err := published.Load(filepath.Join(tablesDir, "2026-01-datatrove-lineup.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sa, _ := a.Snapshot(snapshot.Tool{Name: "lineup", Version: "test"})
	if len(sa.Runs) != 12 {
		t.Errorf("table A gives %d runs, want 12", len(sa.Runs))
	}
	for i, r := range a.Rows {
		got := math.Round(*sa.Runs[i].Metrics.GPUsFor1BTokensPerHour)
		if r.PublishedGPUsPer1BH == nil || got != *r.PublishedGPUsPer1BH {
			t.Errorf("line %d %s: GPUs/1B/h %v, published %v", r.Line(), r.Model, got, r.PublishedGPUsPer1BH)
		}
	}
	b, err := published.Load(filepath.Join(tablesDir, "2026-02-datatrove-vllm-0.15.0.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sb, _ := b.Snapshot(snapshot.Tool{Name: "lineup", Version: "test"})
	if len(sb.Runs) != 36 {
		t.Errorf("table B gives %d runs, want 36", len(sb.Runs))
	}
	base := map[string]float64{}
	checked := 0
	for _, r := range b.Rows {
		if r.Label == "baseline" {
			base[r.Model] = *r.OutputTPSPerGPU
			continue
		}
		speedup := *r.OutputTPSPerGPU / base[r.Model]
		if r.PublishedSpeedup == nil || math.Abs(speedup-*r.PublishedSpeedup) > 0.0051 {
			t.Errorf("line %d %s: speedup %.3f, published %v", r.Line(), r.Model, speedup, r.PublishedSpeedup)
		}
		checked++
	}
	if checked != 18 {
		t.Errorf("checked %d speedups, want 18", checked)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ doc, want string }{
		{"id: x\nrows:\n  - {model: a/b, tp: 1}\n", "t.yaml:3: rows[0].output_tps_per_gpu: missing"},
		{"id: x\nrows:\n  - {tp: 1, output_tps_per_gpu: 5}\n", "t.yaml:3: rows[0].model: missing"},
		{"id: x\nrows:\n  - {model: a/b, output_tps_per_gpu: 5}\n", "t.yaml:3: rows[0].tp: missing"},
		{"id: x\nrowz: []\n", "field rowz not found"},
	}
	for _, tt := range tests {
		_, err := published.Parse("t.yaml", []byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want %q", tt.doc, err, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	data, _ := os.ReadFile(filepath.Join(tablesDir, "2026-01-datatrove-lineup.yaml"))
	f.Add(data)
	f.Add([]byte("rows: [{model: a/b, tp: 0, output_tps_per_gpu: 1}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := published.Parse("f.yaml", data)
		if err != nil {
			return
		}
		// Whatever parses either builds a valid snapshot or says why not.
		if s, err := tab.Snapshot(snapshot.Tool{Name: "lineup", Version: "fuzz"}); err == nil {
			if err := s.Validate(); err != nil {
				t.Error(err)
			}
		}
	})
}
