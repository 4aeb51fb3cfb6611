package site

import (
	"bytes"
	"encoding/csv"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// appendTimelineCSV writes the cells itself; encoding/csv over the same
// cells is what it must match, for every kind of number a timeline holds.
func TestAppendTimelineCSVMatchesEncodingCSV(t *testing.T) {
	tl := snapshot.Timeline{
		T:               []float64{0, 10.25, 1e21, math.NaN()},
		PromptTPS:       []float64{0, 1234.5, -3, math.Inf(1)},
		GenerationTPS:   []float64{0, 16616, 1e-7, math.Inf(-1)},
		Running:         []int{-1, 256, -1, -1}, // -1: not stated
		Waiting:         []int{-1, 0, -1, 7},
		KVCacheUsagePct: []float64{-1, 41.7, 100, -1},
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	csvOf := func(tl snapshot.Timeline) string {
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		w.Write(timelineColumns)
		for i := range tl.Len() {
			p := tl.Point(i)
			w.Write([]string{num(p.T), num(p.PromptTPS), num(p.GenerationTPS), intText(p.Running), intText(p.Waiting), floatText(p.KVCacheUsagePc)})
		}
		w.Flush()
		return b.String()
	}
	first := snapshot.Timeline{T: tl.T[:1], PromptTPS: tl.PromptTPS[:1], GenerationTPS: tl.GenerationTPS[:1]}
	for _, part := range []snapshot.Timeline{{}, first, tl} {
		if got, want := string(appendTimelineCSV(nil, part)), csvOf(part); got != want {
			t.Errorf("appendTimelineCSV(nil, %d points) =\n%s\nwant (encoding/csv)\n%s", part.Len(), got, want)
		}
	}
	if !strings.Contains(csvOf(tl), "10.25,1234.5,16616,256,0,41.7\n") {
		t.Fatalf("the reference CSV lacks the full sample:\n%s", csvOf(tl))
	}
	// Appending keeps what dst held.
	if got := appendTimelineCSV([]byte("x"), tl); string(got) != "x"+csvOf(tl) {
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
