package budget_test

import (
	"errors"
	"math"
	"testing"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/collector/snapshot/snapshottest"
	"github.com/lineup-dev/lineup/site/budget"
	"github.com/lineup-dev/lineup/site/budget/budgettest"
)

// engineOf returns the engine of model in s: its best run, or the run
// named config.
func engineOf(t testing.TB, s *snapshot.Snapshot, model, config string) budget.Engine {
	t.Helper()
	snapshottest.CheckValue(t, s)
	es, err := budget.Select(s, []string{model}, config)
	if err != nil {
		t.Fatal(err)
	}
	return es[0]
}

// synthetic is an engine no table holds, for layouts the published tables
// lack (tp 3, data parallel) and for round numbers at rounding boundaries.
func synthetic(tp, pp, dp int, tps float64) budget.Engine {
	return budget.Engine{Model: "test/synthetic", Config: "synthetic", TP: tp, PP: pp, DP: dp, OutputTPSPerGPU: tps, GPUsPerNode: 8,
		OverheadSeconds: budget.DefaultOverhead.Seconds()}
}

func seconds(s float64) *float64 { return &s }

// sized is the answer the wording gives, worked out here by
// placing replicas one by one rather than by Compute's formulas.
type sized struct {
	replicas, gpus, nodes int
	wallHours, gpuHours   float64
}

// reference sizes e for p the long way: the fewest replicas whose combined
// rate finishes in the usable time (deadline - overhead), or as many as
// GPUs fit when replicas take whole nodes or share one without splitting;
// nodes by packing those replicas in order.
func reference(e budget.Engine, p budget.Plan) sized {
	gpn := e.GPUsPerNode
	if p.GPUsPerNode > 0 {
		gpn = p.GPUsPerNode
	}
	overhead := e.OverheadSeconds
	if p.OverheadSeconds != nil {
		overhead = *p.OverheadSeconds
	}
	perReplica := e.TP * e.PP * e.DP
	engineTPS := e.OutputTPSPerGPU * float64(perReplica)
	var r int
	if p.Hours > 0 {
		usable := p.Hours*3600 - overhead
		for r = 1; p.Tokens/(float64(r)*engineTPS) > usable; r++ {
		}
	} else {
		// Place replicas on the given GPUs while one fits: full nodes first,
		// then the partial node.
		var nodes []int
		for left := p.GPUs; left > 0; left -= min(left, gpn) {
			nodes = append(nodes, min(left, gpn))
		}
		if perReplica > gpn {
			need := (perReplica + gpn - 1) / gpn
			full := 0
			for _, n := range nodes {
				if n == gpn {
					full++
				}
			}
			r = full / need
		} else {
			for _, n := range nodes {
				for ; n >= perReplica; n -= perReplica {
					r++
				}
			}
		}
	}
	nodes, free := 0, 0
	for range r {
		switch {
		case perReplica > gpn:
			nodes += (perReplica + gpn - 1) / gpn
		case free < perReplica:
			nodes, free = nodes+1, gpn-perReplica
		default:
			free -= perReplica
		}
	}
	wall := (p.Tokens/(float64(r)*engineTPS) + overhead) / 3600
	billed := wall
	if p.WholeHours {
		billed = math.Ceil(wall)
	}
	return sized{replicas: r, gpus: r * perReplica, nodes: nodes, wallHours: wall, gpuHours: float64(r*perReplica) * billed}
}

// computeCase is one engine and plan; the budget.js test runs them all.
type computeCase struct {
	name   string
	engine budget.Engine
	plan   budget.Plan
	code   string // an *Error's Code, or "" for a sized answer
	field  string // a *FieldError's Field
	check  func(t *testing.T, e budget.Estimate)
}

