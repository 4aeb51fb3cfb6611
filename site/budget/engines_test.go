package budget_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/collector/snapshot/snapshottest"
	"github.com/lineup-dev/lineup/site/budget"
	"github.com/lineup-dev/lineup/site/budget/budgettest"
)

func TestEnginesOfOverheads(t *testing.T) {
	s := budgettest.TableB()
	snapshottest.CheckValue(t, s)
	load, init := float64(budgettest.ModelLoadSeconds), float64(budgettest.EngineInitSeconds)
	for _, e := range budget.EnginesOf(s) {
		switch {
		case e.Model == budgettest.StartupModel:
			// The best run measured nothing and borrows the baseline's
			// start-up: same weights.
			if e.OverheadSeconds != load+init || !e.OverheadMeasured {
				t.Errorf("%s %s: overhead %g (measured %v), want the logged %g", e.Model, e.Run, e.OverheadSeconds, e.OverheadMeasured, load+init)
			}
		case e.OverheadSeconds != budget.DefaultOverhead.Seconds() || e.OverheadMeasured:
			t.Errorf("%s %s: overhead %g (measured %v), want the default", e.Model, e.Run, e.OverheadSeconds, e.OverheadMeasured)
		}
		if e.GPUsPerNode != s.Environment.GPUsPerNode {
			t.Errorf("%s: %d GPUs per node, want the snapshot's %d", e.Model, e.GPUsPerNode, s.Environment.GPUsPerNode)
		}
	}
}

// ambiguous is a snapshot whose short model names collide, and whose
// runs include failures and a zero rate.
func ambiguous() *snapshot.Snapshot {
	s := budgettest.TableA()
	s.ID = "ambiguous"
	run := func(model, name string, tps float64, state string) snapshot.Run {
		r := snapshot.Run{Model: model, Name: name, Config: snapshot.Config{TP: 1, PP: 1}, Status: snapshot.Status{State: state}}
		if state == snapshot.StateFailed {
			r.Status.Reason = snapshot.ReasonOOM
		} else {
			r.Metrics.DerivePerGPU(nil, snapshot.Ptr(tps), 8)
		}
		return r
	}
	s.Runs = append(s.Runs,
		run("a/twin", "x", 100, snapshot.StateOK),
		run("b/twin", "x", 200, snapshot.StateOK),
		run("c/broken", "x", 0, snapshot.StateFailed),
		run("d/stalled", "x", 0, snapshot.StateOK),
		run("e/dup", "same", 300, snapshot.StateOK),
		run("e/dup", "same", 400, snapshot.StateOK),
	)
	// A run measured on other nodes keeps its own node size.
	s.Runs[0].Environment = &snapshot.Environment{GPUsPerNode: 4}
	return s
}

