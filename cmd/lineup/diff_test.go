package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/collector/snapshot/snapshottest"
	"github.com/lineup-dev/lineup/site/diff"
)

// diffSnapshot is a cluster snapshot with one run per output rate, all of
// model org/model at tp=1 pp=1 with max-num-seqs as given (synthetic; the
// shape of collector output, see collector/snapshot).
func diffSnapshot(t *testing.T, id string, created time.Time, rates map[int]float64) *snapshot.Snapshot {
	t.Helper()
	s := &snapshot.Snapshot{
		Schema: snapshot.SchemaV2, ID: id, Title: id, Created: created,
		Source:      snapshot.Source{Kind: snapshot.SourceCluster, Root: "data"},
		Tool:        snapshot.Tool{Name: "lineup", Version: "test"},
		Environment: snapshot.Environment{GPU: "NVIDIA H100 80GB HBM3", GPUsPerNode: 8, VLLMVersion: id},
	}
	for _, mns := range []int{256, 512} {
		out, ok := rates[mns]
		if !ok {
			continue
		}
		r := snapshot.Run{Model: "org/model", Config: snapshot.Config{TP: 1, PP: 1, MaxNumSeqs: snapshot.Ptr(mns)}, Status: snapshot.Status{State: snapshot.StateOK}}
		r.Metrics.DerivePerGPU(nil, snapshot.Ptr(out), 8)
		s.Runs = append(s.Runs, r)
	}
	snapshottest.CheckValue(t, s)
	return s
}

// TestDiffExitCodes runs `lineup diff` in-process on snapshots written to a
// temporary content directory.
func TestDiffExitCodes(t *testing.T) {
	dir := t.TempDir()
	day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
	snaps := []*snapshot.Snapshot{
		diffSnapshot(t, "base", day(1), map[int]float64{256: 1000, 512: 1200}),
		diffSnapshot(t, "slower", day(2), map[int]float64{256: 900, 512: 1200}),  // -10%
		diffSnapshot(t, "noise", day(3), map[int]float64{256: 980, 512: 1210}),   // -2%, +0.8%
		diffSnapshot(t, "faster", day(4), map[int]float64{256: 1100, 512: 1300}), // +10%, +8.3%
	}
	for _, s := range snaps {
		if err := snapshot.WriteFile(filepath.Join(dir, s.ID+".json"), s, false); err != nil {
			t.Fatal(err)
		}
	}
	// A file whose name is not its id is found by id too.
	if err := os.Rename(filepath.Join(dir, "faster.json"), filepath.Join(dir, "2026-03-04.json")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string // substring; "" means no check
		stderr     string
		sameAsText [2]string // ids whose diff.WriteText stdout must equal
	}{
		{"regression fails the gate", []string{"-fail-on-regression", "base", "slower"}, 1, "slower", "1 regression(s) beyond 5%: org/model [tp=1 pp=1 mns=256] slower -10.0%", [2]string{"base", "slower"}},
		{"without the gate the diff succeeds", []string{"base", "slower"}, 0, "", "", [2]string{"base", "slower"}},
		{"noise passes the gate", []string{"-fail-on-regression", "base", "noise"}, 0, "within noise", "", [2]string{"base", "noise"}},
		{"faster passes the gate", []string{"-fail-on-regression", "base", "faster"}, 0, "faster", "", [2]string{"base", "faster"}},
		{"a wider threshold passes", []string{"-fail-on-regression", "-threshold", "10.5%", "base", "slower"}, 0, "", "", [2]string{}},
		{"the reverse of faster fails", []string{"-fail-on-regression", "faster", "base"}, 1, "", "2 regression(s)", [2]string{}},
		{"files instead of ids", []string{"-fail-on-regression", filepath.Join(dir, "base.json"), filepath.Join(dir, "slower.json")}, 1, "", "regression", [2]string{}},
		{"json", []string{"-format", "json", "base", "noise"}, 0, `"schema": "lineup.diff/v1"`, "", [2]string{}},
		{"markdown", []string{"-format", "markdown", "base", "noise"}, 0, "| model |", "", [2]string{}},
		{"csv", []string{"-format", "csv", "base", "noise"}, 0, "view,model,", "", [2]string{}},
		{"one argument", []string{"base"}, 2, "", "want two snapshots", [2]string{}},
		{"bad format", []string{"-format", "html", "base", "noise"}, 2, "", `-format "html"`, [2]string{}},
		{"bad threshold", []string{"-threshold", "-3", "base", "noise"}, 2, "", "threshold", [2]string{}},
		{"bad alpha", []string{"-alpha", "0", "base", "noise"}, 2, "", "-alpha", [2]string{}},
		{"unknown id", []string{"base", "nope"}, 1, "", `new: snapshot "nope": no file`, [2]string{}},
		{"not an id nor a file", []string{"base", "No Such/File.json"}, 1, "", "not a snapshot id", [2]string{}},
		{"help", []string{"-h"}, 0, "", "Usage: lineup diff", [2]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"diff", "-snapshots", dir}, tt.args...)
			code := run(context.Background(), args, &stdout, &stderr)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdout, stdout.String())
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, stderr.String())
			}
			if tt.sameAsText[0] != "" {
				old, err := diff.Load(tt.sameAsText[0], dir)
				if err != nil {
					t.Fatal(err)
				}
				new, err := diff.Load(tt.sameAsText[1], dir)
				if err != nil {
					t.Fatal(err)
				}
				var want bytes.Buffer
				if err := diff.WriteText(&want, diff.Compare(old, new, diff.DefaultOptions())); err != nil {
					t.Fatal(err)
				}
				if stdout.String() != want.String() {
					t.Errorf("stdout is not the package's text rendering:\n%s\nwant:\n%s", stdout.String(), want.String())
				}
			}
		})
	}
}

// TestDiffScripts runs the end-to-end scripts in testdata/diff; their
// snapshot files are checked against the schema first.
func TestDiffScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/diff/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, f := range files {
		ar, err := txtar.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, af := range ar.Files {
			if strings.HasPrefix(af.Name, "snapshots/") && strings.HasSuffix(af.Name, ".json") {
				snapshottest.Check(t, f+": "+af.Name, af.Data)
			}
		}
	}
	testscript.Run(t, testscript.Params{Dir: "testdata/diff"})
}