func computeCases(t testing.TB) []computeCase {
	a, b := budgettest.TableA(), budgettest.TableB()
	gemma := engineOf(t, a, "google/gemma-3-1b-it", "")
	kimi := engineOf(t, a, "moonshotai/Kimi-K2-Instruct", "")
	next := engineOf(t, a, "Qwen/Qwen3-Next-80B-A3B-Thinking", "")
	measured := engineOf(t, b, budgettest.StartupModel, "baseline")
	// tps 1000 on one GPU for one hour without overhead is 3.6e6 tokens:
	// every count below is exact in binary floating point.
	round := synthetic(1, 1, 1, 1000)
	round.OverheadSeconds = 0
	const perReplicaHour = 1000 * 3600.0
	return []computeCase{
		{name: "one GPU per replica, 10B in 24h", engine: gemma, plan: budget.Plan{Tokens: 10e9, Hours: 24}},
		{name: "tp 8 x pp 2 spans two 8-GPU nodes", engine: kimi, plan: budget.Plan{Tokens: 10e9, Hours: 24},
			check: func(t *testing.T, e budget.Estimate) {
				if e.GPUsPerReplica != 16 || e.NodesPerReplica != 2 || e.ReplicasPerNode != 0 || e.Nodes != 2*e.Replicas {
					t.Errorf("tp8 pp2 on 8-GPU nodes: %d GPUs, %d nodes per replica, %d per node, %d nodes for %d replicas; want 16, 2, 0, 2 per replica",
						e.GPUsPerReplica, e.NodesPerReplica, e.ReplicasPerNode, e.Nodes, e.Replicas)
				}
			}},
		{name: "tp 8 x pp 2 fills one 16-GPU node", engine: kimi, plan: budget.Plan{Tokens: 10e9, Hours: 24, GPUsPerNode: 16},
			check: func(t *testing.T, e budget.Estimate) {
				if e.Nodes != e.Replicas {
					t.Errorf("%d nodes for %d replicas of 16 GPUs on 16-GPU nodes", e.Nodes, e.Replicas)
				}
			}},
		{name: "tp 8 x pp 2 on 12-GPU nodes wastes a partial node", engine: kimi, plan: budget.Plan{Tokens: 1e9, Hours: 48, GPUsPerNode: 12}},
		{name: "tp 4 puts two replicas on a node", engine: next, plan: budget.Plan{Tokens: 10e9, Hours: 24}},
		{name: "tp 3 replicas are never split across nodes", engine: synthetic(3, 1, 1, 1000),
			plan: budget.Plan{Tokens: 5 * 3 * perReplicaHour, Hours: 1, OverheadSeconds: seconds(0)},
			check: func(t *testing.T, e budget.Estimate) {
				// 5 replicas x 3 GPUs = 15 GPUs would fit 2 nodes if
				// replicas could be split; 2 a node needs 3.
				if e.Replicas != 5 || e.Nodes != 3 {
					t.Errorf("5 tp3 replicas on 8-GPU nodes: got %d replicas on %d nodes, want 5 on 3", e.Replicas, e.Nodes)
				}
			}},
		{name: "data parallel counts tp x pp x dp GPUs", engine: synthetic(2, 1, 2, 1500), plan: budget.Plan{Tokens: 3e9, Hours: 10}},
		{name: "an exact multiple does not round up", engine: round, plan: budget.Plan{Tokens: 2 * perReplicaHour, Hours: 1},
			check: func(t *testing.T, e budget.Estimate) {
				if e.Replicas != 2 || e.WallHours != 1 {
					t.Errorf("twice one replica-hour in one hour: %d replicas, %g h; want 2, 1", e.Replicas, e.WallHours)
				}
			}},
		{name: "one token more takes another replica", engine: round, plan: budget.Plan{Tokens: 2*perReplicaHour + 1, Hours: 1},
			check: func(t *testing.T, e budget.Estimate) {
				if e.Replicas != 3 {
					t.Errorf("one token over two replica-hours: %d replicas, want 3", e.Replicas)
				}
			}},
		{name: "the default overhead shortens the usable time", engine: synthetic(1, 1, 1, 1000), plan: budget.Plan{Tokens: 2 * perReplicaHour, Hours: 1},
			check: func(t *testing.T, e budget.Estimate) {
				if e.Replicas != 3 || e.OverheadSeconds != 600 {
					t.Errorf("two replica-hours in 1h with a 10m start-up: %d replicas, %g s; want 3, 600", e.Replicas, e.OverheadSeconds)
				}
			}},
		{name: "a measured start-up is the overhead", engine: measured, plan: budget.Plan{Tokens: 10e9, Hours: 24},
			check: func(t *testing.T, e budget.Estimate) {
				// Added as float64s, as the snapshot holds them, not as exact constants.
				load, init := float64(budgettest.ModelLoadSeconds), float64(budgettest.EngineInitSeconds)
				if want := load + init; e.OverheadSeconds != want || !e.OverheadMeasured {
					t.Errorf("overhead %g s (measured %v), want the logged %g s", e.OverheadSeconds, e.OverheadMeasured, want)
				}
			}},
		{name: "-overhead replaces the measured start-up", engine: measured, plan: budget.Plan{Tokens: 10e9, Hours: 24, OverheadSeconds: seconds(1800)},
			check: func(t *testing.T, e budget.Estimate) {
				if e.OverheadSeconds != 1800 || e.OverheadMeasured {
					t.Errorf("overhead %g s (measured %v), want 1800 s given", e.OverheadSeconds, e.OverheadMeasured)
				}
			}},
		{name: "whole hours bill the hour started", engine: round, plan: budget.Plan{Tokens: 5 * perReplicaHour, GPUs: 2, WholeHours: true},
			check: func(t *testing.T, e budget.Estimate) {
				if e.WallHours != 2.5 || e.BilledHours != 3 || e.GPUHours != 6 {
					t.Errorf("2.5 h on 2 GPUs billed by the hour: wall %g, billed %g, %g GPU-h; want 2.5, 3, 6", e.WallHours, e.BilledHours, e.GPUHours)
				}
			}},
		{name: "price gives the cost of the GPU-hours", engine: gemma, plan: budget.Plan{Tokens: 10e9, Hours: 24, PricePerGPUHour: 2.5},
			check: func(t *testing.T, e budget.Estimate) {
				if e.Cost == nil || *e.Cost != e.GPUHours*2.5 {
					t.Errorf("cost %v for %g GPU-h at 2.5", e.Cost, e.GPUHours)
				}
			}},
		{name: "no price, no cost", engine: gemma, plan: budget.Plan{Tokens: 10e9, Hours: 24},
			check: func(t *testing.T, e budget.Estimate) {
				if e.Cost != nil {
					t.Errorf("cost %g without a price", *e.Cost)
				}
			}},
		{name: "a deadline shorter than the start-up", engine: gemma, plan: budget.Plan{Tokens: 10e9, Hours: 0.1}, code: budget.CodeDeadlineTooShort},
		{name: "a deadline equal to the start-up", engine: gemma, plan: budget.Plan{Tokens: 10e9, Hours: 0.5, OverheadSeconds: seconds(1800)}, code: budget.CodeDeadlineTooShort},
		{name: "more replicas than any cluster", engine: kimi, plan: budget.Plan{Tokens: 1e15, Hours: 1}, code: budget.CodeTooManyReplicas},
		{name: "a deadline so long that the rate overflows still takes a replica", engine: gemma, plan: budget.Plan{Tokens: 1, Hours: 1e305}},
		{name: "64 GPUs of one-GPU replicas", engine: gemma, plan: budget.Plan{Tokens: 10e9, GPUs: 64}},
		{name: "12 GPUs hold 3 tp-3 replicas on 8-GPU nodes", engine: synthetic(3, 1, 1, 1000), plan: budget.Plan{Tokens: 1e9, GPUs: 12},
			check: func(t *testing.T, e budget.Estimate) {
				if e.Replicas != 3 || e.GPUs != 9 {
					t.Errorf("tp3 on 8+4 GPUs: %d replicas, %d GPUs; want 2+1 replicas, 9 GPUs", e.Replicas, e.GPUs)
				}
			}},
		{name: "40 GPUs hold 2 two-node replicas", engine: kimi, plan: budget.Plan{Tokens: 1e9, GPUs: 40},
			check: func(t *testing.T, e budget.Estimate) {
				if e.Replicas != 2 || e.Nodes != 4 {
					t.Errorf("tp8 pp2 on 40 GPUs: %d replicas on %d nodes, want 2 on 4", e.Replicas, e.Nodes)
				}
			}},
		{name: "8 GPUs hold no two-node replica", engine: kimi, plan: budget.Plan{Tokens: 1e9, GPUs: 8}, code: budget.CodeDoesNotFit},
		{name: "GPUs on smaller nodes", engine: next, plan: budget.Plan{Tokens: 1e9, GPUs: 30, GPUsPerNode: 6, PricePerGPUHour: 3, WholeHours: true}},

		{name: "no tokens", engine: gemma, plan: budget.Plan{Tokens: 0, Hours: 1}, field: "tokens"},
		{name: "NaN tokens", engine: gemma, plan: budget.Plan{Tokens: math.NaN(), Hours: 1}, field: "tokens"},
		{name: "negative hours", engine: gemma, plan: budget.Plan{Tokens: 1e9, Hours: -24}, field: "hours"},
		{name: "infinite hours", engine: gemma, plan: budget.Plan{Tokens: 1e9, Hours: math.Inf(1)}, field: "hours"},
		{name: "hours and GPUs", engine: gemma, plan: budget.Plan{Tokens: 1e9, Hours: 24, GPUs: 8}, field: "hours"},
		{name: "neither hours nor GPUs", engine: gemma, plan: budget.Plan{Tokens: 1e9}, field: "hours"},
		{name: "negative GPUs", engine: gemma, plan: budget.Plan{Tokens: 1e9, GPUs: -8}, field: "gpus"},
		{name: "too many GPUs", engine: gemma, plan: budget.Plan{Tokens: 1e9, GPUs: budget.MaxGPUs + 1}, field: "gpus"},
		{name: "negative node size", engine: gemma, plan: budget.Plan{Tokens: 1e9, Hours: 1, GPUsPerNode: -8}, field: "gpus_per_node"},
		{name: "negative overhead", engine: gemma, plan: budget.Plan{Tokens: 1e9, Hours: 1, OverheadSeconds: seconds(-1)}, field: "overhead"},
		{name: "negative price", engine: gemma, plan: budget.Plan{Tokens: 1e9, Hours: 1, PricePerGPUHour: -2}, field: "price"},
	}
}

