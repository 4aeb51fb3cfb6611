package logparse

import (
	"bytes"
	"testing"
	"time"

	"github.com/lineup-dev/lineup/collector/logparse/logparsetest"
	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/collector/snapshot/snapshottest"
)

// TestSnapshotConversion: a run built from a parsed log is schema-valid and
// keeps the timeline and start-up facts.
func TestSnapshotConversion(t *testing.T) {
	log, err := ParseServerLog(bytes.NewReader(syntheticLog(t, logparsetest.Log{Version: "0.15.1", Model: "google/gemma-3-1b-it", TP: 2, Lines: 400, Mixed: 30})))
	if err != nil {
		t.Fatal(err)
	}
	sum := Summarize(log.Stats)
	run := snapshot.Run{
		Model:    log.Startup.Model,
		Config:   snapshot.Config{TP: *log.Startup.TP, PP: 1},
		Status:   snapshot.Status{State: snapshot.StateOK},
		Startup:  log.Startup.SnapshotStartup(),
		Timeline: sum.SnapshotTimeline(),
	}
	run.Metrics.Derive(sum.EngineInputTPS, sum.EngineOutputTPS, run.Config.GPUsPerReplica(), snapshot.DefaultGPUsPerNode)
	run.Metrics.Method = "stats_lines"
	snap := &snapshot.Snapshot{
		Schema: snapshot.SchemaV2, ID: "2026-11-28-vllm-0.15.1-test", Title: "logparse conversion", Created: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC),
		Source: snapshot.Source{Kind: snapshot.SourceCluster, Root: "testdata"}, Tool: snapshot.Tool{Name: "lineup", Version: "test"},
		Environment: snapshot.Environment{VLLMVersion: log.Startup.VLLMVersion, GPUsPerNode: snapshot.DefaultGPUsPerNode},
		Runs:        []snapshot.Run{run},
	}
	snapshottest.CheckValue(t, snap)
	if run.Timeline.Len() != len(sum.Timeline) || run.Timeline.GenerationTPS[3] != sum.Timeline[3].GenerationTPS || *run.Startup.KVCacheTokens != 33824 {
		t.Errorf("conversion lost data: %d points, startup %+v", run.Timeline.Len(), run.Startup)
	}
	if (Startup{}).SnapshotStartup() != nil || !(Throughput{}).SnapshotTimeline().IsZero() {
		t.Error("empty facts should convert to nil")
	}
}
