package snapshot

import (
	"bytes"
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
