package snapshot

import (
	"regexp"
	"strconv"
)

// SeedCSVColumns returns the seed analyzer's CSV columns in its order. Every
// CSV lineup writes starts with them (the collector's summary, the site's
// downloads), so a lineup CSV opens in the scripts written for the seed's.
// The slice is new on every call: callers append their own columns.
func SeedCSVColumns() []string {
	return []string{
		"model", "tp", "pp", "dp", "spec_config", "gpus_for_1b_tokens_per_hour",
		"node_days_to_process_1b_tokens", "gpu_days_to_process_1b_tokens", "input_tps_per_gpu", "output_tps_per_gpu",
		"tokens_input_per_sec", "tokens_output_per_sec", "prompt_tokens_total", "completion_tokens_total",
		"successful_requests", "failed_requests", "path", "comment",
	}
}

// SeedCSVCells returns r's cells for SeedCSVColumns, with where in the path
// column: writers show a run's location differently (the collector its
// successful attempt under the results root, the site the run's directory).
// Rates use the seed's %.6f. The cells are raw text; a writer neutralises
// spreadsheet formulas itself.
func SeedCSVCells(r *Run, where string) []string {
	f := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', 6, 64)
	}
	i64 := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	c, m, t := &r.Config, &r.Metrics, &r.Totals
	dp := ""
	if c.DP != nil {
		dp = strconv.Itoa(*c.DP)
	}
	spec := "spec_none"
	if c.Spec != nil && *c.Spec != "" {
		spec = "spec_" + *c.Spec
	}
	return []string{
		r.Model, strconv.Itoa(c.TP), strconv.Itoa(c.PP), dp, spec,
		f(m.GPUsFor1BTokensPerHour), f(m.NodeDaysToProcess1BTokens), f(m.GPUDaysToProcess1BTokens),
		f(m.InputTPSPerGPU), f(m.OutputTPSPerGPU), f(m.TokensInputPerSec), f(m.TokensOutputPerSec),
		i64(t.PromptTokens), i64(t.CompletionTokens), i64(t.SuccessfulRequests), i64(t.FailedRequests),
		where, seedComment(r),
	}
}

// seedComment is the seed's comment column: the failure reason, a missing
// file, or the failed requests; then lineup's first warning.
func seedComment(r *Run) string {
	switch {
	case r.Status.State == StateFailed:
		return r.Status.Reason
	case r.Status.State == StateIncomplete:
		return "stats.json not found"
	case r.Metrics.OutputTPSPerGPU == nil:
		return "throughput metrics not found in server logs"
	case r.Totals.FailedRequests != nil && *r.Totals.FailedRequests > 0:
		return "failed_requests=" + strconv.FormatInt(*r.Totals.FailedRequests, 10)
	case len(r.Warnings) > 0:
		return r.Warnings[0].Message
	}
	return ""
}

// csvNumber is a plain decimal number, which a spreadsheet reads as a
// number, never as a formula.
var csvNumber = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)

// IsCSVNumber reports whether cell is a plain decimal number.
func IsCSVNumber(cell string) bool { return csvNumber.MatchString(cell) }

// SafeCSVCell defuses spreadsheet formula injection (OWASP, "CSV
// Injection"): a cell that starts with = + - @, or with a tab or carriage
// return that some spreadsheets skip before one, and is not a plain number
// gets a leading apostrophe. Every CSV lineup writes goes through it.
func SafeCSVCell(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if IsCSVNumber(cell) {
			return cell
		}
		return "'" + cell
	}
	return cell // the number test is for the few cells that need it
}
