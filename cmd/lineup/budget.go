package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/lineup-dev/lineup/site/budget"
)

const budgetUsage = `-tokens N (-hours H | -gpus N) [-model M]... [-config RUN] [-price P]
       [-gpus-per-node N] [-overhead D] [-whole-hours] [-snapshot ID|FILE] [-snapshots DIR]
       [-sort cost|gpus] [-format text|csv|json|markdown]

Sizes a generation job of N output tokens for every model of a snapshot (its
best configuration, or -config): replicas, GPUs, nodes, wall hours,
GPU-hours and cost, within a deadline (-hours) or on a GPU count (-gpus).`

func budgetCommand() command {
	return command{
		Name:  "budget",
		Short: "size a generation job: GPUs, nodes, hours and cost per model",
		Run:   runBudget,
	}
}

func runBudget(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("budget", budgetUsage, stderr)
	var (
		tokens      = fs.String("tokens", "", "target output `tokens`: 10B, 500M, 1.5T, 2e9")
		hours       = fs.Float64("hours", 0, "deadline in `hours`: size the job to finish within it")
		gpus        = fs.Int("gpus", 0, "GPU `count` available: say how long the job takes")
		config      = fs.String("config", "", "use the run with this name, label, path or layout (tp2-pp1-dp1) instead of each model's best")
		price       = fs.Float64("price", 0, "`price` per GPU-hour; adds a cost column")
		gpusPerNode = fs.Int("gpus-per-node", 0, "GPUs per `node` (default: the snapshot's, else 8)")
		overhead    = fs.Duration("overhead", budget.DefaultOverhead, "start-up `time` of a replica (default: measured model load + engine init, else 10m)")
		wholeHours  = fs.Bool("whole-hours", false, "bill every GPU by whole hours started, as SLURM accounting rounds")
		snapRef     = fs.String("snapshot", "", "snapshot `id` in -snapshots, or a snapshot file (default: the newest)")
		snapDir     = fs.String("snapshots", "content/snapshots", "`directory` of snapshots")
		sortBy      = fs.String("sort", budget.SortCost, "order rows by `cost` (GPU-hours) or gpus")
		format      = fs.String("format", "text", "output `format`: "+strings.Join(budget.Formats, ", "))
		models      []string
	)
	fs.Func("model", "size only this `model` (full id or the name after the slash); repeatable", func(m string) error {
		models = append(models, m)
		return nil
	})
	// Bad flags give one line (run prints it); only -h prints the usage.
	printUsage := fs.Usage
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			printUsage()
		}
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	if *tokens == "" {
		return usageError{errors.New("-tokens is required: the number of output tokens to generate, e.g. -tokens 10B")}
	}
	n, err := budget.ParseTokens(*tokens)
	if err != nil {
		return usageError{fmt.Errorf("-tokens: %w", err)}
	}
	plan := budget.Plan{Tokens: n, Hours: *hours, GPUs: *gpus, GPUsPerNode: *gpusPerNode, PricePerGPUHour: *price, WholeHours: *wholeHours}
	if set["overhead"] {
		plan.OverheadSeconds = new(overhead.Seconds())
	}
	switch {
	case set["hours"] && set["gpus"]:
		return usageError{errors.New("give -hours (a deadline) or -gpus (a GPU count), not both")}
	case !set["hours"] && !set["gpus"]:
		return usageError{errors.New("give -hours (a deadline) or -gpus (a GPU count)")}
	case set["gpus"] && *gpus < 1:
		return usageError{fmt.Errorf("-gpus %d: give a GPU count of at least 1", *gpus)}
	case set["hours"] && !(*hours > 0):
		return usageError{fmt.Errorf("-hours %g: give a deadline of more than 0 hours", *hours)}
	case set["gpus-per-node"] && *gpusPerNode < 1:
		return usageError{fmt.Errorf("-gpus-per-node %d: a node has at least 1 GPU", *gpusPerNode)}
	case *overhead < 0:
		return usageError{fmt.Errorf("-overhead %s: a start-up time cannot be negative", *overhead)}
	}
	if err := plan.Validate(); err != nil {
		var fe *budget.FieldError
		if errors.As(err, &fe) {
			return usageError{fmt.Errorf("-%s: %s", strings.ReplaceAll(fe.Field, "_", "-"), fe.Msg)}
		}
		return usageError{err}
	}
	if *sortBy != budget.SortCost && *sortBy != budget.SortGPUs {
		return usageError{fmt.Errorf("-sort %q: want %s or %s", *sortBy, budget.SortCost, budget.SortGPUs)}
	}
	if !slices.Contains(budget.Formats, *format) {
		return usageError{fmt.Errorf("-format %q: want one of %s", *format, strings.Join(budget.Formats, ", "))}
	}

	snap, err := budget.LoadSnapshot(*snapRef, *snapDir)
	if err != nil {
		if errors.Is(err, budget.ErrUnknownSnapshot) {
			return usageError{fmt.Errorf("-snapshot: %w", err)}
		}
		return err
	}
	engines, err := budget.Select(snap, models, *config)
	if err != nil {
		if len(models) > 0 || *config != "" || !errors.Is(err, budget.ErrNoSuccessfulRun) {
			return usageError{err}
		}
		return err
	}
	report, err := budget.NewReport(snap, engines, plan, *sortBy)
	if err != nil {
		return err
	}
	if err := report.Failed(); err != nil {
		// No model can meet the plan (a deadline shorter than the start-up,
		// too few GPUs for one replica): the inputs are the problem.
		return usageError{err}
	}
	return report.Write(stdout, *format)
}
