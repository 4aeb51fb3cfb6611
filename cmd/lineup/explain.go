package main

import (
	"context"
	"errors"
	"io"

	"github.com/lineup-dev/lineup/collector"
)

func explainCommand() command {
	return command{
		Name:  "explain",
		Short: "show how one run's numbers were derived",
		Run:   runExplain,
	}
}

func runExplain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("explain", "[-json] RUN_DIR", stderr)
	asJSON := fs.Bool("json", false, "print the explanation as JSON")
	gpusPerNode := fs.Int("gpus-per-node", 8, "GPUs per node, for node-days")
	catalogFile := fs.String("catalog", "content/models.yaml", "model catalog mapping datatrove directory names to model ids (\"\" for none)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{errors.New("explain needs exactly one run directory")}
	}
	res, err := loadResolver(*catalogFile)
	if err != nil {
		return err
	}
	e, err := collector.Explain(ctx, fs.Arg(0), collector.Options{GPUsPerNode: *gpusPerNode, Resolver: res})
	if err != nil {
		return err
	}
	if *asJSON {
		return e.WriteJSON(stdout)
	}
	return e.WriteText(stdout)
}
