// Package budget sizes a generation job from a snapshot: for a target number
// of output tokens and a deadline (or a GPU count), how many replicas, GPUs
// and nodes each model needs, for how long, and what it costs.
//
// The steps:
//
//  1. EnginesOf and Select turn a snapshot's runs into Engines: one
//     configuration's measured output TPS/GPU, its parallelism, the GPUs of
//     its nodes and its start-up overhead (measured loading time, else
//     DefaultOverhead).
//  2. A Plan holds the reader's inputs; ParseTokens reads "10B", "1.5T".
//  3. Compute sizes one Engine for a Plan; Rows sizes many and Sort orders
//     them by cost or GPUs.
//  4. Write prints the rows as text, CSV, JSON or Markdown (Report).
//
// NewPageData exports the Engines as JSON for the budget page, whose
// JavaScript (JS, from budget.js) repeats the arithmetic of Compute
// operation for operation; a test runs both over the same inputs and wants
// identical numbers, so the page computes exactly what `lineup budget` prints.
package budget

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// DefaultOverhead is the start-up overhead per replica (model load and
// warm-up) assumed when the snapshot measured none.
const DefaultOverhead = 10 * time.Minute

// Limits that keep every count an exact integer in JavaScript too (below
// 2^53) and reject plans no cluster could run.
const (
	MaxReplicas = 1_000_000
	MaxGPUs     = 10_000_000
)

// Engine is what the calculation needs to know about one configuration of
// one model. It is also the per-configuration record the budget page embeds.
type Engine struct {
	Model string `json:"model"`
	// Run names the configuration: the run's name, else its label.
	Run string `json:"run,omitempty"`
	// Config is the parallel layout in the seed's directory form,
	// tp{TP}-pp{PP}-dp{DP}.
	Config string `json:"config"`
	TP     int    `json:"tp"`
	PP     int    `json:"pp"`
	DP     int    `json:"dp"`
	// OutputTPSPerGPU is the measured output tokens/s per GPU.
	OutputTPSPerGPU float64 `json:"output_tps_per_gpu"`
	// GPUsPerNode is the node size the run was measured on.
	GPUsPerNode int `json:"gpus_per_node"`
	// OverheadSeconds is the start-up time of one replica before it
	// generates: measured model load plus engine init when
	// OverheadMeasured, else DefaultOverhead.
	OverheadSeconds  float64 `json:"overhead_seconds"`
	OverheadMeasured bool    `json:"overhead_measured"`
	// Best marks the model's best configuration (snapshot.Best).
	Best bool `json:"best"`
}

// GPUsPerReplica is tp x pp x dp: a data-parallel run is sized as one unit,
// since its throughput was measured as one.
func (e Engine) GPUsPerReplica() int { return e.TP * e.PP * e.DP }

func (e Engine) validate() error {
	switch {
	case e.TP < 1 || e.PP < 1 || e.DP < 1:
		return fmt.Errorf("%s %s: tp, pp and dp must be at least 1", e.Model, e.Config)
	case e.TP > MaxGPUs || e.PP > MaxGPUs || e.DP > MaxGPUs || e.TP*e.PP > MaxGPUs || e.GPUsPerReplica() > MaxGPUs:
		return fmt.Errorf("%s %s: more than %d GPUs per replica", e.Model, e.Config, MaxGPUs)
	case !(e.OutputTPSPerGPU > 0) || math.IsInf(e.OutputTPSPerGPU, 0):
		return fmt.Errorf("%s %s: output TPS/GPU %g is not a positive rate", e.Model, e.Config, e.OutputTPSPerGPU)
	case e.GPUsPerNode < 1 || e.GPUsPerNode > MaxGPUs:
		return fmt.Errorf("%s %s: %d GPUs per node", e.Model, e.Config, e.GPUsPerNode)
	case !(e.OverheadSeconds >= 0) || math.IsInf(e.OverheadSeconds, 0):
		return fmt.Errorf("%s %s: overhead %g s is not a duration", e.Model, e.Config, e.OverheadSeconds)
	}
	return nil
}

// Plan is the reader's question. Exactly one of Hours and GPUs is set.
type Plan struct {
	// Tokens is the target number of output tokens.
	Tokens float64 `json:"tokens"`
	// Hours is the deadline: size the job to finish within it.
	Hours float64 `json:"hours,omitempty"`
	// GPUs is the GPU count available: say how long the job takes.
	GPUs int `json:"gpus,omitempty"`
	// GPUsPerNode overrides each engine's node size when positive.
	GPUsPerNode int `json:"gpus_per_node,omitempty"`
	// OverheadSeconds overrides each engine's start-up overhead when set.
	OverheadSeconds *float64 `json:"overhead_seconds,omitempty"`
	// PricePerGPUHour gives a cost when positive.
	PricePerGPUHour float64 `json:"price_per_gpu_hour,omitempty"`
	// WholeHours bills each GPU by whole hours started, as a SLURM
	// accounting that rounds up does.
	WholeHours bool `json:"whole_hours,omitempty"`
}

