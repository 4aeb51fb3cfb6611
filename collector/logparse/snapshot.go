package logparse

import "github.com/lineup-dev/lineup/collector/snapshot"

// SnapshotTimeline converts the timeline to the snapshot's form.
func (t Throughput) SnapshotTimeline() snapshot.Timeline {
	pts := make([]snapshot.TimelinePoint, len(t.Timeline))
	for i, p := range t.Timeline {
		pts[i] = snapshot.TimelinePoint{T: p.T, PromptTPS: p.PromptTPS, GenerationTPS: p.GenerationTPS,
			Running: p.Running, Waiting: p.Waiting, KVCacheUsagePc: p.KVCacheUsagePct}
	}
	return snapshot.TimelineOf(pts...)
}

// SnapshotStartup converts the start-up facts the snapshot keeps; nil when
// the log stated none of them.
func (s Startup) SnapshotStartup() *snapshot.Startup {
	if s.KVCacheTokens == nil && s.MaxConcurrency == nil && s.ModelLoadSeconds == nil && s.EngineInitSeconds == nil {
		return nil
	}
	return &snapshot.Startup{KVCacheTokens: s.KVCacheTokens, MaxConcurrency: s.MaxConcurrency,
		ModelLoadSeconds: s.ModelLoadSeconds, EngineInitSeconds: s.EngineInitSeconds}
}
