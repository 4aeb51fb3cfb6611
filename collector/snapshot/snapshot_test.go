package snapshot_test

import (
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/collector/snapshot/snapshottest"
)

// The seed README's published lineup rows: output TPS/GPU and the
// GPUs/1B/h it prints (rounded). The formula must reproduce every one.
// Source: ../shared/reference/published-results.md table A.
func TestGPUsFor1BPerHourMatchesSeed(t *testing.T) {
	rows := []struct {
		model     string
		outPerGPU float64
		published int
	}{
		{"google/gemma-3-1b-it", 16616, 17},
		{"Qwen/Qwen3-1.7B", 15397, 18},
		{"google/gemma-3-4b-it", 5427, 51},
		{"Qwen/Qwen3-4B-Thinking-2507", 7038, 39},
		{"openai/gpt-oss-20b", 6962, 40},
		{"nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16", 5490, 51},
		{"nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-FP8", 9274, 30},
		{"Qwen/Qwen3-30B-A3B-Thinking-2507", 3612, 77},
		{"Qwen/Qwen3-Next-80B-A3B-Thinking", 1017, 273},
		{"openai/gpt-oss-120b", 2704, 103},
		{"Qwen/Qwen3-235B-A22B-Thinking-2507", 239.25, 1161},
		{"moonshotai/Kimi-K2-Instruct", 26.095, 10645},
	}
	for _, r := range rows {
		if got := int(math.Round(snapshot.GPUsFor1BPerHour(r.outPerGPU))); got != r.published {
			t.Errorf("%s: GPUsFor1BPerHour(%v) rounds to %d, published %d", r.model, r.outPerGPU, got, r.published)
		}
	}
}

func TestDerive(t *testing.T) {
	// A tp=2 pp=2 run producing 8000 output tokens/s over its 4 GPUs.
	var m snapshot.Metrics
	m.Derive(snapshot.Ptr(1000.0), snapshot.Ptr(8000.0), 4, 8)
	checks := []struct {
		name string
		got  *float64
		want float64
	}{
		{"input_tps_per_gpu", m.InputTPSPerGPU, 250},
		{"output_tps_per_gpu", m.OutputTPSPerGPU, 2000},
		{"gpu_days", m.GPUDaysToProcess1BTokens, 1e9 / 2000.0 / 86400},
		{"node_days", m.NodeDaysToProcess1BTokens, 1e9 / 2000.0 / 86400 / 8},
		{"gpus_for_1b_per_hour", m.GPUsFor1BTokensPerHour, 1e9 / (2000.0 * 3600)},
	}
	for _, c := range checks {
		if c.got == nil || math.Abs(*c.got-c.want) > 1e-9 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	// No output throughput: no sizing metrics, never +Inf.
	m.Derive(nil, snapshot.Ptr(0.0), 1, 8)
	if m.GPUsFor1BTokensPerHour != nil || m.GPUDaysToProcess1BTokens != nil || m.InputTPSPerGPU != nil {
		t.Errorf("zero output derived sizing metrics: %+v", m)
	}
}

func minimal() *snapshot.Snapshot {
	s := &snapshot.Snapshot{
		Schema:      snapshot.SchemaV2,
		ID:          "2026-01-01-test",
		Title:       "test",
		Created:     time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Source:      snapshot.Source{Kind: snapshot.SourceCluster, Root: "data"},
		Tool:        snapshot.Tool{Name: "lineup", Version: "test"},
		Environment: snapshot.Environment{GPUsPerNode: 8, VLLMVersion: "0.15.0"},
		Runs: []snapshot.Run{{
			Model:  "google/gemma-3-1b-it",
			Config: snapshot.Config{TP: 1, PP: 1, Spec: snapshot.Ptr("none")},
			Status: snapshot.Status{State: snapshot.StateOK},
		}},
	}
	s.Runs[0].Metrics.Derive(snapshot.Ptr(100.0), snapshot.Ptr(1000.0), 1, 8)
	return s
}

func TestWriteReadRoundTrip(t *testing.T) {
	s := minimal()
	snapshottest.CheckValue(t, s)
	file := filepath.Join(t.TempDir(), s.ID+".json")
	if err := snapshot.WriteFile(file, s, false); err != nil {
		t.Fatal(err)
	}
	got, err := snapshot.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if *got.Runs[0].Metrics.OutputTPSPerGPU != 1000 || got.ID != s.ID {
		t.Errorf("round trip changed the snapshot: %+v", got)
	}
	// Snapshots are immutable: a second write fails unless asked.
	if err := snapshot.WriteFile(file, s, false); !errors.Is(err, os.ErrExist) {
		t.Errorf("overwrite without force: err = %v, want ErrExist", err)
	}
	if err := snapshot.WriteFile(file, s, true); err != nil {
		t.Errorf("overwrite with force: %v", err)
	}
	// No temporary files left behind.
	entries, _ := os.ReadDir(filepath.Dir(file))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the snapshot", len(entries))
	}
}

