package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/lineup-dev/lineup/launcher"
)

func statusCommand() command {
	return command{
		Name:  "status",
		Short: "show the state of every run of a sweep",
		Run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			fs := newFlagSet("status", "-config sweep.yaml [flags]", stderr)
			cfg := fs.String("config", "", "sweep `file` (YAML)")
			asJSON := fs.Bool("json", false, "print JSON for machines")
			executor := fs.String("executor", "slurm", "`slurm` or local: which executor the runs were submitted with")
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			if err := configArg(fs.Args(), cfg); err != nil {
				return err
			}
			ex, err := newExecutor(*executor)
			if err != nil {
				return err
			}
			rows, err := launcher.Status(ctx, launcher.Options{Config: *cfg, Executor: ex, Stderr: stderr})
			if err != nil {
				return err
			}
			if *asJSON {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			writeStatusTable(stdout, rows)
			return nil
		},
	}
}

func writeStatusTable(w io.Writer, rows []launcher.StatusRow) {
	total := map[string]int{}
	for i := 0; i < len(rows); {
		exp := rows[i].Experiment
		fmt.Fprintf(w, "experiment %s\n", exp)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  RUN\tSTATE\tJOB\tELAPSED")
		counts := map[string]int{}
		for ; i < len(rows) && rows[i].Experiment == exp; i++ {
			r := rows[i]
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", r.Name, r.Label(), dash(r.JobID), dash(r.Elapsed))
			counts[r.Label()]++
			total[r.Label()]++
		}
		tw.Flush()
		fmt.Fprintf(w, "  %s\n\n", countLine(counts))
	}
	fmt.Fprintf(w, "total: %s\n", countLine(total))
}

func countLine(counts map[string]int) string {
	n := 0
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		n += counts[k]
		parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
	}
	return fmt.Sprintf("%d runs: %s", n, strings.Join(parts, ", "))
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
