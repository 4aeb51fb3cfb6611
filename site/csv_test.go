package site

import (
	"bytes"
	"encoding/csv"
	"math"
	"strconv"
	"testing"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// appendTimelineCSV writes the cells itself; encoding/csv over the same
// cells is what it must match, for every kind of number a timeline holds.
func TestAppendTimelineCSVMatchesEncodingCSV(t *testing.T) {
	points := []snapshot.TimelinePoint{
		{T: 0, PromptTPS: 0, GenerationTPS: 0},
		{T: 10.25, PromptTPS: 1234.5, GenerationTPS: 16616, Running: snapshot.Ptr(256), Waiting: snapshot.Ptr(0), KVCacheUsagePc: snapshot.Ptr(41.7)},
		{T: 1e21, PromptTPS: -3, GenerationTPS: 1e-7, Running: snapshot.Ptr(-1), KVCacheUsagePc: snapshot.Ptr(100.0)},
		{T: math.NaN(), PromptTPS: math.Inf(1), GenerationTPS: math.Inf(-1), Waiting: snapshot.Ptr(7)},
	}
	var want bytes.Buffer
	w := csv.NewWriter(&want)
	w.Write(timelineColumns)
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, p := range points {
		w.Write([]string{num(p.T), num(p.PromptTPS), num(p.GenerationTPS), intText(p.Running), intText(p.Waiting), floatText(p.KVCacheUsagePc)})
	}
	w.Flush()
	for _, pts := range [][]snapshot.TimelinePoint{nil, points[:1], points} {
		var wantPart bytes.Buffer
		wp := csv.NewWriter(&wantPart)
		wp.Write(timelineColumns)
		for _, p := range pts {
			wp.Write([]string{num(p.T), num(p.PromptTPS), num(p.GenerationTPS), intText(p.Running), intText(p.Waiting), floatText(p.KVCacheUsagePc)})
		}
		wp.Flush()
		if got := appendTimelineCSV(nil, pts); string(got) != wantPart.String() {
			t.Errorf("appendTimelineCSV(nil, %d points) =\n%s\nwant (encoding/csv)\n%s", len(pts), got, wantPart.String())
		}
	}
	// Appending keeps what dst held.
	if got := appendTimelineCSV([]byte("x"), points); string(got) != "x"+want.String() {
		t.Errorf("appendTimelineCSV after %q =\n%s", "x", got)
	}
}

// writeRunsCSV's ends cut the header and each row: header plus one row is
// that run's CSV, as runsCSV writes it alone.
func TestWriteRunsCSVEnds(t *testing.T) {
	s := &snapshot.Snapshot{ID: "s1", Source: snapshot.Source{Kind: snapshot.SourceCluster, Root: "/data"},
		Environment: snapshot.Environment{GPU: "=cmd|' /C calc'!A0", GPUsPerNode: 8}}
	s.Runs = []snapshot.Run{
		{Model: "org/a", Path: "e/r1", Config: snapshot.Config{TP: 1, PP: 1}, Status: snapshot.Status{State: snapshot.StateOK},
			Metrics: snapshot.Metrics{OutputTPSPerGPU: snapshot.Ptr(-12.5)}, Label: "+hostile, \"quoted\"\nline"},
		{Model: "org/a", Config: snapshot.Config{TP: 2, PP: 1}, Status: snapshot.Status{State: snapshot.StateFailed, Reason: "oom"},
			Warnings: []snapshot.Warning{{Code: "a"}, {Code: "b"}}},
		{Model: "@org/b", Config: snapshot.Config{TP: 4, PP: 2}},
	}
	runs := []*snapshot.Run{&s.Runs[0], &s.Runs[1], &s.Runs[2]}
	var buf bytes.Buffer
	ends := writeRunsCSV(&buf, s, runs, nil)
	if len(ends) != len(runs)+1 {
		t.Fatalf("%d ends for %d runs", len(ends), len(runs))
	}
	data := buf.Bytes()
	if got, want := string(data), string(runsCSV(s, runs)); got != want {
		t.Errorf("writeRunsCSV = %q, runsCSV = %q", got, want)
	}
	for i := range runs {
		got := string(data[:ends[0]]) + string(data[ends[i]:ends[i+1]])
		if want := string(runsCSV(s, runs[i:i+1])); got != want {
			t.Errorf("run %d: header+row = %q, runsCSV alone = %q", i, got, want)
		}
		recs, err := csv.NewReader(bytes.NewReader([]byte(got))).ReadAll()
		if err != nil || len(recs) != 2 || len(recs[1]) != len(csvColumns()) {
			t.Errorf("run %d: CSV %q reads as %d records (%v)", i, got, len(recs), err)
		}
	}
}
