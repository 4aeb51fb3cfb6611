package snapshot_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/collector/snapshot/snapshottest"
)

// timelineSnapshot is minimal() with a timeline whose optional fields are
// present on some samples only.
func timelineSnapshot() *snapshot.Snapshot {
	s := minimal()
	s.Runs[0].Timeline = snapshot.TimelineOf(
		snapshot.TimelinePoint{T: 0, PromptTPS: 3576, GenerationTPS: 9537.75, Running: snapshot.Ptr(256), Waiting: snapshot.Ptr(1700), KVCacheUsagePc: snapshot.Ptr(20.5)},
		snapshot.TimelinePoint{T: 10, PromptTPS: 0, GenerationTPS: 1e-7, KVCacheUsagePc: snapshot.Ptr(0.0)},
		snapshot.TimelinePoint{T: 20.5, PromptTPS: 123456789.125, GenerationTPS: 1e21, Running: snapshot.Ptr(0)},
	)
	s.Runs = append(s.Runs, s.Runs[0])
	s.Runs[1].Timeline = snapshot.TimelineOf(snapshot.TimelinePoint{T: 0, PromptTPS: 1, GenerationTPS: 2})
	return s
}

func TestTimelineRoundTrip(t *testing.T) {
	s := timelineSnapshot()
	data, err := snapshot.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	snapshottest.Check(t, "timeline snapshot", data)
	// the columns, each on one line; absent fields are null, and a column
	// no sample has is left out
	for _, want := range []string{
		`"t": [0, 10, 20.5],`,
		`"generation_tps": [9537.75, 1e-7, 1e+21],`,
		`"running": [256, null, 0],`,
		`"waiting": [1700, null, null],`,
		`"kv_cache_usage_pct": [20.5, 0, null]`,
		"\"timeline\": {\n        \"t\": [0],\n        \"prompt_tps\": [1],\n        \"generation_tps\": [2]\n      }",
	} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("encoding lacks %s:\n%s", want, data)
		}
	}
	got, err := snapshot.Decode("s.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Runs, s.Runs) {
		t.Errorf("round trip changed the runs:\n got %+v\nwant %+v", got.Runs, s.Runs)
	}
	// The indentation is json.Indent's but for arrays of scalars: the same
	// document once compacted.
	var compact, want bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		t.Fatal(err)
	}
	v2 := *s
	v2.Schema = snapshot.SchemaV2
	enc := json.NewEncoder(&want)
	if err := enc.Encode(&v2); err != nil {
		t.Fatal(err)
	}
	if compact.String() != strings.TrimSuffix(want.String(), "\n") {
		t.Errorf("Marshal is not json.Marshal's document:\n got %s\nwant %s", compact.String(), want.String())
	}
}