func TestSelect(t *testing.T) {
	a, b := budgettest.TableA(), budgettest.TableB()
	amb := ambiguous()
	for _, s := range []*snapshot.Snapshot{a, b, amb} {
		snapshottest.CheckValue(t, s)
	}
	type pick struct{ model, run, config string }
	for _, tc := range []struct {
		name   string
		s      *snapshot.Snapshot
		models []string
		config string
		want   []pick // nil with err
		err    error
	}{
		{name: "every model's best", s: b, want: func() []pick {
			var p []pick
			for _, r := range b.Best() {
				p = append(p, pick{r.Model, r.Name, ""})
			}
			return p
		}()},
		{name: "a model by its full id", s: a, models: []string{"moonshotai/Kimi-K2-Instruct"}, want: []pick{{"moonshotai/Kimi-K2-Instruct", "lineup", "tp8-pp2-dp1"}}},
		{name: "a model by its short name in any case", s: a, models: []string{"KIMI-K2-INSTRUCT"}, want: []pick{{"moonshotai/Kimi-K2-Instruct", "lineup", ""}}},
		{name: "models in the order asked, once", s: a, models: []string{"gpt-oss-120b", "gemma-3-1b-it", "openai/gpt-oss-120b"},
			want: []pick{{"openai/gpt-oss-120b", "", ""}, {"google/gemma-3-1b-it", "", ""}}},
		{name: "-config by label", s: b, models: []string{budgettest.StartupModel}, config: "baseline", want: []pick{{budgettest.StartupModel, "Qwen3-30B-A3B-Thinking-2507-baseline", "tp1-pp1-dp1"}}},
		{name: "-config by experiment/name", s: b, models: []string{budgettest.StartupModel}, config: "optimization/Qwen3-30B-A3B-Thinking-2507-baseline", want: []pick{{budgettest.StartupModel, "", "tp1-pp1-dp1"}}},
		{name: "-config by layout", s: b, models: []string{budgettest.StartupModel}, config: "tp2-pp1-dp1", want: []pick{{budgettest.StartupModel, "", "tp2-pp1-dp1"}}},
		{name: "-config without models picks the models that have it", s: b, config: "Qwen3-4B-baseline", want: []pick{{"Qwen/Qwen3-4B", "Qwen3-4B-baseline", ""}}},
		{name: "an unknown model", s: a, models: []string{"gpt-5"}, err: budget.ErrUnknownModel},
		{name: "an ambiguous short name", s: amb, models: []string{"twin"}, err: budget.ErrUnknownModel},
		{name: "a model whose runs all failed", s: amb, models: []string{"c/broken"}, err: budget.ErrNoSuccessfulRun},
		{name: "a model whose only rate is zero", s: amb, models: []string{"d/stalled"}, err: budget.ErrNoSuccessfulRun},
		{name: "an unknown -config", s: b, models: []string{"Qwen3-4B"}, config: "fastest", err: budget.ErrUnknownConfig},
		{name: "an unknown -config for every model", s: b, config: "fastest", err: budget.ErrUnknownConfig},
		{name: "a -config naming two runs", s: amb, models: []string{"e/dup"}, config: "same", err: budget.ErrUnknownConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := budget.Select(tc.s, tc.models, tc.config)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error %q is not one line", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d engines, want %d: %+v", len(got), len(tc.want), got)
			}
			for i, w := range tc.want {
				g := got[i]
				if g.Model != w.model || (w.run != "" && g.Run != w.run) || (w.config != "" && g.Config != w.config) {
					t.Errorf("engine %d = %s %s %s, want %+v", i, g.Model, g.Run, g.Config, w)
				}
			}
		})
	}
	if es, _ := budget.Select(amb, []string{"google/gemma-3-1b-it"}, ""); es[0].GPUsPerNode != 4 {
		t.Errorf("a run measured on 4-GPU nodes sizes with %d", es[0].GPUsPerNode)
	}
}

func TestLoadSnapshot(t *testing.T) {
	dir := t.TempDir()
	a, b := budgettest.TableA(), budgettest.TableB()
	for _, s := range []*snapshot.Snapshot{b, a} {
		snapshottest.CheckValue(t, s)
		if err := snapshot.WriteFile(filepath.Join(dir, s.ID+".json"), s, false); err != nil {
			t.Fatal(err)
		}
	}
	newest := a.ID
	if b.Created.After(a.Created) {
		newest = b.ID
	}
	for _, tc := range []struct {
		ref, dir, want string
		err            error
	}{
		{ref: "", dir: dir, want: newest},
		{ref: a.ID, dir: dir, want: a.ID},
		{ref: filepath.Join(dir, b.ID+".json"), dir: "/nonexistent", want: b.ID},
		{ref: "nope", dir: dir, err: budget.ErrUnknownSnapshot},
		{ref: filepath.Join(dir, "nope.json"), dir: dir, err: budget.ErrUnknownSnapshot},
	} {
		s, err := budget.LoadSnapshot(tc.ref, tc.dir)
		switch {
		case tc.err != nil:
			if !errors.Is(err, tc.err) {
				t.Errorf("LoadSnapshot(%q) err = %v, want %v", tc.ref, err, tc.err)
			}
		case err != nil:
			t.Errorf("LoadSnapshot(%q): %v", tc.ref, err)
		case s.ID != tc.want:
			t.Errorf("LoadSnapshot(%q) = %s, want %s", tc.ref, s.ID, tc.want)
		}
	}
	empty := t.TempDir()
	if _, err := budget.LoadSnapshot("", empty); err == nil || !strings.Contains(err.Error(), empty) {
		t.Errorf("an empty directory: err = %v, want one naming it", err)
	}
	broken := t.TempDir()
	if err := os.WriteFile(filepath.Join(broken, "x.json"), []byte(`{"schema": "lineup.snapshot/v1", "id": 3}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := budget.LoadSnapshot("", broken); err == nil || errors.Is(err, budget.ErrUnknownSnapshot) || !strings.Contains(err.Error(), "x.json:1") {
		t.Errorf("a broken snapshot: err = %v, want x.json:line", err)
	}
}