func TestDecodeErrors(t *testing.T) {
	valid, err := snapshot.Marshal(minimal())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		doc    string
		want   string // substring of the error
		schema bool   // errors.Is(err, ErrSchema)
	}{
		{"newer schema", strings.Replace(string(valid), "lineup.snapshot/v2", "lineup.snapshot/v3", 1), `s.json:2: schema: "lineup.snapshot/v3" is not supported: this lineup reads "lineup.snapshot/v2" and "lineup.snapshot/v1"; a newer lineup wrote it`, true},
		{"no schema", `{"id": "x"}`, "schema: missing; not a lineup snapshot", true},
		{"not json", "{\n  \"schema\": \"lineup.snapshot/v1\",\n  oops\n}", "s.json:3: invalid character", false},
		{"truncated", string(valid[:len(valid)/2]), "s.json:", false},
		{"unknown field", strings.Replace(string(valid), `"title"`, `"titel"`, 1), `s.json:4: unknown field "titel"`, false},
		{"wrong type", strings.Replace(string(valid), `"tp": 1`, `"tp": "one"`, 1), "runs.config.tp: cannot use JSON string", false},
		{"bad id", strings.Replace(string(valid), `"2026-01-01-test"`, `"../etc/passwd"`, 1), "id: \"../etc/passwd\" is not a valid id", false},
		{"failed without reason", strings.Replace(string(valid), `"state": "ok"`, `"state": "failed"`, 1), "runs[0].status.reason: a failed run needs a reason", false},
		{"empty", "", "s.json:1:", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := snapshot.Decode("s.json", []byte(tt.doc))
			if err == nil {
				t.Fatalf("Decode succeeded, want error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if got := errors.Is(err, snapshot.ErrSchema); got != tt.schema {
				t.Errorf("errors.Is(err, ErrSchema) = %v, want %v", got, tt.schema)
			}
		})
	}
}

func TestSchemaRejectsWhatValidateRejects(t *testing.T) {
	valid, _ := snapshot.Marshal(minimal())
	snapshottest.Check(t, "minimal", valid)
	for _, bad := range []string{
		strings.Replace(string(valid), `"tp": 1`, `"tp": 0`, 1),
		strings.Replace(string(valid), `"state": "ok"`, `"state": "fine"`, 1),
		strings.Replace(string(valid), `"gpus_per_node": 8`, `"gpus_per_node": 0`, 1),
	} {
		if snapshottest.Validate([]byte(bad)) == nil {
			t.Errorf("schema accepted an invalid document:\n%s", bad)
		}
		if _, err := snapshot.Decode("bad.json", []byte(bad)); err == nil {
			t.Errorf("Decode accepted an invalid document")
		}
	}
}

func FuzzDecode(f *testing.F) {
	valid, _ := snapshot.Marshal(minimal())
	f.Add(valid)
	f.Add([]byte(`{"schema":"lineup.snapshot/v1"}`))
	withTimeline, _ := snapshot.Marshal(timelineSnapshot())
	f.Add(withTimeline)
	f.Add(v1Document(f))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := snapshot.Decode("fuzz.json", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.json") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		// Whatever Decode accepts, Validate accepts and re-encodes.
		if err := s.Validate(); err != nil {
			t.Errorf("decoded snapshot fails Validate: %v", err)
		}
		if _, err := snapshot.Marshal(s); err != nil {
			t.Errorf("marshal: %v", err)
		}
	})
}

func TestBest(t *testing.T) {
	run := func(model string, out float64, state string) snapshot.Run {
		r := snapshot.Run{Model: model, Config: snapshot.Config{TP: 1, PP: 1}, Status: snapshot.Status{State: state}}
		r.Metrics.DerivePerGPU(nil, snapshot.Ptr(out), 8)
		return r
	}
	s := &snapshot.Snapshot{Runs: []snapshot.Run{
		run("a", 10, snapshot.StateOK),
		run("b", 5, snapshot.StateOK),
		run("a", 30, snapshot.StateOK),
		run("a", 99, snapshot.StateIncomplete), // not OK: never best
		run("c", 1, snapshot.StateFailed),
		run("b", 5, snapshot.StateOK), // tie: the earlier run stays
	}}
	best := s.Best()
	if len(best) != 2 || best[0].Model != "a" || *best[0].Metrics.OutputTPSPerGPU != 30 || best[1].Model != "b" {
		t.Errorf("Best() = %+v", best)
	}
	if got := s.Models(); len(got) != 3 || got[2] != "c" {
		t.Errorf("Models() = %v", got)
	}
}

// TestWriteAtomic: a write that fails leaves neither the file nor a
// temporary one; one that succeeds replaces the file whole.
func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.json")
	if err := os.WriteFile(file, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := snapshot.WriteAtomic(file, 0o644, func(w io.Writer) error {
		io.WriteString(w, "half")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("error %v, want %v", err, boom)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files after a failed write, want the old one only", len(entries))
	}
	if data, _ := os.ReadFile(file); string(data) != "old" {
		t.Errorf("file %q after a failed write", data)
	}
	if err := snapshot.WriteAtomic(file, 0o600, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(file)
	if data, _ := os.ReadFile(file); string(data) != "new" || err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("file %q, mode %v, %v", data, fi.Mode(), err)
	}
}

// TestValidID: the rules of a snapshot id, at the edges.
func TestValidID(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"2026-01-01-vllm-0.11.0-h100", true},
		{"a", true},
		{"0.x_y-z", true},
		{strings.Repeat("a", 128), true},
		{strings.Repeat("a", 129), false},
		{"", false},
		{"-a", false},
		{".hidden", false},
		{"a..b", false},
		{"A", false},
		{"a/b", false},
		{"a b", false},
		{"a\n", false},
		{"é", false},
	} {
		if got := snapshot.ValidID(tc.id); got != tc.want {
			t.Errorf("ValidID(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}