// v1Document is the v1 example of testdata, written by lineup before v2.
func v1Document(tb testing.TB) []byte {
	data, err := os.ReadFile("testdata/v1-example.json")
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// TestDecodeV1 reads a document lineup wrote as lineup.snapshot/v1: the
// timelines are point objects; what Decode returns is the current version
// and Marshal writes it as v2.
func TestDecodeV1(t *testing.T) {
	data := v1Document(t)
	snapshottest.Check(t, "v1 example", data)
	var raw struct {
		Runs []struct {
			Timeline []map[string]float64 `json:"timeline"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	s, err := snapshot.Decode("v1-example.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if s.Schema != snapshot.SchemaV2 {
		t.Errorf("schema %q, want %q", s.Schema, snapshot.SchemaV2)
	}
	if len(s.Runs) != len(raw.Runs) || len(raw.Runs) == 0 {
		t.Fatalf("%d runs, want %d", len(s.Runs), len(raw.Runs))
	}
	for i, r := range raw.Runs {
		tl := s.Runs[i].Timeline
		if tl.Len() != len(r.Timeline) || tl.Len() == 0 {
			t.Fatalf("run %d: %d samples, want %d", i, tl.Len(), len(r.Timeline))
		}
		for j, p := range r.Timeline {
			got := tl.Point(j)
			if got.T != p["t"] || got.PromptTPS != p["prompt_tps"] || got.GenerationTPS != p["generation_tps"] ||
				got.Running == nil || float64(*got.Running) != p["running"] || got.Waiting == nil || float64(*got.Waiting) != p["waiting"] ||
				got.KVCacheUsagePc == nil || *got.KVCacheUsagePc != p["kv_cache_usage_pct"] {
				t.Errorf("run %d sample %d: got %+v, want %v", i, j, got, p)
			}
		}
	}
	v2, err := snapshot.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	snapshottest.Check(t, "v1 example as v2", v2)
	if len(v2) >= len(data) {
		t.Errorf("v2 is %d bytes, v1 %d: the columns should be smaller", len(v2), len(data))
	}
	back, err := snapshot.Decode("v2.json", v2)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, s) {
		t.Errorf("v1 -> v2 -> decode changed the snapshot")
	}
}

func TestTimelineDecodeErrors(t *testing.T) {
	valid, err := snapshot.Marshal(timelineSnapshot())
	if err != nil {
		t.Fatal(err)
	}
	line := 1 + bytes.Count(valid[:bytes.Index(valid, []byte(`"timeline"`))], []byte("\n"))
	at := "s.json:" + strconv.Itoa(line) + ": timeline: "
	v1 := string(v1Document(t))
	v1line := 1 + strings.Count(v1[:strings.Index(v1, `"timeline"`)], "\n")
	tests := []struct {
		name, doc, want string
	}{
		{"short column", strings.Replace(string(valid), `"waiting": [1700, null, null]`, `"waiting": [1700, null]`, 1), at + `column "waiting" has 2 values, "t" has 3`},
		{"unknown column", strings.Replace(string(valid), `"running": [`, `"runing": [`, 1), at + `json: unknown field "runing"`},
		{"no t", strings.Replace(string(valid), `"t": [0, 10, 20.5],`, ``, 1), at + "needs the columns t, prompt_tps and generation_tps"},
		{"string value", strings.Replace(string(valid), `[0, 10, 20.5]`, `[0, "10", 20.5]`, 1), at + "json: cannot unmarshal string"},
		{"not an object", strings.Replace(string(valid), "\"timeline\": {", "\"timeline\": 7, \"x\": {", 1), "s.json:"},
		{"v1 point without t", strings.Replace(v1, `"t": 0,`, ``, 1), "v1.json:" + strconv.Itoa(v1line) + ": timeline: point 0 needs t, prompt_tps and generation_tps"},
		{"v1 unknown field", strings.Replace(v1, `"t": 0,`, `"time": 0,`, 1), "v1.json:" + strconv.Itoa(v1line) + `: timeline: json: unknown field "time"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "s.json"
			if strings.HasPrefix(tt.name, "v1") {
				name = "v1.json"
			}
			if tt.doc == string(valid) || tt.doc == v1 {
				t.Fatal("the replacement did not apply")
			}
			_, err := snapshot.Decode(name, []byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
			var se *snapshot.SyntaxError
			if !errors.As(err, &se) {
				t.Errorf("error %T is not a *snapshot.SyntaxError", err)
			}
		})
	}
}

// A NaN or infinite sample is an error, as encoding/json reports it for any
// float field, not a document no JSON parser reads.
func TestTimelineRejectsNonFinite(t *testing.T) {
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		for _, col := range []string{"t", "prompt_tps", "generation_tps", "kv_cache_usage_pct"} {
			s := timelineSnapshot()
			tl := &s.Runs[0].Timeline
			map[string][]float64{"t": tl.T, "prompt_tps": tl.PromptTPS, "generation_tps": tl.GenerationTPS, "kv_cache_usage_pct": tl.KVCacheUsagePct}[col][1] = bad
			if _, err := snapshot.Marshal(s); err == nil && !(col == "kv_cache_usage_pct" && bad < 0) {
				t.Errorf("Marshal accepted %s %v", col, bad)
			}
		}
	}
}

// A column of another length than t, or a negative count, is refused on
// both sides.
func TestTimelineShape(t *testing.T) {
	s := timelineSnapshot()
	s.Runs[0].Timeline.Running = s.Runs[0].Timeline.Running[:2]
	if _, err := snapshot.Marshal(s); err == nil || !strings.Contains(err.Error(), `"running" has 2 values for 3 samples`) {
		t.Errorf("Marshal of a short column: %v", err)
	}
	for _, doc := range []string{
		`{"t":[0],"prompt_tps":[1],"generation_tps":[2],"running":[-1]}`,
		`{"t":[0],"prompt_tps":[1],"generation_tps":[2],"kv_cache_usage_pct":[-0.5]}`,
		`[{"t":0,"prompt_tps":1,"generation_tps":2,"waiting":-3}]`,
	} {
		var tl snapshot.Timeline
		if err := json.Unmarshal([]byte(doc), &tl); err == nil || !strings.Contains(err.Error(), "negative") {
			t.Errorf("%s: %v, want a negative count refused", doc, err)
		}
	}
	// points in, points out
	pts := timelineSnapshot().Runs[0].Timeline.Points()
	if got := snapshot.TimelineOf(pts...).Points(); !reflect.DeepEqual(got, pts) || len(pts) != 3 {
		t.Errorf("TimelineOf(pts).Points() = %+v, want %+v", got, pts)
	}
	if tl := snapshot.TimelineOf(snapshot.TimelinePoint{T: 1}); tl.Running != nil || tl.Waiting != nil || tl.KVCacheUsagePct != nil {
		t.Errorf("columns no sample has are not nil: %+v", tl)
	}
}

func FuzzTimelineUnmarshal(f *testing.F) {
	for _, s := range []string{
		`{"t":[0,10],"prompt_tps":[1,2],"generation_tps":[3,4],"running":[1,null],"waiting":[null,2],"kv_cache_usage_pct":[null,5.5]}`,
		`[{"t":0,"prompt_tps":1,"generation_tps":2,"running":3}]`,
		`null`, `{}`, `[]`, `{"t":[1],"prompt_tps":[],"generation_tps":[1]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var tl snapshot.Timeline
		if err := json.Unmarshal(data, &tl); err != nil {
			return
		}
		// whatever it reads, it writes and reads back the same
		b, err := json.Marshal(tl)
		if err != nil {
			return // NaN cannot come from JSON; a huge number can overflow nothing
		}
		var back snapshot.Timeline
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("re-reading %s: %v", b, err)
		}
		if !reflect.DeepEqual(back, tl) && !(back.Len() == 0 && tl.Len() == 0) {
			t.Fatalf("round trip changed the timeline:\n got %+v\nwant %+v", back, tl)
		}
	})
}
