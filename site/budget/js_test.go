package budget_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/collector/snapshot/snapshottest"
	"github.com/lineup-dev/lineup/site/budget"
	"github.com/lineup-dev/lineup/site/budget/budgettest"
)

// jsPlans are the plans every engine of the fixture snapshots is sized for
// in TestJSMatchesGo, beside computeCases.
var jsPlans = []budget.Plan{
	{Tokens: 10e9, Hours: 24},
	{Tokens: 1.5e12, Hours: 72, PricePerGPUHour: 2.5, WholeHours: true},
	{Tokens: 500e6, GPUs: 64},
	{Tokens: 2e9, GPUs: 12, GPUsPerNode: 4, OverheadSeconds: seconds(90)},
	{Tokens: 1e9, Hours: 0.05},
	{Tokens: 7e9, Hours: 3.3, GPUsPerNode: 16, PricePerGPUHour: 1.99},
	{Tokens: 3e9, GPUs: 16, WholeHours: true, PricePerGPUHour: 4},
	{Tokens: 25e9, Hours: 12.5, WholeHours: true, OverheadSeconds: seconds(0)},
	// Every run fills 16 GPUs for under an hour: one billed hour each, so
	// the order rests on the tie-breaks alone.
	{Tokens: 1e6, GPUs: 16, WholeHours: true},
}

type jsCase struct {
	Engine budget.Engine `json:"engine"`
	Plan   budget.Plan   `json:"plan"`
}

// jsRow is what compute() in budget.js returns: a Row, or the field of an
// invalid plan.
type jsRow struct {
	budget.Row
	InvalidField string `json:"invalid_field"`
}