// FieldError names the input of a Plan that is wrong.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Validate checks the Plan's inputs; the error names the field.
func (p Plan) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case !finite(p.Tokens) || p.Tokens < 1:
		return bad("tokens", "%g is not a target of at least one token", p.Tokens)
	case !finite(p.Hours) || p.Hours < 0:
		return bad("hours", "%g is not a deadline; give a positive number of hours", p.Hours)
	case p.GPUs < 0 || p.GPUs > MaxGPUs:
		return bad("gpus", "%d is not a GPU count between 1 and %d", p.GPUs, MaxGPUs)
	case p.Hours > 0 && p.GPUs > 0:
		return bad("hours", "give a deadline (hours) or a GPU count (gpus), not both")
	case p.Hours == 0 && p.GPUs == 0:
		return bad("hours", "give a deadline (hours) or a GPU count (gpus)")
	case p.GPUsPerNode < 0 || p.GPUsPerNode > MaxGPUs:
		return bad("gpus_per_node", "%d is not a node size", p.GPUsPerNode)
	case p.OverheadSeconds != nil && (!finite(*p.OverheadSeconds) || *p.OverheadSeconds < 0):
		return bad("overhead", "%g s is not a start-up time", *p.OverheadSeconds)
	case !finite(p.PricePerGPUHour) || p.PricePerGPUHour < 0:
		return bad("price", "%g is not a price per GPU-hour", p.PricePerGPUHour)
	}
	return nil
}

// Estimate is the answer for one Engine and one Plan. Its JSON form is what
// `lineup budget -format json` prints per row and what budget.js returns.
type Estimate struct {
	Model           string  `json:"model"`
	Run             string  `json:"run,omitempty"`
	Config          string  `json:"config"`
	TP              int     `json:"tp"`
	PP              int     `json:"pp"`
	DP              int     `json:"dp"`
	OutputTPSPerGPU float64 `json:"output_tps_per_gpu"`
	// EngineTPS is the output tokens/s of one replica.
	EngineTPS      float64 `json:"engine_tps"`
	GPUsPerReplica int     `json:"gpus_per_replica"`
	GPUsPerNode    int     `json:"gpus_per_node"`
	// NodesPerReplica is more than 1 when a replica spans nodes;
	// ReplicasPerNode is then 0, else the replicas one node holds.
	NodesPerReplica  int     `json:"nodes_per_replica"`
	ReplicasPerNode  int     `json:"replicas_per_node"`
	OverheadSeconds  float64 `json:"overhead_seconds"`
	OverheadMeasured bool    `json:"overhead_measured"`
	// GPUsFor1BPerHour is the seed's continuous figure;
	// GPUsFor1BPerHourWhole the same rate in whole replicas.
	GPUsFor1BPerHour      float64 `json:"gpus_for_1b_tokens_per_hour"`
	GPUsFor1BPerHourWhole float64 `json:"gpus_for_1b_tokens_per_hour_whole"`

	Replicas int `json:"replicas"`
	GPUs     int `json:"gpus"`
	Nodes    int `json:"nodes"`
	// WallHours is the start-up overhead plus the generation time.
	WallHours float64 `json:"wall_hours"`
	// BilledHours is WallHours, or rounded up with Plan.WholeHours.
	BilledHours float64 `json:"billed_hours"`
	// GPUHours is GPUs x BilledHours: whole replicas are reserved.
	GPUHours float64  `json:"gpu_hours"`
	Cost     *float64 `json:"cost,omitempty"`
}

// Error codes of a plan that one engine cannot meet.
const (
	CodeDeadlineTooShort = "deadline_too_short"
	CodeDoesNotFit       = "does_not_fit"
	CodeTooManyReplicas  = "too_many_replicas"
)

