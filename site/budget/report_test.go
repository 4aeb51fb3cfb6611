package budget_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/lineup-dev/lineup/collector/snapshot/snapshottest"
	"github.com/lineup-dev/lineup/site/budget"
	"github.com/lineup-dev/lineup/site/budget/budgettest"
)

func TestSort(t *testing.T) {
	s := budgettest.TableB()
	snapshottest.CheckValue(t, s)
	engines := budget.EnginesOf(s) // best and baseline runs: ties and variety
	for _, tc := range []struct {
		by   string
		plan budget.Plan
		less func(a, b budget.Row) bool // a may not come after b
	}{
		{budget.SortCost, budget.Plan{Tokens: 10e9, Hours: 24}, func(a, b budget.Row) bool { return a.GPUHours <= b.GPUHours }},
		{budget.SortGPUs, budget.Plan{Tokens: 10e9, Hours: 24}, func(a, b budget.Row) bool { return a.GPUs <= b.GPUs }},
		{budget.SortCost, budget.Plan{Tokens: 1e9, GPUs: 8}, func(a, b budget.Row) bool { return a.GPUHours <= b.GPUHours }},
	} {
		rows, err := budget.Rows(engines, tc.plan)
		if err != nil {
			t.Fatal(err)
		}
		if err := budget.Sort(rows, tc.by); err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(engines) {
			t.Fatalf("%d rows for %d engines", len(rows), len(engines))
		}
		for i := 1; i < len(rows); i++ {
			if !tc.less(rows[i-1], rows[i]) {
				t.Errorf("sort %s: %s (%d GPUs, %g GPU-h) before %s (%d GPUs, %g GPU-h)", tc.by,
					rows[i-1].Model, rows[i-1].GPUs, rows[i-1].GPUHours, rows[i].Model, rows[i].GPUs, rows[i].GPUHours)
			}
		}
	}
	if err := budget.Sort(nil, "speed"); err == nil {
		t.Error("Sort by an unknown key: no error")
	}
}

// TestUnmetPlans: a deadline only the measured start-up fits leaves one
// sized row, first; a deadline nobody fits makes the report fail.
func TestUnmetPlans(t *testing.T) {
	s := budgettest.TableB()
	snapshottest.CheckValue(t, s)
	engines := budget.EnginesOf(s)
	load, init := float64(budgettest.ModelLoadSeconds), float64(budgettest.EngineInitSeconds)
	// Between the measured start-up and the 10-minute default.
	hours := (load + init + budget.DefaultOverhead.Seconds()) / 2 / 3600
	r, err := budget.NewReport(s, engines, budget.Plan{Tokens: 1e9, Hours: hours}, budget.SortCost)
	if err != nil {
		t.Fatal(err)
	}
	sized := slices.IndexFunc(r.Rows, func(row budget.Row) bool { return row.Error != "" })
	for i, row := range r.Rows {
		if (row.Model == budgettest.StartupModel) != (i < sized) {
			t.Errorf("row %d %s (error %q): only %s fits, and it comes first", i, row.Model, row.Error, budgettest.StartupModel)
		}
		if row.Error != "" && row.ErrorCode != budget.CodeDeadlineTooShort {
			t.Errorf("%s: code %q", row.Model, row.ErrorCode)
		}
	}
	if err := r.Failed(); err != nil {
		t.Errorf("Failed() = %v with a sized row", err)
	}

	r, err = budget.NewReport(s, engines, budget.Plan{Tokens: 1e9, Hours: load / 3600}, budget.SortCost)
	if err != nil {
		t.Fatal(err)
	}
	var be *budget.Error
	if err := r.Failed(); !errors.As(err, &be) || be.Code != budget.CodeDeadlineTooShort {
		t.Errorf("Failed() = %v, want %s", err, budget.CodeDeadlineTooShort)
	}
	if err := r.Write(&bytes.Buffer{}, "yaml"); err == nil {
		t.Error("Write in an unknown format: no error")
	}
}
