package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/lineup-dev/lineup/collector"
	"github.com/lineup-dev/lineup/collector/catalog"
	"github.com/lineup-dev/lineup/collector/snapshot"
)

// loadResolver reads the model catalog; a missing default catalog means
// directory names stay as written (each with a warning).
func loadResolver(file string) (collector.ModelResolver, error) {
	if file == "" {
		return nil, nil
	}
	if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) && file == "content/models.yaml" {
		return nil, nil
	}
	c, err := catalog.Load(file)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func collectCommand() command {
	return command{
		Name:  "collect",
		Short: "turn a results tree into a snapshot and a CSV summary",
		Run:   runCollect,
	}
}

func runCollect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("collect", "-root DIR [-out DIR] [flags]", stderr)
	root := fs.String("root", "", "results tree to read (required)")
	out := fs.String("out", "content/snapshots", "directory for the snapshot JSON")
	csvFile := fs.String("csv", "", "summary CSV (default <out>/<id>.csv; per-experiment CSVs go beside it)")
	id := fs.String("id", "", "snapshot id (default: date, vLLM version and GPU)")
	title := fs.String("title", "", "snapshot title")
	force := fs.Bool("force", false, "overwrite an existing snapshot with the same id")
	split := fs.Bool("split", false, "write one snapshot per vLLM version")
	gpusPerNode := fs.Int("gpus-per-node", 8, "GPUs per node, for node-days")
	jobs := fs.Int("j", 0, "files parsed at once (default: number of CPUs)")
	noCache := fs.Bool("no-cache", false, "parse every file again, ignoring and not writing the cache")
	cacheFile := fs.String("cache", "", "incremental cache file (default <out>/"+collector.DefaultCacheName+")")
	quiet := fs.Bool("q", false, "print only the summary, not the tables")
	catalogFile := fs.String("catalog", "content/models.yaml", "model catalog mapping datatrove directory names to model ids (\"\" for none)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *root == "" || fs.NArg() > 0 {
		return usageError{errors.New("collect needs -root DIR and no other arguments")}
	}
	if *id != "" && !snapshot.ValidID(*id) {
		return usageError{fmt.Errorf("-id %q: use lower-case letters, digits, '.', '_' and '-'", *id)}
	}
	if *gpusPerNode < 1 {
		return usageError{fmt.Errorf("-gpus-per-node %d: must be at least 1", *gpusPerNode)}
	}
	opt := collector.Options{
		Root: *root, GPUsPerNode: *gpusPerNode, ID: *id, Title: *title, Split: *split, Jobs: *jobs, Now: time.Now,
	}
	resolver, err := loadResolver(*catalogFile)
	if err != nil {
		return err
	}
	opt.Resolver = resolver
	if !*noCache {
		opt.CacheFile = *cacheFile
		if opt.CacheFile == "" {
			opt.CacheFile = filepath.Join(*out, collector.DefaultCacheName)
		}
	}
	if collector.IsTerminal(stderr) {
		bar := collector.NewProgress(stderr)
		opt.Progress = bar.Update
		defer bar.Done()
	}
	res, err := collector.Collect(ctx, opt)
	if err != nil {
		return err
	}
	var runs = res.Snapshots[0].Runs
	for _, s := range res.Snapshots[1:] {
		runs = append(runs, s.Runs...)
	}
	if !*quiet {
		collector.PrintTables(stdout, runs)
		fmt.Fprintln(stdout)
	}
	collector.PrintSummary(stdout, res.Report)
	if res.Report.Runs == 0 {
		return fmt.Errorf("no runs found under %s (no run.json, inference_logs/ or logs/inference/): nothing written", *root)
	}
	w, err := collector.Write(res, collector.WriteOptions{OutDir: *out, Force: *force, CSV: *csvFile})
	if err != nil {
		return err
	}
	for _, f := range w.Snapshots {
		fmt.Fprintf(stdout, "wrote %s\n", f)
	}
	for _, f := range w.CSVs {
		fmt.Fprintf(stdout, "wrote %s\n", f)
	}
	return nil
}
