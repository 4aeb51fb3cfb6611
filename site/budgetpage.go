package site

import (
	_ "embed"
	"errors"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/site/budget"
)

// The budget page (budget/index.html) sizes a generation job for the front
// snapshot, as `lineup budget` does: the form's inputs become a
// budget.Plan, budget/budget.js (budget.JS) sizes every engine of
// budget.NewPageData (embedded in the page as JSON) and budget/page.js
// (budgetPageJS) draws the table, keeping the inputs in the query string.
// Without JavaScript the page shows the same table for budgetDefaultPlan,
// rendered here.

// budgetPageJS is the budget page's own script: the form, the URL and the
// table. The arithmetic is budget.js's.
//
//go:embed budgetpage.js
var budgetPageJS []byte

// budgetDefaultPlan is the plan the page opens with: a billion output tokens
// within a day.
var budgetDefaultPlan = struct {
	Tokens string
	Hours  float64
}{"1B", 24}

// budgetView is what templates/budget.html shows.
type budgetView struct {
	// Data is budget.NewPageData of the front snapshot, for the script.
	Data template.JS
	// Models offer the model filter: every model with a usable run.
	Models []string
	// GPUsPerNode is the snapshot's node size, the form's placeholder.
	GPUsPerNode int
	// DefaultOverheadMinutes is budget.DefaultOverhead.
	DefaultOverheadMinutes string
	// Tokens and Hours are budgetDefaultPlan; Summary says it in words and
	// Rows are its table, sorted by cost.
	Tokens  string
	Hours   string
	Summary string
	Rows    []budgetRow
	// Err says why there is no table: no model has a usable run.
	Err string
}

// budgetRow is one row of the budget table.
type budgetRow struct {
	Model, Run, Config, ErrorCode string
	Cells                         []budgetCell
}

// budgetCell is a number of the table: its text and its exact value, in
// data-v, as budget/page.js writes them.
type budgetCell struct {
	Text, V string
}

// budgetColumns are the table's number columns, in order; budget/page.js
// writes the same.
var budgetColumns = []string{"output_tps_per_gpu", "gpus_for_1b_tokens_per_hour", "gpus_for_1b_tokens_per_hour_whole",
	"overhead_seconds", "replicas", "gpus", "nodes", "wall_hours", "gpu_hours", "cost"}

// budgetNotes explain why an engine cannot meet the plan, by budget.Error
// code; budget/page.js has the same words.
var budgetNotes = map[string]string{
	budget.CodeDeadlineTooShort: "the deadline is not longer than the start-up of a replica",
	budget.CodeDoesNotFit:       "the GPUs do not hold one replica",
	budget.CodeTooManyReplicas:  "needs more than a million replicas",
}

// newBudgetView sizes the default plan for s and exports its engines.
func newBudgetView(s *snapshot.Snapshot) (*budgetView, error) {
	data := budget.NewPageData(s)
	js, err := jsonForScript(data)
	if err != nil {
		return nil, err
	}
	v := &budgetView{Data: js, GPUsPerNode: data.GPUsPerNode, Tokens: budgetDefaultPlan.Tokens,
		Hours:                  strconv.FormatFloat(budgetDefaultPlan.Hours, 'f', -1, 64),
		DefaultOverheadMinutes: strconv.FormatFloat(budget.DefaultOverhead.Minutes(), 'f', -1, 64)}
	for _, e := range data.Engines {
		if e.Best {
			v.Models = append(v.Models, e.Model)
		}
	}
	tokens, err := budget.ParseTokens(budgetDefaultPlan.Tokens)
	if err != nil {
		return nil, err
	}
	engines, err := budget.Select(s, nil, "")
	if errors.Is(err, budget.ErrNoSuccessfulRun) {
		v.Err = "No configuration of snapshot " + s.ID + " produced a throughput, so there is nothing to size."
		return v, nil
	}
	if err != nil {
		return nil, err
	}
	report, err := budget.NewReport(s, engines, budget.Plan{Tokens: tokens, Hours: budgetDefaultPlan.Hours}, budget.SortCost)
	if err != nil {
		return nil, err
	}
	v.Summary = report.Summary()
	for _, r := range report.Rows {
		v.Rows = append(v.Rows, newBudgetRow(r))
	}
	return v, nil
}

func newBudgetRow(r budget.Row) budgetRow {
	e := r.Estimate
	row := budgetRow{Model: e.Model, Run: e.Run, Config: e.Config, ErrorCode: r.ErrorCode}
	exact := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	num := func(v float64) budgetCell { return budgetCell{strconv.FormatFloat(v, 'f', -1, 64), exact(v)} }
	fixed := func(v float64, prec int) budgetCell {
		return budgetCell{strconv.FormatFloat(v, 'f', prec, 64), exact(v)}
	}
	count := func(n int) budgetCell { return budgetCell{strconv.Itoa(n), strconv.Itoa(n)} }
	row.Cells = []budgetCell{
		num(e.OutputTPSPerGPU), fixed(e.GPUsFor1BPerHour, 1), num(e.GPUsFor1BPerHourWhole),
		{overheadText(e.OverheadSeconds, e.OverheadMeasured), exact(e.OverheadSeconds)},
	}
	if r.ErrorCode != "" {
		dash := budgetCell{missing, ""}
		return appendCells(row, dash, dash, dash, dash, dash, dash)
	}
	cost := budgetCell{missing, ""}
	if e.Cost != nil {
		cost = fixed(*e.Cost, 2)
	}
	return appendCells(row, count(e.Replicas), count(e.GPUs), count(e.Nodes), fixed(e.WallHours, 2), fixed(e.GPUHours, 1), cost)
}

func appendCells(row budgetRow, cells ...budgetCell) budgetRow {
	row.Cells = append(row.Cells, cells...)
	return row
}

// Note is the row's last cell: why the engine cannot meet the plan.
func (r budgetRow) Note() string { return budgetNotes[r.ErrorCode] }

// overheadText writes a start-up time as `lineup budget` does (10m, 3m22s,
// 1h5m), with "*" when it is the default rather than measured.
func overheadText(sec float64, measured bool) string {
	s := time.Duration(sec * float64(time.Second)).Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	if !measured && sec == budget.DefaultOverhead.Seconds() {
		s += "*"
	}
	return s
}

// renderBudget writes the budget page for s with its two scripts.
func (b *builder) renderBudget(s *snapshot.Snapshot) {
	const dir = "budget/"
	b.g.Go(func() error {
		v, err := newBudgetView(s)
		if err != nil {
			return err
		}
		p := b.newPage(dir+"index.html", dir+"index.html")
		p.Snapshot, p.Budget = s, v
		if v.Err == "" {
			p.Scripts = []string{"budget.js", "page.js"} // beside the page
		}
		return b.writePage("budget.html", p)
	})
	b.goWrite(dir+"budget.js", func() ([]byte, error) { return budget.JS, nil })
	b.goWrite(dir+"page.js", func() ([]byte, error) { return budgetPageJS, nil })
}