func TestCompute(t *testing.T) {
	for _, tc := range computeCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			got, err := budget.Compute(tc.engine, tc.plan)
			var be *budget.Error
			var fe *budget.FieldError
			switch {
			case tc.field != "":
				if !errors.As(err, &fe) || fe.Field != tc.field {
					t.Fatalf("err = %v, want a FieldError on %s", err, tc.field)
				}
				return
			case tc.code != "":
				if !errors.As(err, &be) || be.Code != tc.code {
					t.Fatalf("err = %v, want code %s", err, tc.code)
				}
				if got.Model != tc.engine.Model || got.Replicas != 0 {
					t.Errorf("an unmet plan should still describe the engine and size nothing: %+v", got)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			want := reference(tc.engine, tc.plan)
			if got.Replicas != want.replicas || got.GPUs != want.gpus || got.Nodes != want.nodes {
				t.Errorf("replicas, GPUs, nodes = %d, %d, %d; want %d, %d, %d", got.Replicas, got.GPUs, got.Nodes, want.replicas, want.gpus, want.nodes)
			}
			if !near(got.WallHours, want.wallHours) || !near(got.GPUHours, want.gpuHours) {
				t.Errorf("wall %g h, %g GPU-h; want %g, %g", got.WallHours, got.GPUHours, want.wallHours, want.gpuHours)
			}
			if tc.plan.Hours > 0 && got.WallHours > tc.plan.Hours*(1+1e-12) {
				t.Errorf("wall %g h exceeds the %g h deadline", got.WallHours, tc.plan.Hours)
			}
			engineTPS := tc.engine.OutputTPSPerGPU * float64(tc.engine.TP*tc.engine.PP*tc.engine.DP)
			if got.EngineTPS != engineTPS {
				t.Errorf("engine TPS %g, want output TPS/GPU x tp x pp x dp = %g", got.EngineTPS, engineTPS)
			}
			if want := snapshot.GPUsFor1BPerHour(tc.engine.OutputTPSPerGPU); got.GPUsFor1BPerHour != want {
				t.Errorf("GPUs/1B/h %g, want the seed's %g", got.GPUsFor1BPerHour, want)
			}
			// The whole-replica rate: the fewest whole replicas making 1e9
			// tokens an hour, never below the continuous figure.
			perReplica := float64(got.GPUsPerReplica)
			if w := got.GPUsFor1BPerHourWhole; w < got.GPUsFor1BPerHour || w-perReplica >= got.GPUsFor1BPerHour || math.Mod(w, perReplica) != 0 {
				t.Errorf("whole-replica GPUs/1B/h %g for continuous %g and %g GPUs per replica", w, got.GPUsFor1BPerHour, perReplica)
			}
			if tc.check != nil {
				tc.check(t, got)
			}
		})
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(math.Abs(a), math.Abs(b)) }

