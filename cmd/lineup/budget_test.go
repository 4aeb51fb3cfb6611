package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/collector/snapshot/snapshottest"
	"github.com/lineup-dev/lineup/site/budget"
	"github.com/lineup-dev/lineup/site/budget/budgettest"
)

// The golden files are rewritten with `go test -run Budget -update`. The
// flag is shared with other tests of this package that may define it.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// budgetSnapshots writes the fixture snapshots (site/budget/budgettest:
// tables A and B of /work/shared/reference/published-results.md) into a
// fresh directory.
func budgetSnapshots(t *testing.T) (dir string, a, b *snapshot.Snapshot) {
	t.Helper()
	dir = t.TempDir()
	a, b = budgettest.TableA(), budgettest.TableB()
	for _, s := range []*snapshot.Snapshot{a, b} {
		snapshottest.CheckValue(t, s)
		if err := snapshot.WriteFile(filepath.Join(dir, s.ID+".json"), s, false); err != nil {
			t.Fatal(err)
		}
	}
	return dir, a, b
}

func TestBudgetGolden(t *testing.T) {
	dir, a, _ := budgetSnapshots(t)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"lineup-24h.txt", []string{"-tokens", "10B", "-hours", "24", "-snapshot", a.ID, "-price", "2.5"}},
		{"lineup-24h.csv", []string{"-tokens", "10B", "-hours", "24", "-snapshot", a.ID, "-price", "2.5", "-format", "csv"}},
		{"lineup-24h.json", []string{"-tokens", "10B", "-hours", "24", "-snapshot", a.ID, "-price", "2.5", "-format", "json"}},
		{"lineup-24h.md", []string{"-tokens", "10B", "-hours", "24", "-snapshot", a.ID, "-price", "2.5", "-format", "markdown"}},
		{"newest-64-gpus-by-gpus.txt", []string{"-tokens", "500M", "-gpus", "64", "-sort", "gpus", "-whole-hours", "-price", "3"}},
		{"baseline-vs-best.txt", []string{"-tokens", "10B", "-hours", "24", "-model", "Qwen3-30B-A3B-Thinking-2507", "-config", "baseline"}},
		{"best.txt", []string{"-tokens", "10B", "-hours", "24", "-model", "Qwen3-30B-A3B-Thinking-2507"}},
		{"multi-node.md", []string{"-tokens", "1T", "-hours", "72", "-snapshot", a.ID, "-model", "Kimi-K2-Instruct", "-model", "Qwen/Qwen3-235B-A22B-Thinking-2507",
			"-gpus-per-node", "16", "-overhead", "30m", "-format", "markdown"}},
		{"short-deadline.txt", []string{"-tokens", "1B", "-hours", "0.1"}},
		{"short-deadline.csv", []string{"-tokens", "1B", "-hours", "0.1", "-format", "csv"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"budget", "-snapshots", dir}, tc.args...)
			if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
				t.Fatalf("lineup %s: exit %d\n%s", strings.Join(args, " "), code, stderr.Bytes())
			}
			golden := filepath.Join("testdata", "budget", tc.name+".golden")
			if updateGolden() {
				if err := snapshot.WriteFileAtomic(golden, stdout.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(stdout.Bytes(), want) {
				got := golden + ".got"
				if err := snapshot.WriteFileAtomic(got, stdout.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				t.Errorf("lineup %s differs from %s; see %s (run with -update to accept it)", strings.Join(args, " "), golden, got)
			}
		})
	}
}

// TestBudgetJSONIsCompute holds -format json to the package: the rows are
// Compute's answers for the selected engines, in cost order.
func TestBudgetJSONIsCompute(t *testing.T) {
	dir, _, b := budgetSnapshots(t)
	var stdout, stderr bytes.Buffer
	args := []string{"budget", "-snapshots", dir, "-tokens", "2e9", "-hours", "6", "-price", "1.5", "-format", "json"}
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.Bytes())
	}
	var got budget.Report
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	engines, err := budget.Select(b, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	plan := budget.Plan{Tokens: 2e9, Hours: 6, PricePerGPUHour: 1.5}
	byModel := map[string]budget.Estimate{}
	for _, e := range engines {
		est, err := budget.Compute(e, plan)
		if err != nil {
			t.Fatal(err)
		}
		byModel[e.Model] = est
	}
	if got.Snapshot.ID != b.ID || !reflect.DeepEqual(got.Plan, plan) || len(got.Rows) != len(engines) {
		t.Fatalf("report of snapshot %s, plan %+v, %d rows; want %s, %+v, %d", got.Snapshot.ID, got.Plan, len(got.Rows), b.ID, plan, len(engines))
	}
	for i, row := range got.Rows {
		if !reflect.DeepEqual(row.Estimate, byModel[row.Model]) || row.Error != "" {
			t.Errorf("row %s = %+v, want %+v", row.Model, row, byModel[row.Model])
		}
		if i > 0 && *got.Rows[i-1].Cost > *row.Cost {
			t.Errorf("%s costs less than %s above it", row.Model, got.Rows[i-1].Model)
		}
	}
}

