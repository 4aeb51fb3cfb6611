package collector

import (
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
	for i, s := range res.Snapshots {
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("snapshot %s: %w", s.ID, err)
		}
		if err := snapshot.WriteAtomic(w.Snapshots[i], 0o644, func(f io.Writer) error { return snapshot.Encode(f, s, runtime.GOMAXPROCS(0)) }); err != nil {
			return nil, err
		}
	}
	if len(res.Snapshots) == 0 {
		return &w, nil
	}
	main := opt.CSV
	if main == "" {
		main = filepath.Join(opt.OutDir, res.Snapshots[0].ID+".csv")
	}
	var all []snapshot.Run
	for _, s := range res.Snapshots {
		all = append(all, s.Runs...)
	}
	if err := writeCSV(main, res.Report.Root, all); err != nil {
		return nil, err
	}
	w.CSVs = append(w.CSVs, main)
	byExp := map[string][]snapshot.Run{}
	for _, r := range all {
		if r.Experiment != "" {
			byExp[r.Experiment] = append(byExp[r.Experiment], r)
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
		if err := writeCSV(file, res.Report.Root, byExp[e]); err != nil {
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

func writeCSV(file, root string, runs []snapshot.Run) error {
	var buf bytes.Buffer
	if err := EncodeCSV(&buf, root, runs); err != nil {
		return err
	}
	return snapshot.WriteFileAtomic(file, buf.Bytes(), 0o644)
}

// EncodeCSV writes the CSV summary of runs: the seed's columns, then
// lineup's. Floats use the seed's %.6f.
func EncodeCSV(buf *bytes.Buffer, root string, runs []snapshot.Run) error {
	w := csv.NewWriter(buf)
	if err := w.Write(append(append([]string(nil), SeedColumns...), ExtraColumns...)); err != nil {
		return err
	}
	for _, r := range runs {
		if err := w.Write(csvRow(root, r)); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
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
