package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/lineup-dev/lineup/launcher"
)

func launchCommand() command {
	return command{
		Name:  "launch",
		Short: "submit a sweep's runs to SLURM; re-run until everything is done",
		Run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			fs := newFlagSet("launch", "-config sweep.yaml [flags]", stderr)
			cfg := fs.String("config", "", "sweep `file` (YAML)")
			dry := fs.Bool("dry-run", false, "print each run's decision and sbatch command; write and submit nothing")
			verbose := fs.Bool("v", false, "with -dry-run, also print each job script")
			executor := fs.String("executor", "slurm", "`slurm` (sbatch) or local (run the job scripts one after another here)")
			tmpl := fs.String("template", "", "job script template `file` (default: the embedded one)")
			skip := fs.String("skip-failure-reasons", strings.Join(launcher.DefaultSkipReasons, ","), "comma-separated failure `reasons` not retried; none retries every failure")
			lockWait := fs.Duration("lock-wait", 10*time.Minute, "how long to wait while another launch holds the output directory's lock")
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
			_, err = launcher.Launch(ctx, launcher.Options{
				Config: *cfg, DryRun: *dry, Verbose: *verbose, Executor: ex, Template: *tmpl,
				SkipReasons: launcher.ParseSkipReasons(*skip), LockWait: *lockWait,
				Stdout: stdout, Stderr: stderr, Progress: isTerminal(stderr),
			})
			return err
		},
	}
}

// configArg takes the sweep file from -config or the one positional
// argument.
func configArg(rest []string, cfg *string) error {
	switch {
	case len(rest) == 1 && *cfg == "":
		*cfg = rest[0]
	case len(rest) > 0:
		return usageError{fmt.Errorf("unexpected arguments %q", rest)}
	}
	if *cfg == "" {
		return usageError{fmt.Errorf("no sweep file: use -config sweep.yaml")}
	}
	return nil
}

func newExecutor(name string) (launcher.Executor, error) {
	switch name {
	case "slurm":
		return &launcher.Slurm{}, nil
	case "local":
		return &launcher.Local{}, nil
	}
	return nil, usageError{fmt.Errorf("-executor %q: want slurm or local", name)}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