// TestBestConfigChangesTheAnswer sizes the model of table B whose best
// configuration doubles the GPUs per replica and almost doubles the rate.
func TestBestConfigChangesTheAnswer(t *testing.T) {
	b := budgettest.TableB()
	best := engineOf(t, b, budgettest.StartupModel, "")
	base := engineOf(t, b, budgettest.StartupModel, "baseline")
	if !best.Best || best.TP != 2 || base.TP != 1 || best.OutputTPSPerGPU <= base.OutputTPSPerGPU {
		t.Fatalf("fixture: best %+v, baseline %+v; want the tp2 best faster per GPU", best, base)
	}
	p := budget.Plan{Tokens: 10e9, Hours: 24}
	eb, err := budget.Compute(best, p)
	if err != nil {
		t.Fatal(err)
	}
	ea, err := budget.Compute(base, p)
	if err != nil {
		t.Fatal(err)
	}
	if wb, wa := reference(best, p), reference(base, p); eb.GPUs != wb.gpus || ea.GPUs != wa.gpus {
		t.Errorf("GPUs: best %d baseline %d, want %d and %d", eb.GPUs, ea.GPUs, wb.gpus, wa.gpus)
	}
	if eb.GPUs == ea.GPUs || eb.GPUHours >= ea.GPUHours {
		t.Errorf("the best configuration (%d GPUs, %g GPU-h) should change and cheapen the baseline's answer (%d GPUs, %g GPU-h)",
			eb.GPUs, eb.GPUHours, ea.GPUs, ea.GPUHours)
	}
}

func TestComputeRejectsBrokenEngines(t *testing.T) {
	for _, e := range []budget.Engine{
		synthetic(0, 1, 1, 1000),
		synthetic(1, 1, 1, 0),
		synthetic(1, 1, 1, math.Inf(1)),
		synthetic(budget.MaxGPUs, 2, 1, 1),
		{Model: "m", TP: 1, PP: 1, DP: 1, OutputTPSPerGPU: 1, GPUsPerNode: 0},
		{Model: "m", TP: 1, PP: 1, DP: 1, OutputTPSPerGPU: 1, GPUsPerNode: 8, OverheadSeconds: math.NaN()},
	} {
		_, err := budget.Compute(e, budget.Plan{Tokens: 1e9, Hours: 1})
		var be *budget.Error
		if err == nil || errors.As(err, &be) {
			t.Errorf("Compute(%+v) = %v, want an error about the engine", e, err)
		}
	}
}
