package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/lineup-dev/lineup/site/diff"
)

// percentFlag is a flag.Value holding a fraction given in percent.
type percentFlag struct{ v *float64 }

func (p percentFlag) String() string {
	if p.v == nil {
		return ""
	}
	return diff.FormatPercent(*p.v)
}

func (p percentFlag) Set(s string) error {
	v, err := diff.ParsePercent(s)
	if err != nil {
		return err
	}
	*p.v = v
	return nil
}

func diffCommand() command {
	return command{
		Name:  "diff",
		Short: "compare two snapshots: which configurations got faster or slower",
		Run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			fs := newFlagSet("diff", "[flags] OLD NEW\n\nOLD and NEW are snapshot files or ids of snapshots in the -snapshots directory.", stderr)
			opts := diff.DefaultOptions()
			dir := fs.String("snapshots", "content/snapshots", "`dir`ectory where snapshot ids are looked up")
			format := fs.String("format", diff.FormatText, "output `format`: "+strings.Join(diff.Formats, ", "))
			fs.Var(percentFlag{&opts.Threshold}, "threshold", "smallest change of output TPS/GPU that is not noise, in `percent`")
			fs.Float64Var(&opts.Alpha, "alpha", opts.Alpha, "significance `level` of the Mann-Whitney U test over repeated runs")
			failOnRegression := fs.Bool("fail-on-regression", false, "exit with status 1 when a joined configuration got slower beyond the threshold or now fails")
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			if fs.NArg() != 2 {
				return usageError{fmt.Errorf("want two snapshots, OLD and NEW; got %d arguments", fs.NArg())}
			}
			if !slices.Contains(diff.Formats, *format) {
				return usageError{fmt.Errorf("-format %q: want one of %s", *format, strings.Join(diff.Formats, ", "))}
			}
			if !(opts.Alpha > 0 && opts.Alpha <= 1) {
				return usageError{fmt.Errorf("-alpha %v: want a level in (0, 1]", opts.Alpha)}
			}
			old, err := diff.Load(fs.Arg(0), *dir)
			if err != nil {
				return fmt.Errorf("old: %w", err)
			}
			new, err := diff.Load(fs.Arg(1), *dir)
			if err != nil {
				return fmt.Errorf("new: %w", err)
			}
			d := diff.Compare(old, new, opts)
			if err := diff.Write(stdout, d, *format); err != nil {
				return err
			}
			if regs := d.Regressions(); *failOnRegression && len(regs) > 0 {
				names := make([]string, len(regs))
				for i, r := range regs {
					names[i] = fmt.Sprintf("%s [%s] %s", r.Model, r.Old.ConfigLabel, flagWords(r))
				}
				return exitError{code: 1, err: fmt.Errorf("%d regression(s) beyond %s: %s", len(regs), diff.FormatPercent(opts.Threshold), strings.Join(names, "; "))}
			}
			return nil
		},
	}
}

func flagWords(r diff.Row) string {
	if r.OutputChange != nil {
		return fmt.Sprintf("%s %+.1f%%", r.Flag.Text(), *r.OutputChange*100)
	}
	if r.Reason != "" {
		return r.Flag.Text() + ": " + r.Reason
	}
	return r.Flag.Text()
}