// Error says why one engine cannot meet a Plan. The Code is what budget.js
// reports too.
type Error struct {
	Code string
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Compute sizes engine e for plan p. On an *Error the returned Estimate
// still describes the engine (everything above Replicas).
//
// Keep this function and compute() in budget.js in step: same operations in
// the same order. Products that are then added or subtracted are wrapped in
// float64(), which forbids the compiler to fuse them into one FMA
// instruction (JavaScript never fuses), so both round the same way.
func Compute(e Engine, p Plan) (Estimate, error) {
	if err := p.Validate(); err != nil {
		return Estimate{}, err
	}
	if err := e.validate(); err != nil {
		return Estimate{}, err
	}
	gpn := e.GPUsPerNode
	if p.GPUsPerNode > 0 {
		gpn = p.GPUsPerNode
	}
	overhead, measured := e.OverheadSeconds, e.OverheadMeasured
	if p.OverheadSeconds != nil {
		overhead, measured = *p.OverheadSeconds, false
	}
	unit := e.GPUsPerReplica()
	engineTPS := e.OutputTPSPerGPU * float64(unit)
	est := Estimate{
		Model: e.Model, Run: e.Run, Config: e.Config, TP: e.TP, PP: e.PP, DP: e.DP,
		OutputTPSPerGPU:       e.OutputTPSPerGPU,
		EngineTPS:             engineTPS,
		GPUsPerReplica:        unit,
		GPUsPerNode:           gpn,
		NodesPerReplica:       1,
		OverheadSeconds:       overhead,
		OverheadMeasured:      measured,
		GPUsFor1BPerHour:      snapshot.GPUsFor1BPerHour(e.OutputTPSPerGPU),
		GPUsFor1BPerHourWhole: math.Ceil(snapshot.OneBillion/(engineTPS*snapshot.SecondsPerHour)) * float64(unit),
	}
	if unit > gpn {
		// A replica spans nodes (tp 8 x pp 2 on 8-GPU nodes): it takes
		// whole nodes of its own.
		est.NodesPerReplica = ceilDiv(unit, gpn)
	} else {
		// Replicas are never split across nodes.
		est.ReplicasPerNode = gpn / unit
	}

	if p.Hours > 0 {
		usable := float64(p.Hours*snapshot.SecondsPerHour) - overhead
		if usable <= 0 {
			return est, &Error{Code: CodeDeadlineTooShort, Msg: fmt.Sprintf(
				"the %s deadline is not longer than the %s start-up of a replica", hours(p.Hours), seconds(overhead))}
		}
		// At least one replica: a deadline so long that the product
		// overflows would otherwise ask for none.
		r := max(math.Ceil(p.Tokens/(engineTPS*usable)), 1)
		if r > MaxReplicas {
			return est, &Error{Code: CodeTooManyReplicas, Msg: fmt.Sprintf(
				"needs more than %d replicas of %d GPUs to finish within %s", MaxReplicas, unit, hours(p.Hours))}
		}
		est.Replicas = int(r)
	} else {
		est.Replicas = replicasThatFit(p.GPUs, unit, gpn, est.NodesPerReplica, est.ReplicasPerNode)
		if est.Replicas == 0 {
			return est, &Error{Code: CodeDoesNotFit, Msg: fmt.Sprintf(
				"one replica needs %d GPUs on %d-GPU nodes; %d GPUs hold none", unit, gpn, p.GPUs)}
		}
	}
	est.GPUs = est.Replicas * unit
	if est.ReplicasPerNode == 0 {
		est.Nodes = est.Replicas * est.NodesPerReplica
	} else {
		est.Nodes = ceilDiv(est.Replicas, est.ReplicasPerNode)
	}
	// Replicas start together, so the overhead is paid once in wall time
	// (and by every GPU in GPU-hours).
	wallSeconds := p.Tokens/(float64(est.Replicas)*engineTPS) + overhead
	est.WallHours = wallSeconds / snapshot.SecondsPerHour
	est.BilledHours = est.WallHours
	if p.WholeHours {
		est.BilledHours = math.Ceil(est.WallHours)
	}
	est.GPUHours = float64(est.GPUs) * est.BilledHours
	if p.PricePerGPUHour > 0 {
		est.Cost = snapshot.Ptr(est.GPUHours * p.PricePerGPUHour)
	}
	return est, nil
}

// replicasThatFit counts the replicas that gpus GPUs hold when they come as
// full nodes of gpn GPUs plus one partial node, and no replica is split
// across nodes; a multi-node replica needs whole nodes.
func replicasThatFit(gpus, unit, gpn, nodesPerReplica, replicasPerNode int) int {
	fullNodes, rest := gpus/gpn, gpus%gpn
	if replicasPerNode == 0 {
		return fullNodes / nodesPerReplica
	}
	return fullNodes*replicasPerNode + rest/unit
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// hours and seconds format durations for messages.
func hours(h float64) string { return fmt.Sprintf("%gh", h) }

// seconds writes a start-up time as 10m, 3m22s or 1h5m rather than
// Duration's 10m0s.
func seconds(s float64) string {
	str := time.Duration(s * float64(time.Second)).Round(time.Second).String()
	if strings.HasSuffix(str, "m0s") {
		str = strings.TrimSuffix(str, "0s")
	}
	if strings.HasSuffix(str, "h0m") {
		str = strings.TrimSuffix(str, "0m")
	}
	return str
}