// TestBudgetBadInput: every bad input is one line on stderr, nothing on
// stdout, exit 2.
func TestBudgetBadInput(t *testing.T) {
	dir, _, _ := budgetSnapshots(t)
	for _, tc := range []struct {
		args []string
		want string // in the line
	}{
		{[]string{"-tokens", "ten", "-hours", "24"}, `token target "ten" is not a number of tokens`},
		{[]string{"-tokens", "-5B", "-hours", "24"}, "negative"},
		{[]string{"-hours", "24"}, "-tokens is required"},
		{[]string{"-tokens", "10B", "-hours", "-3"}, "-hours -3"},
		{[]string{"-tokens", "10B", "-hours", "NaN"}, "-hours NaN"},
		{[]string{"-tokens", "10B", "-hours", "+Inf"}, "-hours: +Inf"},
		{[]string{"-tokens", "10B", "-hours", "abc"}, `invalid value "abc" for flag -hours`},
		{[]string{"-tokens", "10B"}, "give -hours (a deadline) or -gpus (a GPU count)"},
		{[]string{"-tokens", "10B", "-hours", "24", "-gpus", "8"}, "not both"},
		{[]string{"-tokens", "10B", "-gpus", "0"}, "-gpus 0"},
		{[]string{"-tokens", "10B", "-gpus", "-8"}, "-gpus -8"},
		{[]string{"-tokens", "10B", "-hours", "24", "-gpus-per-node", "0"}, "-gpus-per-node 0"},
		{[]string{"-tokens", "10B", "-hours", "24", "-price", "-1"}, "-price"},
		{[]string{"-tokens", "10B", "-hours", "24", "-overhead", "-5m"}, "-overhead -5m0s"},
		{[]string{"-tokens", "10B", "-hours", "24", "-sort", "speed"}, `-sort "speed"`},
		{[]string{"-tokens", "10B", "-hours", "24", "-format", "yaml"}, `-format "yaml"`},
		{[]string{"-tokens", "10B", "-hours", "24", "-model", "gpt-5"}, `unknown model "gpt-5"`},
		{[]string{"-tokens", "10B", "-hours", "24", "-model", "Qwen3-4B", "-config", "fastest"}, `no successful run named "fastest"`},
		{[]string{"-tokens", "10B", "-hours", "24", "-config", "fastest"}, `no model in snapshot`},
		{[]string{"-tokens", "10B", "-hours", "24", "-snapshot", "nope"}, `unknown snapshot "nope"`},
		{[]string{"-tokens", "10B", "-hours", "24", "-snapshot", "nope.json"}, `unknown snapshot`},
		{[]string{"-tokens", "10B", "-hours", "0.01"}, "start-up of a replica"},
		{[]string{"-tokens", "10B", "-gpus", "3", "-model", "Qwen3-32B", "-gpus-per-node", "2"}, "GPUs hold none"},
		{[]string{"-tokens", "10B", "-hours", "24", "extra"}, `unexpected argument "extra"`},
	} {
		args := append([]string{"budget", "-snapshots", dir}, tc.args...)
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, &stdout, &stderr)
		line := stderr.String()
		switch {
		case code != 2:
			t.Errorf("lineup %s: exit %d, want 2; stderr %q", strings.Join(args, " "), code, line)
		case strings.Count(line, "\n") != 1 || !strings.HasPrefix(line, "lineup budget: "):
			t.Errorf("lineup %s: stderr %q, want one line", strings.Join(args, " "), line)
		case !strings.Contains(line, tc.want):
			t.Errorf("lineup %s: stderr %q does not say %q", strings.Join(args, " "), line, tc.want)
		case stdout.Len() > 0:
			t.Errorf("lineup %s: wrote %q to stdout", strings.Join(args, " "), stdout.String())
		}
	}
}

func TestBudgetHelpAndMissingSnapshots(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"budget", "-h"}, &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "-whole-hours") {
		t.Errorf("budget -h: exit %d, usage %q", code, stderr.String())
	}
	stderr.Reset()
	empty := t.TempDir()
	if code := run(context.Background(), []string{"budget", "-snapshots", empty, "-tokens", "1B", "-hours", "1"}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "no snapshots in "+empty) {
		t.Errorf("no snapshots: exit %d, %q; want 1 naming the directory", code, stderr.String())
	}
}