// TestJSMatchesGo runs budget.js, as embedded, with node over the inputs of
// the Go tests and wants Go's answers exactly: the same floats bit for bit,
// the same error codes, the same refused token targets. It is what keeps
// the budget page computing what `lineup budget` prints.
func TestJSMatchesGo(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed; budget.js is untested")
	}
	var cases []jsCase
	var names []string
	for _, tc := range computeCases(t) {
		// JSON cannot carry NaN or infinities: those plans stay Go's.
		if _, err := json.Marshal(tc.plan); err != nil {
			continue
		}
		cases = append(cases, jsCase{tc.engine, tc.plan})
		names = append(names, tc.name)
	}
	for _, s := range []*snapshot.Snapshot{budgettest.TableA(), budgettest.TableB()} {
		snapshottest.CheckValue(t, s)
		for _, e := range budget.NewPageData(s).Engines {
			for i, p := range jsPlans {
				cases = append(cases, jsCase{e, p})
				names = append(names, s.ID+" "+e.Model+" "+e.Run+" plan "+string(rune('0'+i)))
			}
		}
	}
	type jsReport struct {
		Engines []budget.Engine `json:"engines"`
		Plan    budget.Plan     `json:"plan"`
		Sort    string          `json:"sort"`
	}
	var reports []jsReport
	var wantOrder [][]string
	for _, s := range []*snapshot.Snapshot{budgettest.TableA(), budgettest.TableB()} {
		engines := budget.NewPageData(s).Engines // every run: ties and errors to order
		for _, p := range jsPlans {
			for _, by := range []string{budget.SortCost, budget.SortGPUs} {
				r, err := budget.NewReport(s, engines, p, by)
				if err != nil {
					t.Fatal(err)
				}
				var order []string
				for _, row := range r.Rows {
					order = append(order, row.Model+" "+row.Config)
				}
				reports = append(reports, jsReport{engines, p, by})
				wantOrder = append(wantOrder, order)
			}
		}
	}
	var tokens []string
	for _, tc := range tokenCases {
		tokens = append(tokens, tc.in)
	}
	in, err := json.Marshal(map[string]any{"tokens": tokens, "cases": cases, "reports": reports})
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	js := filepath.Join(dir, "budget.js")
	if err := os.WriteFile(js, budget.JS, 0o644); err != nil {
		t.Fatal(err)
	}
	runner, err := filepath.Abs(filepath.Join("testdata", "run_budget.js"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, runner, js)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, stderr.Bytes())
	}
	var got struct {
		Tokens []struct {
			Tokens *float64 `json:"tokens"`
			Error  string   `json:"error"`
		} `json:"tokens"`
		Rows    []jsRow    `json:"rows"`
		Reports [][]string `json:"reports"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("node output: %v\n%s", err, out)
	}
	if len(got.Tokens) != len(tokens) || len(got.Rows) != len(cases) || len(got.Reports) != len(reports) {
		t.Fatalf("node answered %d token targets, %d cases and %d reports, want %d, %d and %d",
			len(got.Tokens), len(got.Rows), len(got.Reports), len(tokens), len(cases), len(reports))
	}
	for i, order := range got.Reports {
		if !reflect.DeepEqual(order, wantOrder[i]) {
			t.Errorf("sortRows by %s for plan %+v:\n JS %q\n Go %q", reports[i].Sort, reports[i].Plan, order, wantOrder[i])
		}
	}

	for i, s := range tokens {
		v, err := budget.ParseTokens(s)
		j := got.Tokens[i]
		switch {
		case err != nil && j.Tokens != nil:
			t.Errorf("parseTokens(%q) = %v in JS; Go refuses it: %v", s, *j.Tokens, err)
		case err == nil && j.Tokens == nil:
			t.Errorf("parseTokens(%q) refused in JS (%s); Go reads %v", s, j.Error, v)
		case err == nil && *j.Tokens != v:
			t.Errorf("parseTokens(%q) = %v in JS, %v in Go", s, *j.Tokens, v)
		}
	}

	compared := 0
	for i, c := range cases {
		var want jsRow
		est, err := budget.Compute(c.Engine, c.Plan)
		var fe *budget.FieldError
		var be *budget.Error
		switch {
		case errors.As(err, &fe):
			want.InvalidField = fe.Field
		case errors.As(err, &be):
			want.Row = budget.Row{Estimate: est, ErrorCode: be.Code}
		case err != nil:
			t.Fatalf("%s: %v", names[i], err)
		default:
			want.Row = budget.Row{Estimate: est}
		}
		g := got.Rows[i]
		g.Error = "" // messages are Go's; the page words its own
		if !reflect.DeepEqual(g, want) {
			gj, _ := json.Marshal(g)
			wj, _ := json.Marshal(want)
			t.Errorf("%s:\n JS %s\n Go %s", names[i], gj, wj)
		}
		compared++
	}
	t.Logf("compared %d token targets, %d engine-plan pairs and the order of %d reports", len(tokens), compared, len(reports))
}

// TestPageData checks what the page embeds: every usable run once, each
// model's best first, and JSON that reads back the same.
func TestPageData(t *testing.T) {
	s := budgettest.TableB()
	s.Runs = append(s.Runs, snapshot.Run{Model: "test/failed", Config: snapshot.Config{TP: 1, PP: 1},
		Status: snapshot.Status{State: snapshot.StateFailed, Reason: snapshot.ReasonOOM}})
	snapshottest.CheckValue(t, s)
	d := budget.NewPageData(s)
	if d.Snapshot.ID != s.ID || d.GPUsPerNode != s.Environment.GPUsPerNode || d.DefaultOverheadSeconds != budget.DefaultOverhead.Seconds() {
		t.Errorf("page data header %+v", d)
	}
	ok := 0
	for _, r := range s.Runs {
		if r.OK() {
			ok++
		}
	}
	if len(d.Engines) != ok {
		t.Errorf("%d engines for %d successful runs", len(d.Engines), ok)
	}
	best := map[string]float64{}
	for _, r := range s.Best() {
		best[r.Model] = *r.Metrics.OutputTPSPerGPU
	}
	seen := map[string]bool{}
	for _, e := range d.Engines {
		first := !seen[e.Model]
		seen[e.Model] = true
		if e.Best != first || (e.Best && e.OutputTPSPerGPU != best[e.Model]) {
			t.Errorf("%s %s: best=%v first=%v; want the best run (%g) first", e.Model, e.Run, e.Best, first, best[e.Model])
		}
	}
	if seen["test/failed"] {
		t.Error("a model without a successful run has engines")
	}
	data, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var back budget.PageData
	if err := json.Unmarshal(data, &back); err != nil || !reflect.DeepEqual(back, d) {
		t.Errorf("page data does not survive JSON: %v", err)
	}
}
