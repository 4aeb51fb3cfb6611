package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
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
	force := fs.Bool("force", false, "write a snapshot even when the tree is unchanged since the last collect, overwriting one with the same id")
	split := fs.Bool("split", false, "write one snapshot per vLLM version")
	gpusPerNode := fs.Int("gpus-per-node", 8, "GPUs per node, for node-days")
	jobs := fs.Int("j", 0, "files parsed at once (default: number of CPUs)")
	noCache := fs.Bool("no-cache", false, "parse every file again, ignoring and not writing the cache and the tree state")
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
		opt.StateFile = *cacheFile + ".tree"
		if opt.CacheFile == "" {
			opt.CacheFile = filepath.Join(*out, collector.DefaultCacheName)
			opt.StateFile = filepath.Join(*out, collector.DefaultStateName)
		}
		opt.Force = *force
		opt.OutputKey = outputKey(*out, *csvFile, *catalogFile)
	}
	if collector.IsTerminal(stderr) {
		bar := collector.NewProgress(stderr)
		opt.Progress = bar.Update
		defer bar.Done()
	}
	if os.Getenv("GOGC") == "" {
		// A collect allocates briskly but keeps little (the runs' records):
		// collecting garbage an eighth as often as the default took 5-8%
		// off a cold collect of make bench's 2,000-run tree at GOGC=400,
		// and another 3-4% at 800 (median of 11 alternating runs: 0.293 ->
		// 0.282 s). Peak RSS, -no-cache: 92 -> 103 MB at 2,000 runs, 369
		// -> 440 MB at 10,000; a first collect's (~850 MB at 10,000, while
		// the cache is encoded) barely moves. Beyond 800 nothing is gained.
		defer debug.SetGCPercent(debug.SetGCPercent(800))
	}
	res, err := collector.Collect(ctx, opt)
	if err != nil {
		return err
	}
	if u := res.Unchanged; u != nil {
		if !*quiet {
			if t, err := u.Tables(); err != nil {
				fmt.Fprintf(stderr, "warning: the tables of the last collect: %v\n", err)
			} else {
				fmt.Fprint(stdout, t)
			}
		}
		collector.PrintSummary(stdout, res.Report)
		fmt.Fprintf(stdout, "tree unchanged since snapshot %s: nothing written (-force writes a new one)\n", strings.Join(u.IDs, ", "))
		return nil
	}
	var runs = res.Snapshots[0].Runs
	for _, s := range res.Snapshots[1:] {
		runs = append(runs, s.Runs...)
	}
	// The outputs are written while the tables are laid out (Write and
	// PrintTables only read the runs): the tables of make bench's
	// 2,000-run tree took 10 ms of one CPU between the two.
	type written struct {
		w   *collector.Written
		err error
	}
	done := make(chan written, 1)
	if res.Report.Runs > 0 {
		go func() {
			w, err := collector.Write(res, collector.WriteOptions{OutDir: *out, Force: *force, CSV: *csvFile})
			done <- written{w, err}
		}()
	}
	// The tables are kept with the tree state, for a re-collect that
	// finds the tree unchanged; with -q and no state nobody reads them
	// (laying them out took 10-17 ms of CPU at 2,000 runs).
	var tables strings.Builder
	if !*quiet || opt.StateFile != "" {
		collector.PrintTables(&tables, runs)
		tables.WriteString("\n")
	}
	if !*quiet {
		fmt.Fprint(stdout, tables.String())
	}
	collector.PrintSummary(stdout, res.Report)
	if res.Report.Runs == 0 {
		return fmt.Errorf("no runs found under %s (no run.json, inference_logs/ or logs/inference/): nothing written", *root)
	}
	wr := <-done
	w, err := wr.w, wr.err
	if err != nil {
		return err
	}
	for _, f := range w.Snapshots {
		fmt.Fprintf(stdout, "wrote %s\n", f)
	}
	for _, f := range w.CSVs {
		fmt.Fprintf(stdout, "wrote %s\n", f)
	}
	if err := res.SaveState(w, tables.String()); err != nil {
		fmt.Fprintf(stderr, "warning: %v (the next collect reads the whole tree again)\n", err)
	}
	return nil
}

// outputKey identifies what, besides the tree and the collect options,
// shapes a collect's outputs: where they go and the catalog's version.
func outputKey(out, csvFile, catalogFile string) string {
	key := []string{out, csvFile, catalogFile}
	for i, f := range key[:2] {
		if abs, err := filepath.Abs(f); err == nil && f != "" {
			key[i] = abs
		}
	}
	if catalogFile != "" {
		if fi, err := os.Stat(catalogFile); err == nil {
			key = append(key, strconv.FormatInt(fi.Size(), 10), strconv.FormatInt(fi.ModTime().UnixNano(), 10))
		}
	}
	return strings.Join(key, "\x00")
}
