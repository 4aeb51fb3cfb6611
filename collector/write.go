package collector

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"golang.org/x/sync/errgroup"
)

// WriteOptions say where a collect's outputs go.
type WriteOptions struct {
	// OutDir receives <id>.json for every snapshot.
	OutDir string
	// Force overwrites an existing snapshot with the same id.
	Force bool
	// CSV is the summary CSV; "" means <OutDir>/<id>.csv. Per-experiment
	// CSVs go beside it as <stem>.<experiment>.csv.
	CSV string
}

// Written lists the files a Write produced.
type Written struct {
	Snapshots []string
	CSVs      []string
}

// Write writes the snapshots and CSVs of res. It checks every target
// first, so an existing snapshot stops it before anything is written.
func Write(res *Result, opt WriteOptions) (*Written, error) {
	var w Written
	for _, s := range res.Snapshots {
		file := filepath.Join(opt.OutDir, s.ID+".json")
		if !opt.Force {
			if _, err := os.Stat(file); err == nil {
				return nil, fmt.Errorf("snapshot %s already exists (snapshots are immutable; use -force to replace it, or -id to name this one): %w", file, fs.ErrExist)
			}
		}
		w.Snapshots = append(w.Snapshots, file)
	}
	for _, s := range res.Snapshots {
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("snapshot %s: %w", s.ID, err)
		}
	}
	if len(res.Snapshots) == 0 {
		return &w, nil
	}
	var all []snapshot.Run
	for _, s := range res.Snapshots {
		all = append(all, s.Runs...)
	}
	// The CSV rows are encoded while the snapshots are: the snapshots use
	// every CPU, but in batches, and the rows are a small part of the work
	// (make bench's 2,000 runs: about 15 ms of CPU against the snapshot's
	// 95). Each row is encoded once for the summary and its experiment's
	// CSV.
	var rows [][]byte
	var g errgroup.Group
	g.Go(func() error {
		var err error
		rows, err = csvRows(res.Report.Root, all)
		return err
	})
	g.Go(func() error {
		for i, s := range res.Snapshots {
			if err := snapshot.WriteAtomic(w.Snapshots[i], 0o644, func(f io.Writer) error { return snapshot.Encode(f, s, runtime.GOMAXPROCS(0)) }); err != nil {
				return err
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	main := opt.CSV
	if main == "" {
		main = filepath.Join(opt.OutDir, res.Snapshots[0].ID+".csv")
	}
	if err := writeCSV(main, rows); err != nil {
		return nil, err
	}
	w.CSVs = append(w.CSVs, main)
	byExp := map[string][][]byte{}
	for i, r := range all {
		if r.Experiment != "" {
			byExp[r.Experiment] = append(byExp[r.Experiment], rows[i])
		}
	}
	exps := make([]string, 0, len(byExp))
	for e := range byExp {
		exps = append(exps, e)
	}
	sort.Strings(exps)
	stem := strings.TrimSuffix(main, filepath.Ext(main))
	for _, e := range exps {
		file := stem + "." + slug(e) + ".csv"
		if err := writeCSV(file, byExp[e]); err != nil {
			return nil, err
		}
		w.CSVs = append(w.CSVs, file)
	}
	return &w, nil
}

// SeedColumns are the seed analyzer's CSV columns, in its order
// (snapshot.SeedCSVColumns, shared with the site's downloads).
var SeedColumns = snapshot.SeedCSVColumns()

// ExtraColumns follow the seed's columns.
var ExtraColumns = []string{
	"experiment", "name", "status", "reason", "method", "max_num_seqs", "max_num_batched_tokens",
	"gpu_memory_utilization", "block_size", "kv_cache_dtype", "quantization", "vllm_version", "gpu",
	"attempts", "warnings",
}

// writeCSV writes the header and rows (each a CSV record) to file.
func writeCSV(file string, rows [][]byte) error {
	return snapshot.WriteAtomic(file, 0o644, func(f io.Writer) error {
		bw := bufio.NewWriterSize(f, 256<<10)
		cw := csv.NewWriter(bw)
		if err := cw.Write(append(append([]string(nil), SeedColumns...), ExtraColumns...)); err != nil {
			return err
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		for _, r := range rows {
			if _, err := bw.Write(r); err != nil {
				return err
			}
		}
		return bw.Flush()
	})
}

// csvRows encodes each run as a record of the CSV summary: the seed's
// columns, then lineup's. Floats use the seed's %.6f.
func csvRows(root string, runs []snapshot.Run) ([][]byte, error) {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	ends := make([]int, len(runs))
	for i, r := range runs {
		if err := cw.Write(csvRow(root, r)); err != nil {
			return nil, err
		}
		cw.Flush()
		ends[i] = buf.Len()
	}
	if err := cw.Error(); err != nil {
		return nil, err
	}
	all := buf.Bytes()
	rows := make([][]byte, len(runs))
	start := 0
	for i, end := range ends {
		rows[i] = all[start:end:end]
		start = end
	}
	return rows, nil
}

func csvRow(root string, r snapshot.Run) []string {
	ip := func(p *int) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(*p)
	}
	sp := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	c, m := r.Config, r.Metrics
	where := r.Path
	for _, a := range r.Attempts {
		if a.Path != "" && (a.State == snapshot.StateOK || where == r.Path) {
			where = a.Path
		}
	}
	if root != "" && where != "" {
		where = path.Join(filepath.ToSlash(root), where)
	}
	var codes []string
	for _, w := range r.Warnings {
		codes = append(codes, w.Code)
	}
	env := snapshot.Environment{}
	if r.Environment != nil {
		env = *r.Environment
	}
	gmu := ""
	if c.GPUMemoryUtilization != nil {
		gmu = strconv.FormatFloat(*c.GPUMemoryUtilization, 'f', -1, 64)
	}
	row := append(snapshot.SeedCSVCells(&r, where),
		r.Experiment, r.Name, r.Status.State, r.Status.Reason, m.Method,
		ip(c.MaxNumSeqs), ip(c.MaxNumBatchedTokens), gmu, ip(c.BlockSize), sp(c.KVCacheDtype), sp(c.Quantization),
		env.VLLMVersion, env.GPU, strconv.Itoa(len(r.Attempts)), strings.Join(codes, ";"),
	)
	for k, v := range row {
		row[k] = snapshot.SafeCSVCell(v)
	}
	return row
}
