package snapshot

import (
	"bytes"
	"math"
	"testing"
)

// appendRun writes the timeline straight in its final layout; it must give
// exactly what encoding/json and appendIndent give.
func TestAppendRunMatchesGeneric(t *testing.T) {
	pts := []TimelinePoint{
		{T: 0, PromptTPS: 3576, GenerationTPS: 9537.75, Running: Ptr(256), KVCacheUsagePc: Ptr(20.5)},
		{T: 10.5, PromptTPS: 1e-7, GenerationTPS: 1e21, Waiting: Ptr(3)},
	}
	base := Run{Model: "a/b", Config: Config{TP: 1, PP: 1}, Status: Status{State: StateOK}}
	hostile := base
	hostile.Model = "x\n      \"attempts\": <b>&"
	hostile.Warnings = []Warning{{Code: "c", Message: "\n    }\n      \"environment\": "}}
	withAttempts := base
	withAttempts.Attempts = []Attempt{{JobID: "1", Path: "p"}}
	withEnv := base
	withEnv.Environment = &Environment{GPUsPerNode: 8, VLLMVersion: "0.15.0"}
	withBoth := withAttempts
	withBoth.Environment = withEnv.Environment
	withStartup := withBoth
	withStartup.Startup = &Startup{KVCacheTokens: Ptr(int64(2296576))}
	for name, r := range map[string]Run{"bare": base, "hostile": hostile, "attempts": withAttempts, "environment": withEnv, "both": withBoth, "startup": withStartup} {
		for _, timeline := range []Timeline{{}, TimelineOf(pts...), TimelineOf(pts[:1]...), TimelineOf(TimelinePoint{T: 1, PromptTPS: 2, GenerationTPS: 3})} {
			r.Timeline = timeline
			got, err := appendRun([]byte("prefix"), &r)
			if err != nil {
				t.Fatal(err)
			}
			want, err := appendRunGeneric([]byte("prefix"), &r)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s, %d samples:\n got %s\nwant %s", name, timeline.Len(), got, want)
			}
		}
	}
}

// A run that cannot be encoded, in a later batch, fails Encode with the
// error encoding/json gives, whatever the number of workers; the runs
// before it are not the document.
func TestEncodeFailsLate(t *testing.T) {
	s := &Snapshot{Schema: SchemaV2, ID: "x", Environment: Environment{GPUsPerNode: 8}}
	for i := range 200 {
		s.Runs = append(s.Runs, Run{Model: "a/b", Config: Config{TP: 1, PP: 1}, Status: Status{State: StateOK},
			Timeline: TimelineOf(TimelinePoint{T: float64(i), PromptTPS: 1, GenerationTPS: 2})})
	}
	s.Runs[150].Timeline.GenerationTPS[0] = math.Inf(1)
	_, want := Marshal(s)
	if want == nil {
		t.Fatal("Marshal encoded an infinite value")
	}
	for _, workers := range []int{1, 2, 5} {
		var buf bytes.Buffer
		err := Encode(&buf, s, workers)
		if err == nil || err.Error() != want.Error() {
			t.Errorf("Encode with %d workers: %v, want %v", workers, err, want)
		}
	}
}
