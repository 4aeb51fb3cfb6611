package diff_test

import (
	"fmt"
	"time"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/site/diff"
)

// Two single-run snapshots of one configuration: a 10% drop in output
// TPS/GPU is beyond the default 5% threshold, and with one run per side
// there is no significance test.
func ExampleCompare() {
	snap := func(id string, outPerGPU float64) *snapshot.Snapshot {
		r := snapshot.Run{Model: "Qwen/Qwen3-8B", Config: snapshot.Config{TP: 1, PP: 1}, Status: snapshot.Status{State: snapshot.StateOK}}
		r.Metrics.DerivePerGPU(nil, &outPerGPU, 8)
		s := &snapshot.Snapshot{
			Schema: snapshot.SchemaV2, ID: id, Title: id, Created: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
			Source:      snapshot.Source{Kind: snapshot.SourceCluster, Root: "data"},
			Tool:        snapshot.ThisTool(),
			Environment: snapshot.Environment{GPUsPerNode: 8},
			Runs:        []snapshot.Run{r},
		}
		if err := s.Validate(); err != nil {
			panic(err)
		}
		return s
	}
	d := diff.Compare(snap("before", 6338), snap("after", 5704.2), diff.DefaultOptions())
	r := d.Configs[0]
	fmt.Printf("%s %s: %+.1f%%, %s, %s\n", r.Model, r.Old.ConfigLabel, *r.OutputChange*100, r.Significance, r.Flag.Text())
	fmt.Println("regressions:", len(d.Regressions()))
	// Output:
	// Qwen/Qwen3-8B tp=1 pp=1: -10.0%, 1 run, no significance test, slower
	// regressions: 1
}
