// Command lineup benchmarks vLLM configurations on SLURM and publishes how
// many GPUs each model needs to generate a billion tokens an hour.
//
//	lineup launch   submit a sweep to SLURM (idempotent)
//	lineup status   show the state of a sweep's runs
//	lineup collect  turn a results tree into a snapshot
//	lineup explain  show how one run's numbers were derived
//	lineup site     render snapshots into a static website
//	lineup version  print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// command is one subcommand: its flags live in its own file.
type command struct {
	Name  string
	Short string
	// Run executes the command; it returns a usageError for bad arguments.
	Run func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands lists the subcommands in the order `lineup -h` shows them.
func commands() []command {
	return []command{
		launchCommand(),
		statusCommand(),
		collectCommand(),
		explainCommand(),
		budgetCommand(),
		diffCommand(),
		siteCommand(),
		serveCommand(),
		versionCommand(),
	}
}

// usageError marks an error in the command line: exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitError carries a specific exit status (for example -fail-on-regression).
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	usage := func(w io.Writer) {
		fmt.Fprintf(w, "lineup: how many GPUs for a billion tokens an hour, with which vLLM configuration.\n\nUsage:\n  lineup <command> [flags]\n\nCommands:\n")
		for _, c := range cmds {
			fmt.Fprintf(w, "  %-8s %s\n", c.Name, c.Short)
		}
		fmt.Fprintf(w, "\nRun 'lineup <command> -h' for a command's flags.\n")
	}
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	}
	for _, c := range cmds {
		if c.Name != args[0] {
			continue
		}
		err := c.Run(ctx, args[1:], stdout, stderr)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		}
		fmt.Fprintf(stderr, "lineup %s: %v\n", c.Name, err)
		var ue usageError
		var ee exitError
		switch {
		case errors.As(err, &ee):
			return ee.code
		case errors.As(err, &ue):
			return 2
		}
		return 1
	}
	fmt.Fprintf(stderr, "lineup: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// newFlagSet returns a flag set whose errors come back to the caller and
// whose usage text goes to stderr.
func newFlagSet(name, usageLine string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: lineup %s %s\n\nFlags:\n", name, usageLine)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args into fs, turning errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	return nil
}
