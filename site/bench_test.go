package site_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/lineup-dev/lineup/site"
)

// lineupBudget is the size budget of the lineup page, gzipped,
// not counting the chart library.
const lineupBudget = 100 << 10

// A lineup of 300 models stays under the budget: it is sent to every
// reader, on phones too.
func TestLineupSizeBudget(t *testing.T) {
	s := syntheticSnapshot(300, 4)
	out := build(t, contentDir(t, s), site.Options{ECharts: echartsStub})
	page, err := os.ReadFile(filepath.Join(out, "index.html"))
	must(t, err)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(page)
	zw.Close()
	t.Logf("lineup page of 300 models: %d bytes, %d gzipped (budget %d)", len(page), buf.Len(), lineupBudget)
	if buf.Len() >= lineupBudget {
		t.Errorf("lineup page is %d bytes gzipped, over the %d budget", buf.Len(), lineupBudget)
	}
	if rows := tableRows(t, filepath.Join(out, "index.html"), "lineup"); len(rows) != 300 {
		t.Errorf("lineup has %d rows, want 300", len(rows))
	}
}

// BenchmarkBuild renders a synthetic snapshot of 10,000 configurations over
// 300 models, with charts: the whole site, every page and download. The
// goal is under 2 s per build.
func BenchmarkBuild(b *testing.B) {
	s := syntheticSnapshot(300, 34) // 10,200 configurations
	dir := contentDir(b, s)
	content, err := site.Load(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(s.Runs)), "configs")
	for b.Loop() {
		out := b.TempDir()
		if _, err := site.Render(context.Background(), content, site.Options{OutDir: out, Version: "bench", ECharts: echartsStub}); err != nil {
			b.Fatal(err)
		}
	}
}
