package snapshot_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// The seed analyzer's header in its order, as the collector wrote it before
// the list moved here (collector/write.go) and as the site's download test
// spells it; the metric names are the seed README's
// (/work/shared/seed/vllm-benchmark-README.md, the metrics table).
const seedHeader = "model,tp,pp,dp,spec_config,gpus_for_1b_tokens_per_hour,node_days_to_process_1b_tokens," +
	"gpu_days_to_process_1b_tokens,input_tps_per_gpu,output_tps_per_gpu,tokens_input_per_sec,tokens_output_per_sec," +
	"prompt_tokens_total,completion_tokens_total,successful_requests,failed_requests,path,comment"

func TestSeedCSVColumns(t *testing.T) {
	if got := strings.Join(snapshot.SeedCSVColumns(), ","); got != seedHeader {
		t.Errorf("columns\n%s\nwant\n%s", got, seedHeader)
	}
	// Callers append to the slice: each call must get its own.
	a := snapshot.SeedCSVColumns()
	_ = append(a[:1], "changed")
	if snapshot.SeedCSVColumns()[1] != "tp" {
		t.Error("SeedCSVColumns shares its slice between calls")
	}
}

func TestSeedCSVCells(t *testing.T) {
	ok := snapshot.Run{Model: "google/gemma-3-1b-it", Config: snapshot.Config{TP: 2, PP: 1, DP: snapshot.Ptr(1), Spec: snapshot.Ptr("ngram_6")},
		Status: snapshot.Status{State: snapshot.StateOK}}
	ok.Metrics.Derive(snapshot.Ptr(5130.0), snapshot.Ptr(33232.5), 2, 8)
	ok.Totals = snapshot.Totals{PromptTokens: snapshot.Ptr[int64](1_200_000), CompletionTokens: snapshot.Ptr[int64](9_800_000),
		SuccessfulRequests: snapshot.Ptr[int64](10000), FailedRequests: snapshot.Ptr[int64](0)}
	six := func(p *float64) string { return strconv.FormatFloat(*p, 'f', 6, 64) }

	withFailedRequests := ok
	withFailedRequests.Totals.FailedRequests = snapshot.Ptr[int64](3)
	warned := ok
	warned.Warnings = []snapshot.Warning{{Code: "few_steady_lines", Message: "only 2 steady stats lines"}, {Code: "other", Message: "second"}}
	noMetrics := snapshot.Run{Model: "m", Config: snapshot.Config{TP: 1, PP: 1}, Status: snapshot.Status{State: snapshot.StateOK}}
	failed := snapshot.Run{Model: "m", Config: snapshot.Config{TP: 4, PP: 2, Spec: snapshot.Ptr("")},
		Status: snapshot.Status{State: snapshot.StateFailed, Reason: snapshot.ReasonOOM}}
	incomplete := snapshot.Run{Model: "m", Config: snapshot.Config{TP: 1, PP: 1}, Status: snapshot.Status{State: snapshot.StateIncomplete}}

	m := ok.Metrics
	okCells := []string{"google/gemma-3-1b-it", "2", "1", "1", "spec_ngram_6",
		six(m.GPUsFor1BTokensPerHour), six(m.NodeDaysToProcess1BTokens), six(m.GPUDaysToProcess1BTokens),
		six(m.InputTPSPerGPU), six(m.OutputTPSPerGPU), six(m.TokensInputPerSec), six(m.TokensOutputPerSec),
		"1200000", "9800000", "10000", "0", "data/gemma", ""}
	with := func(cells []string, i int, v string) []string {
		c := append([]string(nil), cells...)
		c[i] = v
		return c
	}
	empty := func(model, tp, pp, dp, spec, comment string) []string {
		return []string{model, tp, pp, dp, spec, "", "", "", "", "", "", "", "", "", "", "", "data/gemma", comment}
	}
	tests := []struct {
		name string
		run  snapshot.Run
		want []string
	}{
		{"ok", ok, okCells},
		{"failed requests", withFailedRequests, with(with(okCells, 15, "3"), 17, "failed_requests=3")},
		{"first warning", warned, with(okCells, 17, "only 2 steady stats lines")},
		{"no metrics", noMetrics, empty("m", "1", "1", "", "spec_none", "throughput metrics not found in server logs")},
		{"failed, empty spec", failed, empty("m", "4", "2", "", "spec_none", snapshot.ReasonOOM)},
		{"incomplete", incomplete, empty("m", "1", "1", "", "spec_none", "stats.json not found")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := snapshot.SeedCSVCells(&tt.run, "data/gemma")
			if len(got) != len(snapshot.SeedCSVColumns()) {
				t.Fatalf("%d cells for %d columns", len(got), len(snapshot.SeedCSVColumns()))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("cells\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// One table for the guard every lineup CSV uses (the collector's summary,
// the site's downloads, lineup diff -format csv).
func TestSafeCSVCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"google/gemma-3-1b-it", "google/gemma-3-1b-it"},
		{"-10.7", "-10.7"}, {"+3", "+3"}, {"1e-05", "1e-05"}, {"-1.5E+3", "-1.5E+3"}, {".5", ".5"},
		{"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
		{"-2+3", "'-2+3"}, {"@SUM(A1)", "'@SUM(A1)"}, {"-", "'-"}, {"-Inf", "'-Inf"}, {"-spec", "'-spec"},
		{"\t=1", "'\t=1"}, {"\r=1", "'\r=1"}, {"a=b", "a=b"},
	}
	for _, tt := range tests {
		if got := snapshot.SafeCSVCell(tt.in); got != tt.want {
			t.Errorf("SafeCSVCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
